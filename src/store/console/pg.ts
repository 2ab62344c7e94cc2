import { createHash } from 'node:crypto';
import type pg from 'pg';
import { randomToken } from '../../auth/random.ts';
import { MAX_SESSIONS, MAX_TOKEN_LENGTH, SESSION_IDLE_MS, SESSION_MAX_MS, type Session, sessionKey } from '../../auth/sessions.ts';
import { Conflict, Unavailable } from '../../domain/errors.ts';
import type { Leadership } from '../leadership.ts';
import { describePgError, isConnectionError, type Pool } from '../pg/client.ts';
import {
  type ConsoleDrafts,
  type ConsoleSessions,
  type ConsoleStore,
  type ConsoleStoreOptions,
  DRAFT_TTL_MS,
  type Draft,
  MAX_DRAFTS,
  type SignInLimiter,
  secondsUntil,
} from './port.ts';

export interface PgConsoleStoreOptions extends ConsoleStoreOptions {
  /** The storage's pool (src/store/open.ts); the tables are 003_console.sql's. */
  pool: Pool;
  /** Names this replica in draft claims (who is publishing). */
  replica: string;
  /** The leader deletes expired rows every `sweepMs`; without it, nobody sweeps (rows also go lazily). */
  leadership?: Leadership;
  /** The application's clock (ms): expiries and windows are reckoned in it, so tests can move time. */
  now?: () => number;
  log?: (line: string) => void;
  sweepMs?: number;
  /** How long a "Publish now" waits for the same draft being published by another replica. */
  publishWaitMs?: number;
  publishPollMs?: number;
  /** A draft still `publishing` this long after its claim was taken by a replica that died mid-publish. */
  publishLeaseMs?: number;
}

const SAFE_ID = /^[A-Za-z0-9_-]{1,100}$/;
/** Tokens and draft ids are base64url; anything else (a forged cookie, a NUL byte) is nobody's, and never reaches SQL. */
const validId = (id: string | undefined): id is string => typeof id === 'string' && id.length <= MAX_TOKEN_LENGTH && SAFE_ID.test(id);

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/** A reason short enough for an HTTP answer: the code, never the host or the query (those go to the log). */
const shortReason = (err: unknown): string => {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code) return code;
  return isConnectionError(err) ? 'connection lost' : 'database error';
};

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

interface DraftRow {
  session_key: string;
  action: unknown;
  email_html: string | null;
  created_at: Date;
  state: 'pending' | 'publishing' | 'published';
  claimed_at: Date | null;
  incident_id: string | null;
  published_at: Date | null;
}

/**
 * The console's state in PostgreSQL, shared by every replica behind the load
 * balancer (tables: src/store/migrations/003_console.sql):
 *
 * - sessions, keyed by the SHA-256 of the cookie token (never the token; the
 *   CSRF token is derived from the cookie token, so it is not stored either);
 *   a lookup is one UPDATE that checks both expiries (12 h idle, 24 h in all)
 *   and marks the session used;
 * - drafts, with the session that previewed them, the action as JSON and the
 *   preview's email; publishing is exactly once across replicas (publishOnce);
 * - failed sign-ins per address, one fixed-window counter row each, counted
 *   by one atomic upsert (a row is a few bytes, so `signIn.maxKeys`, the
 *   in-memory bound, does not apply: ended windows are swept instead).
 *
 * Expired rows go lazily (an expired session is deleted when presented, old
 * drafts when a new one is saved) and every `sweepMs` on the leader.
 * Every failure of PostgreSQL is Unavailable (503): a session that cannot be
 * read is not a signed-out session.
 */
export class PgConsoleStore<A> implements ConsoleStore<A> {
  readonly engine = 'postgres' as const;
  readonly sessions: ConsoleSessions;
  readonly drafts: ConsoleDrafts<A>;
  readonly signInFailures: SignInLimiter;
  private readonly pool: Pool;
  private readonly replica: string;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private readonly signIn: ConsoleStoreOptions['signIn'];
  private readonly publishWaitMs: number;
  private readonly publishPollMs: number;
  private readonly publishLeaseMs: number;
  /** Publishes this replica runs or waits for, by draft id: a double click on one replica shares one outcome. */
  private readonly inflight = new Map<string, { sessionKey: string; result: Promise<string | null> }>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private readonly stopFollowing: () => void;
  private reachable = true;
  private closed = false;

