import type { Config } from '../config.ts';
import { SessionStore } from '../auth/sessions.ts';
import { hashPassword, type PasswordHash } from '../auth/password.ts';
import { WindowLimiter } from '../http/rate-limit.ts';
import { DraftStore } from './drafts.ts';

/** The console's in-memory state: sessions, drafts, sign-in limiter, password hash. */
export interface ConsoleState {
  sessions: SessionStore;
  drafts: DraftStore;
  signInFailures: WindowLimiter;
  password: PasswordHash | null;
}

/** 5 failed sign-ins per IP per 15 minutes, then 429 until the window ends. */
export const SIGN_IN_MAX_FAILURES = 5;
export const SIGN_IN_WINDOW_MS = 15 * 60_000;

/**
 * The console's state for one process, made at start: ADMIN_PASSWORD is
 * hashed now (not on the first sign-in), and only the hash is kept: the plain
 * password leaves the config object.
 */
export function openConsoleState(config: Config): ConsoleState {
  const plain = config.ADMIN_PASSWORD;
  config.ADMIN_PASSWORD = undefined;
  return {
    sessions: new SessionStore(),
    drafts: new DraftStore(),
    signInFailures: new WindowLimiter({ limit: SIGN_IN_MAX_FAILURES, windowMs: SIGN_IN_WINDOW_MS, maxKeys: 10_000 }),
    password: plain ? hashPassword(plain) : null,
  };
}
