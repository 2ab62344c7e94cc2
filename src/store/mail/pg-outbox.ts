import { NotFound } from '../../domain/errors.ts';
import { noticeWithdrawn, unreachableRefusal } from './retry-refusals.ts';
import { type FollowsNotice, noneLeft, unreachable } from './unreachable.ts';
import type { Delivery, SubscriberState } from './model.ts';
import type { FailedIds, FailurePage, FailureQuery, NoticeProgress, OutboxOverview, OutboxView, Retried } from './port.ts';
import { DELIVERY_COLUMNS, deliveryOf, type DeliveryRow } from './pg-rows.ts';
import { countWaiting, readConfirmations, readFailed, readNotices, readNoticesAbout, readNoticesOf } from './pg-outbox-reads.ts';
import { PgFanOut } from './pg-fanout.ts';

/**
 * The outbox in PostgreSQL (mail_intents, mail_deliveries, mail_outbox),
 * shared by the replicas. Fan-out writes deliveries a batch of subscribers
 * at a time, walking them by seq from the notice's cursor (one transaction
 * per batch, under the notice's row lock); every replica claims queued
 * deliveries in batches with FOR UPDATE SKIP LOCKED and a lease, sends them
 * and records the outcomes. Nothing here grows with the number of
 * subscribers: each step holds one batch. The fan-out is PgFanOut
 * (pg-fanout.ts), the claims PgClaims (pg-claims.ts); here, the pause and what
 * the operator reads and retries, and the subscribe limits.
 */
export class PgOutbox extends PgFanOut implements OutboxView {
  /** Stops sending on every replica (a mail setup error); the first reason is kept. */
  async pause(reason: string, at: Date): Promise<void> {
    await this.db.query('UPDATE mail_outbox SET paused_reason = $1, paused_at = $2 WHERE paused_reason IS NULL', [reason, at]);
  }

  /** Sending resumes on every replica. */
  async resume(): Promise<void> {
    await this.db.query('UPDATE mail_outbox SET paused_reason = NULL, paused_at = NULL');
  }

  /** Whether sending is paused, and why. */
  async paused(): Promise<{ reason: string; at: string } | null> {
    const { rows } = await this.db.query<{ paused_reason: string | null; paused_at: Date | null }>(
      'SELECT paused_reason, paused_at FROM mail_outbox',
    );
    const r = rows[0];
    return r?.paused_reason && r.paused_at ? { reason: r.paused_reason, at: r.paused_at.toISOString() } : null;
  }

  async notices(limit: number): Promise<NoticeProgress[]> {
    return readNotices(this.db, limit);
  }

  async noticesOf(keys: readonly string[]): Promise<NoticeProgress[]> {
    return readNoticesOf(this.db, keys);
  }

  async noticesAbout(incident: string): Promise<NoticeProgress[]> {
    return readNoticesAbout(this.db, incident);
  }

  /** The reads in one read-only transaction: counts and lists agree, whatever the replicas send meanwhile. */
  async overview(limits: { notices: number; failed: number }): Promise<OutboxOverview> {
    return this.db.snapshot(async (c) => {
      const notices = await readNotices(c, limits.notices);
      const confirmations = await readConfirmations(c);
      const failed = await readFailed(c, { q: '', offset: 0, limit: limits.failed });
      return { notices, confirmations, failed: failed.rows, failedTotal: failed.total, waiting: await countWaiting(c) };
    });
  }

  async waiting(): Promise<number> {
    return countWaiting(this.db);
  }

  /** One snapshot: the page and its total agree. */
  async failures(query: FailureQuery): Promise<FailurePage> {
    return this.db.snapshot((c) => readFailed(c, query));
  }

