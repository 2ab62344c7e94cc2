import { NotFound } from '../../domain/errors.ts';
import { deliveryId, type Delivery, type NoticeKind, type Subscriber } from './model.ts';
import type { FailurePage, FailureQuery, NoticeProgress, OutboxOverview, OutboxView, Retried } from './port.ts';
import type { PgTables } from '../pg/tables.ts';
import { subscriberOf, wantsMailSql } from './pg-subscribers.ts';
import { DELIVERY_COLUMNS, deliveryOf, type DeliveryRow } from './pg-rows.ts';
import { claimableSql } from './pg-leases.ts';
import { countWaiting, readConfirmations, readFailed, readNotices } from './pg-outbox-reads.ts';

/** A notice to fan out, as the data file says (see notify/intents.ts). */
export interface NoticeToFanOut {
  key: string;
  incident: string;
  update: string;
  kind: NoticeKind;
  /** The components it is about (none: everyone). */
  components: readonly string[];
  /** The ids of the components that exist now (a follower of none of them hears about everything). */
  existing: readonly string[];
  /**
   * A reminder's key before reminders had keys of their own, and when this reminder fell due: an intent of
   * that key made since then was this reminder, sent already (intents.ts reminderCoveredBy).
   */
  legacy?: { key: string; at: string };
}

/** A claimed delivery and its subscriber as stored now (undefined once removed). */
export interface Claimed {
  delivery: Delivery;
  subscriber: Subscriber | undefined;
}

/**
 * The outbox in PostgreSQL (mail_intents, mail_deliveries, mail_outbox),
 * shared by the replicas. Fan-out writes deliveries a batch of subscribers
 * at a time, walking them by seq from the notice's cursor (one transaction
 * per batch, under the notice's row lock); every replica claims queued
 * deliveries in batches with FOR UPDATE SKIP LOCKED and a lease, sends them
 * and records the outcomes. Nothing here grows with the number of
 * subscribers: each step holds one batch.
 */
export class PgOutbox implements OutboxView {
  private readonly db: PgTables;

  constructor(db: PgTables) {
    this.db = db;
  }

  /** When the outbox was made (the first replica to start makes it): older notices are history. */
  async epoch(now: Date): Promise<string> {
    await this.db.query('INSERT INTO mail_outbox (one, epoch) VALUES (true, $1) ON CONFLICT (one) DO NOTHING', [now]);
    const { rows } = await this.db.query<{ epoch: Date }>('SELECT epoch FROM mail_outbox');
    return rows[0]!.epoch.toISOString();
  }

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

  /** Whether a notice's fan-out is finished (false also when it has not started). */
  async fanOutDone(key: string): Promise<boolean> {
    const { rows } = await this.db.query<{ done: boolean }>('SELECT done FROM mail_intents WHERE key = $1', [key]);
    return rows[0]?.done ?? false;
  }

  /**
   * One fan-out step: the next `batch` deliverable subscribers past the
   * notice's cursor become queued deliveries (an existing one is left as it
   * is), and the cursor moves past them, in one transaction. Two replicas
   * stepping one notice take turns on its row.
   */
  async fanOutStep(n: NoticeToFanOut, batch: number, now: Date): Promise<{ created: number; done: boolean }> {
    return this.db.tx(async (c) => {
      if (n.legacy) {
        const covered = await c.query(
          'SELECT 1 FROM mail_intents WHERE key = $1 AND created_at >= $2 AND NOT EXISTS (SELECT 1 FROM mail_intents WHERE key = $3)',
          [n.legacy.key, n.legacy.at, n.key],
        );
        if (covered.rowCount) return { created: 0, done: true };
      }
      await c.query(
        `INSERT INTO mail_intents (key, incident, update_id, kind, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING`,
        [n.key, n.incident, n.update, n.kind, now],
      );
      const { rows } = await c.query<{ cursor: string; done: boolean }>('SELECT cursor, done FROM mail_intents WHERE key = $1 FOR UPDATE', [
        n.key,
      ]);
      if (rows[0]!.done) return { created: 0, done: true };
      const step = await c.query<{ last: string | null; considered: string; created: string }>(
        `WITH subs AS (
           SELECT id, seq, components FROM mail_subscribers
           WHERE state = 'confirmed' AND suppressed IS NULL AND seq > $1 ORDER BY seq LIMIT $2
         ), made AS (
           INSERT INTO mail_deliveries (id, sub, intent, kind, state, created_at)
           SELECT s.id || '.' || $3, s.id, $4, $5, 'queued', $6 FROM subs s
           WHERE ${wantsMailSql('s.components', '$7::text[]', '$8::text[]')}
           ON CONFLICT (id) DO NOTHING RETURNING 1
         )
         SELECT (SELECT max(seq) FROM subs) AS last, (SELECT count(*) FROM subs) AS considered, (SELECT count(*) FROM made) AS created`,
        [rows[0]!.cursor, batch, deliveryId('', n.key).slice(1), n.key, n.kind, now, n.components, n.existing],
      );
      const r = step.rows[0]!;
      const done = Number(r.considered) < batch;
      await c.query('UPDATE mail_intents SET cursor = coalesce($2, cursor), done = $3 WHERE key = $1', [n.key, r.last, done]);
      return { created: Number(r.created), done };
    });
  }

