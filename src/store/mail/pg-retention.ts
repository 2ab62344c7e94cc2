import type { PgTables } from '../pg/tables.ts';
import { retentionCutoffs } from './retention.ts';

/**
 * The retention rule (retention.ts pastRetention) on PostgreSQL, run by the leader: deletes, as the admin's
 * removal does, the subscribers past retention that no queued delivery still needs; their ids. One
 * statement: a request or a confirmation that changes a row first is seen (the DELETE re-reads a row it
 * waited for), and one that comes after finds no row (a request then makes a new subscriber; a link, none).
 */
export async function eraseStaleRows(db: PgTables, now: Date): Promise<string[]> {
  const { requestedBefore, unsubscribedBefore } = retentionCutoffs(now);
  const { rows } = await db.query<{ id: string }>(
    `DELETE FROM mail_subscribers s
     WHERE ((s.state = 'pending' AND s.requested_at < $1)
         OR (s.state = 'unsubscribed' AND coalesce(s.unsubscribed_at, s.updated_at) < $2))
       AND NOT EXISTS (SELECT 1 FROM mail_deliveries d WHERE d.sub = s.id AND d.state = 'queued')
     RETURNING s.id`,
    [requestedBefore, unsubscribedBefore],
  );
  return rows.map((r) => r.id);
}
