import type { PoolClient } from '../pg/client.ts';
import type { PgTables } from '../pg/tables.ts';
import { retentionCutoffs } from './retention.ts';

/**
 * The retention rule (retention.ts pastRetention) on PostgreSQL, run by the leader: deletes, as the admin's
 * removal does, the subscribers past retention that no queued delivery still needs; their ids. One
 * statement: a request or a confirmation that changes a row first is seen (the DELETE re-reads a row it
 * waited for), and one that comes after finds no row (a request then makes a new subscriber; a link, none).
 */
export async function eraseStaleRows(db: PgTables, now: Date, limitKeys: (emails: string[]) => string[]): Promise<string[]> {
  const { requestedBefore, unsubscribedBefore } = retentionCutoffs(now);
  return db.tx(async (c) => {
    const { rows } = await c.query<{ id: string; email: string }>(
      `DELETE FROM mail_subscribers s
       WHERE ((s.state = 'pending' AND s.requested_at < $1)
           OR (s.state = 'unsubscribed' AND coalesce(s.unsubscribed_at, s.updated_at) < $2))
         AND NOT EXISTS (SELECT 1 FROM mail_deliveries d WHERE d.sub = s.id AND d.state = 'queued')
       RETURNING s.id, s.email`,
      [requestedBefore, unsubscribedBefore],
    );
    // Their subscribe-limit counters with them, as the admin's removal does.
    await forgetLimits(c, limitKeys(rows.map((r) => r.email)));
    return rows.map((r) => r.id);
  });
}

/** Deletes subscribe-limit counters by key (limit-keys.ts): those of addresses removed or erased. */
export async function forgetLimits(c: PoolClient, keys: string[]): Promise<void> {
  if (keys.length > 0) await c.query('DELETE FROM mail_subscribe_limits WHERE key = ANY($1::text[])', [keys]);
}
