import type { Session } from '../../auth/sessions.ts';

/**
 * What the Comms Lead console keeps between requests: sessions, drafts
 * between preview and publish, and failed sign-ins per address. Two
 * adapters: in memory (the embedded engine: one process, a restart signs
 * everyone out) and PostgreSQL (several replicas behind a load balancer: a
 * session made on one is valid on all, a draft previewed on one is published
 * once from any, failures are counted across them). The storage opens the
 * one its engine calls for (Storage.openConsole, src/store/open.ts).
 *
 * Every method may throw Unavailable (storage_unavailable) when the shared
 * state cannot be reached; nothing else about the engine shows.
 */
export interface ConsoleStore<A> {
  readonly engine: 'memory' | 'postgres';
  readonly sessions: ConsoleSessions;
  readonly drafts: ConsoleDrafts<A>;
  readonly signInFailures: SignInLimiter;
  /** Stops the store's own timers (the PostgreSQL store's sweep); the connections belong to the storage. */
  close(): Promise<void>;
}

export interface ConsoleSessions {
  /** Starts a session; returns the cookie token (shown to the browser once) and the session, kept under the token's hash. */
  create(actor: string, now: number, via?: SignedInWith): Promise<{ token: string; session: Session }>;
  /**
   * The live session for a cookie token, or null: none, ended, or expired (12 h idle, 24 h in all). Marked used
   * unless `touch` is false: a console page's own poll is not someone using it (an open tab kept it for 24 h).
   */
  get(token: string | undefined, now: number, touch?: boolean): Promise<Session | null>;
  /** Ends the session of a cookie token (sign-out), everywhere. */
  destroy(token: string | undefined): Promise<void>;
}

/** A preview kept for "Publish now". `A` is the action (src/publish/preview.ts's DraftAction), stored as JSON. */
export interface Draft<A> {
  id: string;
  /** Only the session that previewed a draft may publish it. */
  sessionKey: string;
  action: A;
  createdAt: number;
  /** The previewed email's HTML, served to the preview's sandboxed frame. */
  emailHtml?: string;
}

export interface ConsoleDrafts<A> {
  save(sessionKey: string, action: A, now: number, emailHtml?: string): Promise<Draft<A>>;
  /** A draft to show again (back to edit, the email frame), without consuming it; null when gone or another session's. */
  peek(id: string, sessionKey: string, now: number): Promise<Draft<A> | null>;
  /**
   * Publishes a draft exactly once, with `publish` (which answers the
   * incident id). A double click or a retried POST, on this replica or
   * another, gets the same incident id and `publish` does not run again; a
   * draft that is gone, expired or another session's answers null (410). A
   * publish that throws gives the draft back (to be fixed and retried) and
   * its error is rethrown.
   */
  publishOnce(id: string, sessionKey: string, now: number, publish: (draft: Draft<A>) => Promise<string>): Promise<string | null>;
}

/** Failed console sign-ins per client address, in fixed windows. */
export interface SignInLimiter {
  /** Seconds until `key` may try again once it used up its window, without counting; 0 when it may try now. */
  blockedFor(key: string, now: number): Promise<number>;
  /** Counts one failure (before the secret is checked); 0 while within the limit, else the seconds until the window ends. */
  hit(key: string, now: number): Promise<number>;
  /** Forgets `key`'s failures (a successful sign-in). */
  reset(key: string): Promise<void>;
}

export interface ConsoleStoreOptions {
  /** Failed sign-ins allowed per address and window. */
  signIn: { limit: number; windowMs: number; maxKeys: number };
  /**
   * Digests of the sign-in secrets this process takes (src/console/state.ts). Sessions kept in PostgreSQL outlive
   * a restart, so each records the digest of the secret it was signed in with and is live only where that
   * secret still is: a changed password or admin token signs out whoever signed in with it. In memory a restart
   * already does.
   */
  credentials?: () => Credentials;
}

/** What a session was signed in with. */
export type SignedInWith = 'token' | 'password';

/** Digests of the secrets a process takes (never the secrets): the password's is null without ADMIN_PASSWORD. */
export interface Credentials {
  token: string;
  password: string | null;
}

/** Drafts live two hours after their preview (and a published one answers retries as long). */
export const DRAFT_TTL_MS = 2 * 60 * 60_000;
/** Drafts kept at most (unpublished; the oldest goes first). */
export const MAX_DRAFTS = 500;
/**
 * Drafts one session keeps at most (its own oldest goes first): one admin's previews, a script's or a stuck
 * key's, must not push out another's draft seconds old ("This preview has expired"): ten sessions would have
 * to fill theirs before the overall cap reaches anyone else's.
 */
export const MAX_DRAFTS_PER_SESSION = 50;

/** Seconds to wait until `resetAt`, at least 1 (a Retry-After of 0 would invite an immediate retry). */
export const secondsUntil = (resetAt: number, now: number): number => Math.max(1, Math.ceil((resetAt - now) / 1000));