  async retry(id: string, sendable: (d: Delivery) => boolean, follows: FollowsNotice): Promise<Retried> {
    return this.db.tx(async (c) => {
      const { rows } = await c.query<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM mail_deliveries WHERE id = $1 FOR UPDATE`, [id]);
      const d = rows[0] ? deliveryOf(rows[0]) : undefined;
      if (!d) throw new NotFound(`No delivery ${id}.`);
      if (d.state !== 'failed') return { already: d.state };
      const sub = await c.query<{ state: SubscriberState; suppressed: string | null; components: string[] }>(
        'SELECT state, suppressed, components FROM mail_subscribers WHERE id = $1',
        [d.sub],
      );
      const why = unreachable(sub.rows[0], { intent: d.intent, follows });
      if (why) throw unreachableRefusal(id, why);
      if (!sendable(d)) throw noticeWithdrawn(id);
      await c.query(
        `UPDATE mail_deliveries SET state = 'queued', attempts = 0, next_at = NULL, lease_owner = NULL, lease_until = NULL WHERE id = $1`,
        [id],
      );
      return { requeued: { ...d, state: 'queued' as const, attempts: 0, next_at: null } };
    });
  }

  /** A notice's failed deliveries that can be sent to their subscriber now, oldest first, and the others counted by reason. */
  async failedIds(intent: string, follows: FollowsNotice): Promise<FailedIds> {
    const { rows } = await this.db.query<{
      id: string;
      state: SubscriberState | null;
      suppressed: string | null;
      components: string[] | null;
    }>(
      `SELECT d.id, s.state, s.suppressed, s.components FROM mail_deliveries d LEFT JOIN mail_subscribers s ON s.id = d.sub
       WHERE d.intent = $1 AND d.state = 'failed' ORDER BY d.ord`,
      [intent],
    );
    const ids: string[] = [];
    const left = noneLeft();
    for (const r of rows) {
      const why = unreachable(r, { intent, follows });
      if (why) left[why]++;
      else ids.push(r.id);
    }
    return { ids, left };
  }

  /**
   * Those of `ids` still failed that can still be sent to their subscriber (unreachable.ts: its state in SQL, whether
   * it follows the notice here), queued again, oldest first (rows another request holds are left to it).
   */
  async retryFailed(ids: string[], follows: FollowsNotice): Promise<Delivery[]> {
    return this.db.tx(async (c) => {
      const { rows: held } = await c.query<{ id: string; intent: string; components: string[] }>(
        `SELECT f.id, f.intent, s.components FROM mail_deliveries f JOIN mail_subscribers s ON s.id = f.sub
         WHERE f.id = ANY($1::text[]) AND f.state = 'failed' AND s.state <> 'unsubscribed' AND s.suppressed IS NULL
         ORDER BY f.ord FOR UPDATE OF f SKIP LOCKED`,
        [ids],
      );
      const take = held.filter((r) => follows(r.intent, r.components)).map((r) => r.id);
      if (take.length === 0) return [];
      const { rows } = await c.query<DeliveryRow>(
        `UPDATE mail_deliveries SET state = 'queued', attempts = 0, next_at = NULL, lease_owner = NULL, lease_until = NULL
         WHERE id = ANY($1::text[]) RETURNING ${DELIVERY_COLUMNS}`,
        [take],
      );
      const order = new Map(take.map((id, i) => [id, i]));
      return rows.map(deliveryOf).sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    });
  }

  /** Counts a subscribe request under `key` in a fixed window; 0 within the limit, else the seconds until it ends. */
  async hit(key: string, limit: number, windowMs: number, now: Date): Promise<number> {
    const { rows } = await this.db.query<{ hits: number; reset_at: Date }>(
      `INSERT INTO mail_subscribe_limits AS l (key, hits, reset_at) VALUES ($1, 1, $3)
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN l.reset_at <= $2 THEN 1 ELSE l.hits + 1 END,
         reset_at = CASE WHEN l.reset_at <= $2 THEN EXCLUDED.reset_at ELSE l.reset_at END
       RETURNING hits, reset_at`,
      [key.replaceAll('\u0000', '').slice(0, 300), now, new Date(now.getTime() + windowMs)],
    );
    const r = rows[0]!;
    return r.hits > limit ? Math.max(1, Math.ceil((r.reset_at.getTime() - now.getTime()) / 1000)) : 0;
  }

  /** Forgets ended rate-limit windows (the leader, now and then). */
  async sweepLimits(now: Date): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM mail_subscribe_limits WHERE reset_at <= $1', [now]);
    return rowCount ?? 0;
  }
}
