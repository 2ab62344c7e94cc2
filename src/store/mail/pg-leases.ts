import { replicaGoneSql } from '../pg/replica-sessions.ts';

/**
 * SQL on mail_deliveries: whether the replica `replica` may claim a queued delivery (both arguments SQL
 * expressions; `takeOver` false while the replicas may still be reconnecting after an outage).
 * Yes when nobody holds it. An expired lease is taken back only from a replica that is gone (no connection
 * left, src/store/pg/replica-sessions.ts): a live one whose leases ran out while PostgreSQL was away has
 * sent some of them and records them once it is back; taking them would send them twice. Its own expired
 * leases a replica takes back: it claims only between batches, so they are not in one it is still
 * recording (they are what it gave up on, or what an earlier process of the same host:pid left).
 */
export const claimableSql = (replica: string, takeOver: string): string =>
  `(lease_until IS NULL OR (lease_until < now() AND (lease_owner = ${replica} OR (${takeOver} AND ${replicaGoneSql('lease_owner')}))))`;