  constructor(opts: PgConsoleStoreOptions) {
    this.pool = opts.pool;
    this.replica = opts.replica;
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? ((line) => console.error(line));
    this.signIn = opts.signIn;
    this.publishWaitMs = opts.publishWaitMs ?? 20_000;
    this.publishPollMs = opts.publishPollMs ?? 100;
    // Longer than any publish can take (a write waits at most for a connection and a statement: 5 + 15 s).
    this.publishLeaseMs = opts.publishLeaseMs ?? 5 * 60_000;
    this.sessions = {
      create: (actor, now) => this.createSession(actor, now),
      get: (token, now) => this.getSession(token, now),
      destroy: (token) => this.destroySession(token),
    };
    this.drafts = {
      save: (key, action, now, emailHtml) => this.saveDraft(key, action, now, emailHtml),
      peek: (id, key, now) => this.peekDraft(id, key, now),
      publishOnce: (id, key, now, publish) => this.publishOnce(id, key, now, publish),
    };
    this.signInFailures = {
      blockedFor: (key, now) => this.blockedFor(key, now),
      hit: (key, now) => this.hit(key, now),
      reset: (key) => this.resetFailures(key),
    };
    const sweepMs = opts.sweepMs ?? 5 * 60_000;
    const follow = (leading: boolean) => {
      if (leading && !this.sweepTimer && !this.closed) {
        this.sweepTimer = setInterval(() => void this.sweep(this.now()).catch(() => {}), sweepMs);
        this.sweepTimer.unref();
        void this.sweep(this.now()).catch(() => {});
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
    const drafts = await this.query(
      `DELETE FROM console_drafts
        WHERE (state = 'pending' AND created_at < $1)
           OR (state = 'published' AND published_at < $1)
           OR (state = 'publishing' AND claimed_at < $1)`,
      [new Date(now - DRAFT_TTL_MS)],
    );
    const failures = await this.query(`DELETE FROM console_sign_in_failures WHERE reset_at <= $1`, [new Date(now)]);
    return { sessions: sessions.rowCount ?? 0, drafts: drafts.rowCount ?? 0, signInFailures: failures.rowCount ?? 0 };
  }

  // Sessions.

  private async createSession(actor: string, now: number): Promise<{ token: string; session: Session }> {
    // Expired sessions go, and the least recently used beyond the bound: a flood of sign-ins must not grow the table.
    await this.query(
      `DELETE FROM console_sessions
        WHERE last_seen_at < $1 OR created_at < $2
           OR key IN (SELECT key FROM console_sessions ORDER BY last_seen_at DESC, key OFFSET $3)`,
      [new Date(now - SESSION_IDLE_MS), new Date(now - SESSION_MAX_MS), MAX_SESSIONS - 1],
    );
    const token = randomToken(32);
    const session: Session = { key: sessionKey(token), actor, csrf: csrfOf(token), createdAt: now, lastSeenAt: now };
    await this.query(`INSERT INTO console_sessions (key, actor, created_at, last_seen_at) VALUES ($1, $2, $3, $3)`, [
      session.key,
      session.actor,
      new Date(now),
    ]);
    return { token, session };
  }

  private async getSession(token: string | undefined, now: number): Promise<Session | null> {
    if (!validId(token)) return null;
    const key = sessionKey(token);
    // One round trip: a live session is marked used, an expired one deleted (the two never match the same row).
    const { rows } = await this.query<SessionRow>(
      `WITH live AS (
         UPDATE console_sessions SET last_seen_at = GREATEST(last_seen_at, $2)
          WHERE key = $1 AND last_seen_at >= $3 AND created_at >= $4
          RETURNING actor, created_at, last_seen_at
       ), expired AS (
         DELETE FROM console_sessions WHERE key = $1 AND (last_seen_at < $3 OR created_at < $4)
       )
       SELECT * FROM live`,
      [key, new Date(now), new Date(now - SESSION_IDLE_MS), new Date(now - SESSION_MAX_MS)],
    );
    const row = rows[0];
    if (!row) return null;
    return { key, actor: row.actor, csrf: csrfOf(token), createdAt: row.created_at.getTime(), lastSeenAt: row.last_seen_at.getTime() };
  }

  private async destroySession(token: string | undefined): Promise<void> {
    if (!validId(token)) return;
    await this.query(`DELETE FROM console_sessions WHERE key = $1`, [sessionKey(token)]);
  }

  // Drafts.

  private async saveDraft(key: string, action: A, now: number, emailHtml?: string): Promise<Draft<A>> {
    const cutoff = new Date(now - DRAFT_TTL_MS);
    await this.query(
      `DELETE FROM console_drafts
        WHERE (state = 'pending' AND created_at < $1)
           OR (state = 'published' AND published_at < $1)
           OR id IN (SELECT id FROM console_drafts WHERE state = 'pending' ORDER BY created_at DESC, id OFFSET $2)`,
      [cutoff, MAX_DRAFTS - 1],
    );
    // PostgreSQL's text refuses NUL; an email never needs one.
    const html = emailHtml?.replaceAll('\u0000', '\uFFFD');
    const draft: Draft<A> = {
      id: randomToken(18),
      sessionKey: key,
      action,
      createdAt: now,
      ...(html !== undefined ? { emailHtml: html } : {}),
    };
    await this.query(`INSERT INTO console_drafts (id, session_key, action, email_html, created_at) VALUES ($1, $2, $3, $4, $5)`, [
      draft.id,
      key,
      // json (not jsonb) keeps the exact text and takes "\u0000" escapes.
      JSON.stringify(action),
      html ?? null,
      new Date(now),
    ]);
    return draft;
  }

  private async peekDraft(id: string, key: string, now: number): Promise<Draft<A> | null> {
    if (!validId(id)) return null;
    const { rows } = await this.query<DraftRow>(
      `SELECT session_key, action, email_html, created_at FROM console_drafts
        WHERE id = $1 AND session_key = $2 AND state = 'pending' AND created_at >= $3`,
      [id, key, new Date(now - DRAFT_TTL_MS)],
    );
    return rows[0] ? this.draftOf(id, rows[0]) : null;
  }

  /**
   * Exactly once across replicas. The draft row goes from `pending` to
   * `publishing` in one UPDATE ... WHERE state = 'pending' (PostgreSQL's row
   * lock makes it one winner; the claim is committed before `publish` runs),
   * then, once `publish` answers, to `published` with the incident id. A
   * concurrent click elsewhere finds it `publishing` and waits for (polls)
   * the outcome: the incident id, or the draft given back after a failed
   * publish (then it claims it itself). A click on this replica shares the
   * running request's outcome.
   *
   * A replica that dies between its claim and recording the outcome leaves
   * the draft `publishing`: whether the incident was published is not known
   * here, so the draft is never published again; after `publishLeaseMs` a
   * click is told to check the dashboard (409 publish_interrupted).
   */
  private publishOnce(id: string, key: string, now: number, publish: (d: Draft<A>) => Promise<string>): Promise<string | null> {
    if (!validId(id)) return Promise.resolve(null);
    const running = this.inflight.get(id);
    if (running?.sessionKey === key) return running.result;
    const result = this.publishShared(id, key, now, publish);
    if (!running) {
      this.inflight.set(id, { sessionKey: key, result });
      const forget = () => {
        if (this.inflight.get(id)?.result === result) this.inflight.delete(id);
      };
      result.then(forget, forget);
    }
    return result;
  }

  private async publishShared(id: string, key: string, now: number, publish: (d: Draft<A>) => Promise<string>): Promise<string | null> {
    const cutoff = now - DRAFT_TTL_MS;
    const deadline = Date.now() + this.publishWaitMs;
    for (;;) {
      const claim = `${this.replica}:${randomToken(12)}`.slice(-100);
      const claimed = await this.query<DraftRow>(
        `UPDATE console_drafts SET state = 'publishing', claim = $3, claimed_at = $4
          WHERE id = $1 AND session_key = $2 AND state = 'pending' AND created_at >= $5
          RETURNING session_key, action, email_html, created_at`,
        [id, key, claim, new Date(now), new Date(cutoff)],
      );
      if (claimed.rows[0]) return this.runClaimed(this.draftOf(id, claimed.rows[0]), claim, publish);
      const { rows } = await this.query<DraftRow>(
        `SELECT session_key, state, incident_id, created_at, claimed_at, published_at FROM console_drafts WHERE id = $1`,
        [id],
      );
      const row = rows[0];
      // Gone, or another session's (published or not): nothing to publish, nothing to tell.
      if (!row || row.session_key !== key) return null;
      if (row.state === 'published') return row.published_at!.getTime() >= cutoff ? row.incident_id : null;
      if (row.state === 'pending' && row.created_at.getTime() < cutoff) return null;
      if (row.state === 'publishing' && now - row.claimed_at!.getTime() > this.publishLeaseMs) {
        throw new Conflict(
          'Publishing this preview was interrupted, and whether it was published is not known. Check the dashboard before publishing it again from a new preview.',
          'publish_interrupted',
        );
      }
      if (Date.now() >= deadline) {
        throw new Unavailable(
          'This preview is still being published by another request. Reload the dashboard in a moment.',
          'publish_in_progress',
        );
      }
      // `publishing` elsewhere: wait for its outcome. `pending` again: that publish failed and gave it back; claim it.
      if (row.state === 'publishing') await sleep(this.publishPollMs);
    }
  }

  private async runClaimed(draft: Draft<A>, claim: string, publish: (d: Draft<A>) => Promise<string>): Promise<string> {
    let incidentId: string;
    try {
      incidentId = await publish(draft);
    } catch (err) {
      // A failed publish (a conflict, say) gives the draft back, to be fixed and retried.
      await this.giveBack(draft.id, claim, 0);
      throw err;
    }
    await this.recordPublished(draft.id, claim, incidentId, this.now(), 0);
    return incidentId;
  }

  /**
   * Puts a draft whose publish failed back to `pending`. When PostgreSQL
   * cannot take that now (the publish most likely failed for the same
   * reason), it is retried in the background; meanwhile a retry of the draft
   * waits, then is told to try again in a moment (publish_in_progress).
   */
  private async giveBack(id: string, claim: string, attempt: number): Promise<void> {
    try {
      await this.query(`UPDATE console_drafts SET state = 'pending', claim = NULL, claimed_at = NULL WHERE id = $1 AND claim = $2`, [
        id,
        claim,
      ]);
    } catch {
      if (this.closed || attempt >= 30) {
        this.log(`[herald] draft ${id}: its publish failed and it could not be given back; it stays claimed (publish_interrupted).`);
        return;
      }
      setTimeout(() => void this.giveBack(id, claim, attempt + 1), 2_000).unref();
    }
  }

  /** Records the outcome; the incident exists whatever happens here, so a failure is retried in the background, not reported. */
  private async recordPublished(id: string, claim: string, incidentId: string, at: number, attempt: number): Promise<void> {
    try {
      await this.query(
        `UPDATE console_drafts SET state = 'published', incident_id = $3, published_at = $4, claim = NULL
          WHERE id = $1 AND claim = $2`,
        [id, claim, incidentId, new Date(at)],
      );
    } catch {
      if (this.closed || attempt >= 30) {
        this.log(`[herald] draft ${id} published ${incidentId}, but that could not be recorded: a retry of it will be told to check.`);
        return;
      }
      setTimeout(() => void this.recordPublished(id, claim, incidentId, at, attempt + 1), 2_000).unref();
    }
  }

  private draftOf(id: string, row: Pick<DraftRow, 'session_key' | 'action' | 'email_html' | 'created_at'>): Draft<A> {
    return {
      id,
      sessionKey: row.session_key,
      action: row.action as A,
      createdAt: row.created_at.getTime(),
      ...(row.email_html !== null ? { emailHtml: row.email_html } : {}),
    };
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

  /** One statement on the pool; any failure of PostgreSQL becomes Unavailable (logged once per outage). */
  private async query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      const result = await this.pool.query<R>(text, values);
      if (!this.reachable) this.log('[herald] the console state in PostgreSQL is reachable again.');
      this.reachable = true;
      return result;
    } catch (err) {
      if (this.reachable && !this.closed) this.log(`[herald] the console state in PostgreSQL is unreachable: ${describePgError(err)}`);
      this.reachable = false;
      throw new Unavailable(
        `The console cannot reach its database now (${shortReason(err)}), so it cannot check or change sign-ins and previews. Nobody was signed in or out and nothing was published; try again in a moment.`,
        'storage_unavailable',
      );
    }
  }
}

/** A limiter key (a client address) as PostgreSQL's text takes it. */
const clean = (key: string) => key.replaceAll('\u0000', '').slice(0, 200);
