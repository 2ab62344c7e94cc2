import { randomToken } from '../../auth/random.ts';
import { Conflict, Unavailable } from '../../domain/errors.ts';
import { type ConsoleDrafts, DRAFT_TTL_MS, type Draft, MAX_DRAFTS, MAX_DRAFTS_PER_SESSION } from './port.ts';
import { validId } from '../../input/ids.ts';
import type { ConsoleQuery } from './pg-query.ts';
import { replicaGoneSql } from '../pg/replica-sessions.ts';

export interface PgDraftsOptions {
  query: ConsoleQuery;
  /** Names this replica in draft claims (who is publishing). */
  replica: string;
  /** The application's clock (ms): expiries are reckoned in it, so tests can move time. */
  now: () => number;
  log: (line: string) => void;
  /** True once the store closed: background retries stop. */
  closed: () => boolean;
  /** How long a "Publish now" waits for the same draft being published by another replica. */
  publishWaitMs: number;
  publishPollMs: number;
  /** A draft still `publishing` this long after its claim was taken by a replica that died mid-publish. */
  publishLeaseMs: number;
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
  /** The replica that claimed it to publish has no connection open any more: it died mid-publish. */
  claimant_gone?: boolean;
}

/**
 * SQL, true when the replica named in a draft's claim (`<replica>:<random>`) has no connection open: its process is
 * gone. A claim cut to 100 characters may have lost the front of the name: then it is not judged by it.
 */
const CLAIMANT_GONE = `(claim IS NOT NULL AND length(claim) < 100 AND ${replicaGoneSql("regexp_replace(claim, ':[^:]*$', '')")})`;

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/**
 * Drafts between preview and publish in PostgreSQL (console_drafts, 003_console.sql),
 * with the session that previewed them, the action as JSON and the preview's email;
 * publishing is exactly once across replicas (publishOnce). Old drafts go when a new
 * one is saved, and in the leader's sweep.
 */
export class PgDrafts<A> implements ConsoleDrafts<A> {
  private readonly o: PgDraftsOptions;
  /** Publishes this replica runs or waits for, by draft id: a double click on one replica shares one outcome. */
  private readonly inflight = new Map<string, { sessionKey: string; result: Promise<string | null> }>();

  constructor(o: PgDraftsOptions) {
    this.o = o;
  }

  /** Deletes drafts past their time (pending, published, or claimed by a publish that never ended); answers how many. */
  async sweep(now: number): Promise<number> {
    const { rowCount } = await this.o.query(
      `DELETE FROM console_drafts
        WHERE (state = 'pending' AND created_at < $1)
           OR (state = 'published' AND published_at < $1)
           OR (state = 'publishing' AND claimed_at < $1)`,
      [new Date(now - DRAFT_TTL_MS)],
    );
    return rowCount ?? 0;
  }

