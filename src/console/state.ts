import type { Herald } from '../herald.ts';
import { SessionStore } from './sessions.ts';
import { DraftStore } from './drafts.ts';
import { WindowLimiter } from '../api/rate-limit.ts';
import { hashPassword, type PasswordHash } from './password.ts';

/** The console's in-memory state: sessions, drafts, sign-in limiter, password hash. */
export interface ConsoleState {
  sessions: SessionStore;
  drafts: DraftStore;
  signInFailures: WindowLimiter;
  password: PasswordHash | null;
}

// The Astro pages run from a bundle that carries its own copy of this module,
// while src/api/auth.ts runs from source: a module-level variable would give
// two states. Both sides share the one Herald object, so the state hangs off
// it under a global symbol.
const KEY = Symbol.for('herald.console.state');

/** 5 failed sign-ins per IP per 15 minutes, then 429 until the window ends. */
export const SIGN_IN_MAX_FAILURES = 5;
export const SIGN_IN_WINDOW_MS = 15 * 60_000;

/** The console state of this Herald, created (and the password hashed) on first use. */
export function consoleState(herald: Herald): ConsoleState {
  const holder = herald as Herald & { [KEY]?: ConsoleState };
  let state = holder[KEY];
  if (!state) {
    const plain = herald.config.ADMIN_PASSWORD;
    state = {
      sessions: new SessionStore(),
      drafts: new DraftStore(),
      signInFailures: new WindowLimiter({ limit: SIGN_IN_MAX_FAILURES, windowMs: SIGN_IN_WINDOW_MS, maxKeys: 10_000 }),
      password: plain ? hashPassword(plain) : null,
    };
    // Keep only the hash: drop the plain password from the config object.
    if (plain) herald.config.ADMIN_PASSWORD = undefined;
    Object.defineProperty(holder, KEY, { value: state, enumerable: false });
  }
  return state;
}
