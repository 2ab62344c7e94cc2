import type { Delivery, Subscriber } from './model.ts';
import type { PgTables } from '../pg/tables.ts';
import { subscriberOf } from './pg-subscribers.ts';
import { DELIVERY_COLUMNS, deliveryOf, type DeliveryRow } from './pg-rows.ts';
import { claimableSql } from './pg-leases.ts';

/** A claimed delivery and its subscriber as stored now (undefined once removed). */
export interface Claimed {
  delivery: Delivery;
  subscriber: Subscriber | undefined;
}

/**
 * The deliveries of the shared outbox as the replicas send them (see PgOutbox): made, claimed in batches
 * under a lease, and recorded.
 */
export abstract class PgClaims {
  protected readonly db: PgTables;

  constructor(db: PgTables) {
    this.db = db;
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
         sent_at = o.sent_at, last_attempt_at = o.last_attempt_at, sent_by = CASE WHEN o.state = 'sent' THEN $7 ELSE d.sent_by END,
         lease_owner = NULL, lease_until = NULL
       FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::bigint[], $6::timestamptz[], $8::timestamptz[])
         AS o(id, state, attempts, last_error, next_at, sent_at, last_attempt_at)
       WHERE d.id = o.id AND d.state = 'queued' AND (o.state <> 'queued' OR d.lease_owner = $7)`,
      [
        outcomes.map((d) => d.id),
        outcomes.map((d) => d.state),
        outcomes.map((d) => d.attempts),
        outcomes.map((d) => d.last_error),
        outcomes.map((d) => d.next_at),
        outcomes.map((d) => d.sent_at),
        replica,
        outcomes.map((d) => d.last_attempt_at),
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
}
