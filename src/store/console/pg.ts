import { createHash } from 'node:crypto';
import { randomToken } from '../../auth/random.ts';
import { MAX_SESSIONS, SESSION_IDLE_MS, SESSION_MAX_MS, type Session, sessionKey } from '../../auth/sessions.ts';
import type { Leadership } from '../leadership.ts';
import type { Pool } from '../pg/client.ts';
import { PgDrafts, type PgDraftsOptions } from './pg-drafts.ts';
import { validId } from '../../input/ids.ts';
import { type ConsoleQuery, consoleQuery } from './pg-query.ts';
import {
  type ConsoleSessions,
  type ConsoleStore,
  type ConsoleStoreOptions,
  type Credentials,
  type SignedInWith,
  type SignInLimiter,
  secondsUntil,
} from './port.ts';

/** `replica` and the publish timings are the drafts' (pg-drafts.ts); the timings have defaults here. */
export interface PgConsoleStoreOptions
  extends ConsoleStoreOptions,
    Pick<PgDraftsOptions, 'replica'>,
    Partial<Pick<PgDraftsOptions, 'publishWaitMs' | 'publishPollMs' | 'publishLeaseMs'>> {
  /** The storage's pool (src/store/open.ts); the tables are 003_console.sql's. */
  pool: Pool;
  /** The leader deletes expired rows every `sweepMs`; without it, nobody sweeps (rows also go lazily). */
  leadership?: Leadership;
  /** The application's clock (ms): expiries and windows are reckoned in it, so tests can move time. */
  now?: () => number;
  log?: (line: string) => void;
  sweepMs?: number;
}

/**
 * A session's CSRF token, derived from its cookie token (which is never
 * stored): the table then holds no token at all, only the cookie's hash. The
 * prefix makes it unrelated to that hash (the session's key).
 */
const csrfOf = (token: string): string => createHash('sha256').update(`herald-console-csrf\0${token}`).digest('base64url');

interface SessionRow {
  actor: string;
  created_at: Date;
  last_seen_at: Date;
}

/**
 * The console's state in PostgreSQL, shared by every replica behind the load
 * balancer (tables: src/store/migrations/003_console.sql):
 *
 * - sessions, keyed by the SHA-256 of the cookie token (never the token; the
 *   CSRF token is derived from the cookie token, so it is not stored either);
 *   a lookup is one UPDATE that checks both expiries (12 h idle, 24 h in all)
 *   and marks the session used;
 * - drafts (pg-drafts.ts), published exactly once across replicas;
 * - failed sign-ins per address, one fixed-window counter row each, counted
 *   by one atomic upsert (a row is a few bytes, so `signIn.maxKeys`, the
 *   in-memory bound, does not apply: ended windows are swept instead).
 *
 * Expired rows go lazily (an expired session is deleted when presented, old
 * drafts when a new one is saved) and every `sweepMs` on the leader.
 * Every failure of PostgreSQL is Unavailable (503, pg-query.ts): a session
 * that cannot be read is not a signed-out session.
 */
export class PgConsoleStore<A> implements ConsoleStore<A> {
  readonly engine = 'postgres' as const;
  readonly sessions: ConsoleSessions;
  readonly drafts: PgDrafts<A>;
  readonly signInFailures: SignInLimiter;
  private readonly query: ConsoleQuery;
  private readonly signIn: ConsoleStoreOptions['signIn'];
  private readonly credentials: () => Credentials;
  private sweepTimer: NodeJS.Timeout | null = null;
  private readonly stopFollowing: () => void;
  private closed = false;

  constructor(opts: PgConsoleStoreOptions) {
    const now = opts.now ?? Date.now;
    const log = opts.log ?? ((line) => console.error(line));
    this.query = consoleQuery(opts.pool, log, () => this.closed);
    this.signIn = opts.signIn;
    this.credentials = opts.credentials ?? (() => ({ token: '', password: null }));
    this.sessions = {
      create: (actor, at, via) => this.createSession(actor, at, via),
      get: (token, at, touch) => this.getSession(token, at, touch),
      destroy: (token) => this.destroySession(token),
    };
    this.drafts = new PgDrafts<A>({
      query: this.query,
      replica: opts.replica,
      now,
      log,
      closed: () => this.closed,
      publishWaitMs: opts.publishWaitMs ?? 20_000,
      publishPollMs: opts.publishPollMs ?? 100,
      // Longer than any publish can take (a write waits at most for a connection and a statement: 5 + 15 s).
      publishLeaseMs: opts.publishLeaseMs ?? 5 * 60_000,
    });
    this.signInFailures = {
      blockedFor: (key, at) => this.blockedFor(key, at),
      hit: (key, at) => this.hit(key, at),
      reset: (key) => this.resetFailures(key),
    };
    const sweepMs = opts.sweepMs ?? 5 * 60_000;
    const follow = (leading: boolean) => {
      if (leading && !this.sweepTimer && !this.closed) {
        this.sweepTimer = setInterval(() => void this.sweep(now()).catch(() => {}), sweepMs);
        this.sweepTimer.unref();
        void this.sweep(now()).catch(() => {});
      } else if (!leading && this.sweepTimer) {
        clearInterval(this.sweepTimer);
        this.sweepTimer = null;
      }
    };
    this.stopFollowing = opts.leadership?.onChange(follow) ?? (() => {});
    if (opts.leadership) follow(opts.leadership.isLeader);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopFollowing();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
  }

