import { createHash } from 'node:crypto';
import type { Config } from '../config.ts';
import { hashPassword, type PasswordHash, sessionPasswordDigest } from '../auth/password.ts';
import type { ConsoleDrafts, ConsoleSessions, Credentials, SignInLimiter } from '../store/console/port.ts';
import type { Storage } from '../store/open.ts';
import type { ConsoleDraftAction } from './maintenance-draft.ts';

/**
 * The console's state: sessions, drafts, the sign-in limiter (kept by the
 * storage: in memory on the embedded engine, shared by the replicas on
 * PostgreSQL; every call may throw Unavailable there), and the password hash.
 */
export interface ConsoleState {
  sessions: ConsoleSessions;
  drafts: ConsoleDrafts<ConsoleDraftAction>;
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
 * password leaves the config object. `adminToken` is the token this process
 * takes, read once it is known (the storage may keep it).
 */
export function openConsoleState(config: Config, storage: Storage, adminToken: () => string): ConsoleState {
  const plain = config.ADMIN_PASSWORD;
  config.ADMIN_PASSWORD = undefined;
  // What a session records of the secret it was signed in with, where sessions outlive a restart (PostgreSQL):
  // of the token, random, a plain digest; of the password, scrypt's, as a weak one must not be cheap to guess
  // from the table. Worked out now: the plain password is not kept.
  const password = plain !== undefined && storage.engine === 'postgres' ? sessionPasswordDigest(plain) : null;
  let digests: Credentials | null = null;
  // Asked for only once the process serves, when its token is known.
  const credentials = (): Credentials =>
    (digests ??= { token: createHash('sha256').update(`herald-console-token\0${adminToken()}`).digest('base64url'), password });
  const store = storage.openConsole<ConsoleDraftAction>({
    signIn: { limit: SIGN_IN_MAX_FAILURES, windowMs: SIGN_IN_WINDOW_MS, maxKeys: 10_000 },
    credentials,
  });
  return {
    sessions: store.sessions,
    drafts: store.drafts,
    signInFailures: store.signInFailures,
    password: plain ? hashPassword(plain) : null,
    close: () => store.close(),
  };
}
