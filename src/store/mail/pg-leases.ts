import { replicaGoneSql } from '../pg/replica-sessions.ts';

/**
 * SQL on mail_deliveries: whether the replica `replica` (an SQL expression) may claim a queued delivery.
 * Yes when nobody holds it. An expired lease is taken back only from a replica that is gone (no connection
 * left, src/store/pg/replica-sessions.ts): a live one whose leases ran out while PostgreSQL was away has
 * sent some of them and records them once it is back; taking them would send them twice. Its own expired
 * leases a replica takes back: it claims only between batches, so they are not in one it is still
 * recording (they are what it gave up on, or what an earlier process of the same host:pid left).
 */
export const claimableSql = (replica: string, leaseSecs: string): string =>
  `(lease_until IS NULL OR (lease_until < now() AND (lease_owner = ${replica} OR ${replicaGoneSql('lease_owner', leaseSecs)})))`;