  /** Deletes what has expired: sessions, drafts, ended sign-in windows (the leader, every sweepMs). */
  async sweep(now: number): Promise<{ sessions: number; drafts: number; signInFailures: number }> {
    const sessions = await this.query(`DELETE FROM console_sessions WHERE last_seen_at < $1 OR created_at < $2`, [
      new Date(now - SESSION_IDLE_MS),
      new Date(now - SESSION_MAX_MS),
    ]);
    const drafts = await this.drafts.sweep(now);
    const failures = await this.query(`DELETE FROM console_sign_in_failures WHERE reset_at <= $1`, [new Date(now)]);
    return { sessions: sessions.rowCount ?? 0, drafts, signInFailures: failures.rowCount ?? 0 };
  }

  // Sessions.

  private async createSession(actor: string, now: number, via: SignedInWith = 'token'): Promise<{ token: string; session: Session }> {
    // Expired sessions go, and the least recently used beyond the bound: a flood of sign-ins must not grow the table.
    await this.query(
      `DELETE FROM console_sessions
        WHERE last_seen_at < $1 OR created_at < $2
           OR key IN (SELECT key FROM console_sessions ORDER BY last_seen_at DESC, key OFFSET $3)`,
      [new Date(now - SESSION_IDLE_MS), new Date(now - SESSION_MAX_MS), MAX_SESSIONS - 1],
    );
    const token = randomToken(32);
    const session: Session = { key: sessionKey(token), actor, csrf: csrfOf(token), createdAt: now, lastSeenAt: now };
    await this.query(`INSERT INTO console_sessions (key, actor, created_at, last_seen_at, credentials) VALUES ($1, $2, $3, $3, $4)`, [
      session.key,
      session.actor,
      new Date(now),
      this.credentials()[via] ?? '',
    ]);
    return { token, session };
  }

  private async getSession(token: string | undefined, now: number, touch = true): Promise<Session | null> {
    if (!validId(token)) return null;
    const key = sessionKey(token);
    // One round trip: a live session is marked used, an expired one deleted (the two never match the same row).
    // One signed in with a secret this replica no longer takes is not live here, but stays: in a rolling restart
    // that changes it, the replicas not yet restarted still take it, as they still take the old secret itself.
    const { rows } = await this.query<SessionRow>(
      `WITH live AS (
         UPDATE console_sessions SET last_seen_at = CASE WHEN $6 THEN GREATEST(last_seen_at, $2) ELSE last_seen_at END
          WHERE key = $1 AND last_seen_at >= $3 AND created_at >= $4 AND credentials = ANY($5::text[])
          RETURNING actor, created_at, last_seen_at
       ), expired AS (
         DELETE FROM console_sessions WHERE key = $1 AND (last_seen_at < $3 OR created_at < $4)
       )
       SELECT * FROM live`,
      [key, new Date(now), new Date(now - SESSION_IDLE_MS), new Date(now - SESSION_MAX_MS), taken(this.credentials()), touch],
    );
    const row = rows[0];
    if (!row) return null;
    return { key, actor: row.actor, csrf: csrfOf(token), createdAt: row.created_at.getTime(), lastSeenAt: row.last_seen_at.getTime() };
  }

  private async destroySession(token: string | undefined): Promise<void> {
    if (!validId(token)) return;
    await this.query(`DELETE FROM console_sessions WHERE key = $1`, [sessionKey(token)]);
  }

  // Failed sign-ins.

  private async blockedFor(key: string, now: number): Promise<number> {
    const { rows } = await this.query<{ failures: number; reset_at: Date }>(
      `SELECT failures, reset_at FROM console_sign_in_failures WHERE ip = $1 AND reset_at > $2`,
      [clean(key), new Date(now)],
    );
    const row = rows[0];
    return row && row.failures >= this.signIn.limit ? secondsUntil(row.reset_at.getTime(), now) : 0;
  }

  private async hit(key: string, now: number): Promise<number> {
    // One statement: concurrent failures on several replicas each count (the row lock orders them).
    const { rows } = await this.query<{ failures: number; reset_at: Date }>(
      `INSERT INTO console_sign_in_failures AS f (ip, failures, reset_at) VALUES ($1, 1, $3)
       ON CONFLICT (ip) DO UPDATE SET
         failures = CASE WHEN f.reset_at <= $2 THEN 1 ELSE f.failures + 1 END,
         reset_at = CASE WHEN f.reset_at <= $2 THEN EXCLUDED.reset_at ELSE f.reset_at END
       RETURNING failures, reset_at`,
      [clean(key), new Date(now), new Date(now + this.signIn.windowMs)],
    );
    const row = rows[0]!;
    return row.failures > this.signIn.limit ? secondsUntil(row.reset_at.getTime(), now) : 0;
  }

  private async resetFailures(key: string): Promise<void> {
    await this.query(`DELETE FROM console_sign_in_failures WHERE ip = $1`, [clean(key)]);
  }
}

/** The digests a session may have been signed in with to be live here. */
const taken = (c: Credentials): string[] => (c.password === null ? [c.token] : [c.token, c.password]);

/** A limiter key (a client address) as PostgreSQL's text takes it. */
const clean = (key: string) => key.replaceAll('\u0000', '').slice(0, 200);