  /** The notices whose fan-out is not finished, with their incident (the leader ends those withdrawn meanwhile). */
  async unfinished(): Promise<Array<{ key: string; incident: string }>> {
    const { rows } = await this.db.query<{ key: string; incident: string }>('SELECT key, incident FROM mail_intents WHERE NOT done');
    return rows;
  }

  /** Ends a notice's fan-out where it stands (its incident was withdrawn): no step makes more of it. */
  async endFanOut(key: string): Promise<void> {
    await this.db.query('UPDATE mail_intents SET done = true WHERE key = $1', [key]);
  }

  /** Creates a delivery unless one with its id exists; true when this call made it. */
  async create(d: Delivery): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO mail_deliveries (id, sub, intent, kind, state, created_at) VALUES ($1, $2, $3, $4, 'queued', $5) ON CONFLICT (id) DO NOTHING`,
      [d.id, d.sub, d.intent, d.kind, d.created_at],
    );
    return rowCount === 1;
  }

  /** The confirmation of every pending subscriber whose link still works, made where it is missing (a start after a crash). */
  async resumeConfirmations(since: Date, now: Date): Promise<number> {
    const { rowCount } = await this.db.query(
      `INSERT INTO mail_deliveries (id, sub, intent, kind, state, created_at)
       SELECT id || '.confirm.' || confirms, id, 'confirm', 'confirm', 'queued', $2 FROM mail_subscribers
       WHERE state = 'pending' AND suppressed IS NULL AND requested_at > $1
       ON CONFLICT (id) DO NOTHING`,
      [since, now],
    );
    return rowCount ?? 0;
  }

  /**
   * Claims up to `limit` deliveries due now that nobody holds (never claimed,
   * or the lease of a replica now gone expired, pg-leases.ts): confirmations
   * first, up to half, then notices. `takeOver` false: not even a gone
   * replica's (the replicas may still be reconnecting after an outage).
   * Locked rows are skipped, so replicas claiming at once get different ones.
   */
  async claim(replica: string, limit: number, leaseMs: number, nowMs: number, takeOver = true): Promise<Claimed[]> {
    // Written to match the queue indexes of 004_mail.sql: a range on coalesce(next_at, 0), in its order.
    const pick = (kindTest: string, n: number) =>
      `SELECT id FROM mail_deliveries WHERE state = 'queued' AND ${kindTest}
         AND coalesce(next_at, 0) <= $3 AND ${claimableSql('$1', '$4::boolean')}
       ORDER BY coalesce(next_at, 0), ord LIMIT ${n} FOR UPDATE SKIP LOCKED`;
    const confirms = Math.max(1, Math.floor(limit / 2));
    const { rows } = await this.db.query<DeliveryRow & { s_id: string | null }>(
      `WITH confirms AS (${pick(`kind = 'confirm'`, confirms)}),
       notices AS (${pick(`kind <> 'confirm'`, limit)}),
       picked AS (SELECT id FROM confirms UNION ALL SELECT id FROM notices),
       leased AS (
         UPDATE mail_deliveries d SET lease_owner = $1, lease_until = now() + make_interval(secs => $2)
         FROM (SELECT id FROM picked LIMIT ${limit}) p WHERE d.id = p.id RETURNING d.*
       )
       SELECT ${DELIVERY_COLUMNS.split(', ')
         .map((c) => `l.${c}`)
         .join(', ')}, s.id AS s_id, s.seq, s.email, s.state AS s_state, s.components,
         s.confirms, s.requested_at, s.created_at AS s_created_at, s.updated_at, s.confirmed_at, s.unsubscribed_at, s.suppressed, s.suppressed_at
       FROM leased l LEFT JOIN mail_subscribers s ON s.id = l.sub ORDER BY l.ord`,
      [replica, leaseMs / 1000, nowMs, takeOver],
    );
    return rows.map((r) => {
      const x = r as unknown as Record<string, unknown>;
      const subscriber =
        r.s_id === null
          ? undefined
          : subscriberOf({
              id: r.s_id,
              seq: x.seq as string,
              email: x.email as string,
              state: x.s_state as Subscriber['state'],
              components: x.components as string[],
              confirms: x.confirms as number,
              requested_at: x.requested_at as Date,
              created_at: x.s_created_at as Date,
              updated_at: x.updated_at as Date,
              confirmed_at: x.confirmed_at as Date | null,
              unsubscribed_at: x.unsubscribed_at as Date | null,
              suppressed: x.suppressed as string | null,
              suppressed_at: x.suppressed_at as Date | null,
            });
      return { delivery: deliveryOf(r), subscriber };
    });
  }

  /**
   * Records outcomes (sent, failed, or queued again with a retry time), all
   * in one statement, and ends their leases. A delivery already recorded as
   * sent or failed (another replica took it over after the lease expired)
   * is left as it is, and a retry is recorded only while this replica still
   * holds the lease (else it would end the lease of the replica that does).
   */
  async settle(outcomes: readonly Delivery[], replica: string): Promise<void> {
    if (outcomes.length === 0) return;
    await this.db.query(
      `UPDATE mail_deliveries d SET state = o.state, attempts = o.attempts, last_error = o.last_error, next_at = o.next_at,
         sent_at = o.sent_at, sent_by = CASE WHEN o.state = 'sent' THEN $7 ELSE d.sent_by END, lease_owner = NULL, lease_until = NULL
       FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::bigint[], $6::timestamptz[])
         AS o(id, state, attempts, last_error, next_at, sent_at)
       WHERE d.id = o.id AND d.state = 'queued' AND (o.state <> 'queued' OR d.lease_owner = $7)`,
      [
        outcomes.map((d) => d.id),
        outcomes.map((d) => d.state),
        outcomes.map((d) => d.attempts),
        outcomes.map((d) => d.last_error),
        outcomes.map((d) => d.next_at),
        outcomes.map((d) => d.sent_at),
        replica,
      ],
    );
  }

  /** Extends this replica's leases on deliveries it still holds (a batch that runs long). */
  async renew(ids: readonly string[], replica: string, leaseMs: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `UPDATE mail_deliveries SET lease_until = now() + make_interval(secs => $3)
       WHERE id = ANY($1::text[]) AND lease_owner = $2 AND state = 'queued'`,
      [ids, replica, leaseMs / 1000],
    );
  }

  /** Gives claimed deliveries back at once (this replica stopped sending): any replica may take them now. */
  async release(ids: readonly string[], replica: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `UPDATE mail_deliveries SET lease_owner = NULL, lease_until = NULL WHERE id = ANY($1::text[]) AND lease_owner = $2 AND state = 'queued'`,
      [ids, replica],
    );
  }

  async notices(limit: number): Promise<NoticeProgress[]> {
    return readNotices(this.db, limit);
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

  /** One snapshot: the page and its total agree. */
  async failures(query: FailureQuery): Promise<FailurePage> {
    return this.db.snapshot((c) => readFailed(c, query));
  }

  /** The epoch as written (null before the first replica started); epoch(now) writes it. */
  async began(): Promise<string | null> {
    const { rows } = await this.db.query<{ epoch: Date }>('SELECT epoch FROM mail_outbox');
    return rows[0]?.epoch.toISOString() ?? null;
  }

  async begun(keys: readonly string[]): Promise<Set<string>> {
    const { rows } = await this.db.query<{ key: string }>('SELECT key FROM mail_intents WHERE key = ANY($1::text[])', [keys]);
    return new Set(rows.map((r) => r.key));
  }

  async retry(id: string): Promise<Retried> {
    return this.db.tx(async (c) => {
      const { rows } = await c.query<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM mail_deliveries WHERE id = $1 FOR UPDATE`, [id]);
      const d = rows[0] ? deliveryOf(rows[0]) : undefined;
      if (!d) throw new NotFound(`No delivery ${id}.`);
      if (d.state !== 'failed') return { already: d.state };
      await c.query(
        `UPDATE mail_deliveries SET state = 'queued', attempts = 0, next_at = NULL, lease_owner = NULL, lease_until = NULL WHERE id = $1`,
        [id],
      );
      return { requeued: { ...d, state: 'queued' as const, attempts: 0, next_at: null } };
    });
  }

  /** The ids of a notice's failed deliveries, oldest first. */
  async failedIds(intent: string): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM mail_deliveries WHERE intent = $1 AND state = 'failed' ORDER BY ord`,
      [intent],
    );
    return rows.map((r) => r.id);
  }

  /** Those of `ids` still failed, queued again (rows another request holds are left to it). */
  async retryFailed(ids: string[]): Promise<Delivery[]> {
    const { rows } = await this.db.query<DeliveryRow>(
      `UPDATE mail_deliveries d SET state = 'queued', attempts = 0, next_at = NULL, lease_owner = NULL, lease_until = NULL
       FROM (SELECT id FROM mail_deliveries WHERE id = ANY($1::text[]) AND state = 'failed' ORDER BY ord FOR UPDATE SKIP LOCKED) p
       WHERE d.id = p.id RETURNING ${DELIVERY_COLUMNS.split(', ')
         .map((c) => `d.${c}`)
         .join(', ')}`,
      [ids],
    );
    return rows.map(deliveryOf);
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