  async save(key: string, action: A, now: number, emailHtml?: string): Promise<Draft<A>> {
    const cutoff = new Date(now - DRAFT_TTL_MS);
    await this.o.query(
      `DELETE FROM console_drafts
        WHERE (state = 'pending' AND created_at < $1)
           OR (state = 'published' AND published_at < $1)
           OR id IN (SELECT id FROM console_drafts WHERE state = 'pending' ORDER BY created_at DESC, id OFFSET $2)
           OR id IN (SELECT id FROM console_drafts WHERE state = 'pending' AND session_key = $3 ORDER BY created_at DESC, id OFFSET $4)`,
      [cutoff, MAX_DRAFTS - 1, key, MAX_DRAFTS_PER_SESSION - 1],
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
    await this.o.query(`INSERT INTO console_drafts (id, session_key, action, email_html, created_at) VALUES ($1, $2, $3, $4, $5)`, [
      draft.id,
      key,
      // json (not jsonb) keeps the exact text and takes "\u0000" escapes.
      JSON.stringify(action),
      html ?? null,
      new Date(now),
    ]);
    return draft;
  }

  async peek(id: string, key: string, now: number): Promise<Draft<A> | null> {
    if (!validId(id)) return null;
    const { rows } = await this.o.query<DraftRow>(
      `SELECT session_key, action, email_html, created_at FROM console_drafts
        WHERE id = $1 AND session_key = $2 AND state = 'pending' AND created_at >= $3`,
      [id, key, new Date(now - DRAFT_TTL_MS)],
    );
    return rows[0] ? draftOf(id, rows[0]) : null;
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
   * here, so the draft is never published again; a click is told to check the
   * dashboard (409 publish_interrupted) once that replica's connections are
   * gone, or after `publishLeaseMs`.
   */
  publishOnce(id: string, key: string, now: number, publish: (d: Draft<A>) => Promise<string>): Promise<string | null> {
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
    const deadline = Date.now() + this.o.publishWaitMs;
    for (;;) {
      const claim = `${this.o.replica}:${randomToken(12)}`.slice(-100);
      const claimed = await this.o.query<DraftRow>(
        `UPDATE console_drafts SET state = 'publishing', claim = $3, claimed_at = $4
          WHERE id = $1 AND session_key = $2 AND state = 'pending' AND created_at >= $5
          RETURNING session_key, action, email_html, created_at`,
        [id, key, claim, new Date(now), new Date(cutoff)],
      );
      if (claimed.rows[0]) return this.runClaimed(draftOf<A>(id, claimed.rows[0]), claim, publish);
      const { rows } = await this.o.query<DraftRow>(
        `SELECT session_key, state, incident_id, created_at, claimed_at, published_at, ${CLAIMANT_GONE} AS claimant_gone
           FROM console_drafts WHERE id = $1`,
        [id],
      );
      const row = rows[0];
      // Gone, or another session's (published or not): nothing to publish, nothing to tell.
      if (!row || row.session_key !== key) return null;
      if (row.state === 'published') return row.published_at!.getTime() >= cutoff ? row.incident_id : null;
      if (row.state === 'pending' && row.created_at.getTime() < cutoff) return null;
      // Its publisher's process died (no connection of its own open, and claimed longer ago than a publish waits for
      // its write: one reconnecting after PostgreSQL came back is still at it), or it has had longer than any
      // publish takes: the outcome is not known here, and waiting would not learn it.
      const age = now - row.claimed_at!.getTime();
      if (row.state === 'publishing' && ((row.claimant_gone && age > this.o.publishWaitMs) || age > this.o.publishLeaseMs)) {
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
      if (row.state === 'publishing') await sleep(this.o.publishPollMs);
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
    await this.recordPublished(draft.id, claim, incidentId, this.o.now(), 0);
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
      await this.o.query(`UPDATE console_drafts SET state = 'pending', claim = NULL, claimed_at = NULL WHERE id = $1 AND claim = $2`, [
        id,
        claim,
      ]);
    } catch {
      if (this.o.closed() || attempt >= 30) {
        this.o.log(`[herald] draft ${id}: its publish failed and it could not be given back; it stays claimed (publish_interrupted).`);
        return;
      }
      setTimeout(() => void this.giveBack(id, claim, attempt + 1), 2_000).unref();
    }
  }

  /** Records the outcome; the incident exists whatever happens here, so a failure is retried in the background, not reported. */
  private async recordPublished(id: string, claim: string, incidentId: string, at: number, attempt: number): Promise<void> {
    try {
      await this.o.query(
        `UPDATE console_drafts SET state = 'published', incident_id = $3, published_at = $4, claim = NULL
          WHERE id = $1 AND claim = $2`,
        [id, claim, incidentId, new Date(at)],
      );
    } catch {
      if (this.o.closed() || attempt >= 30) {
        this.o.log(`[herald] draft ${id} published ${incidentId}, but that could not be recorded: a retry of it will be told to check.`);
        return;
      }
      setTimeout(() => void this.recordPublished(id, claim, incidentId, at, attempt + 1), 2_000).unref();
    }
  }
}

function draftOf<A>(id: string, row: Pick<DraftRow, 'session_key' | 'action' | 'email_html' | 'created_at'>): Draft<A> {
  return {
    id,
    sessionKey: row.session_key,
    action: row.action as A,
    createdAt: row.created_at.getTime(),
    ...(row.email_html !== null ? { emailHtml: row.email_html } : {}),
  };
}
