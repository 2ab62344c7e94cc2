import type { Config } from '../config.ts';
import { hashPassword, type PasswordHash } from '../auth/password.ts';
import type { ConsoleDrafts, ConsoleSessions, SignInLimiter } from '../store/console/port.ts';
import type { Storage } from '../store/open.ts';
import type { DraftAction } from '../publish/preview.ts';

/**
 * The console's state: sessions, drafts, the sign-in limiter (kept by the
 * storage: in memory on the embedded engine, shared by the replicas on
 * PostgreSQL; every call may throw Unavailable there), and the password hash.
 */
export interface ConsoleState {
  sessions: ConsoleSessions;
  drafts: ConsoleDrafts<DraftAction>;
  signInFailures: SignInLimiter;
  password: PasswordHash | null;
  close(): Promise<void>;
}

/** 5 failed sign-ins per IP per 15 minutes, then 429 until the window ends. */
export const SIGN_IN_MAX_FAILURES = 5;
export const SIGN_IN_WINDOW_MS = 15 * 60_000;

/**
 * The console's state, opened at start from the storage: ADMIN_PASSWORD is
 * hashed now (not on the first sign-in), and only the hash is kept: the plain
 * password leaves the config object.
 */
export function openConsoleState(config: Config, storage: Storage): ConsoleState {
  const plain = config.ADMIN_PASSWORD;
  config.ADMIN_PASSWORD = undefined;
  const store = storage.openConsole<DraftAction>({
    signIn: { limit: SIGN_IN_MAX_FAILURES, windowMs: SIGN_IN_WINDOW_MS, maxKeys: 10_000 },
  });
  return {
    sessions: store.sessions,
    drafts: store.drafts,
    signInFailures: store.signInFailures,
    password: plain ? hashPassword(plain) : null,
    close: () => store.close(),
  };
}
