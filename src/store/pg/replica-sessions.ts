import type { PoolClient } from './client.ts';

/**
 * The connections running Herald replicas hold to a database, found by their
 * application_name: a replica's pools are 'herald:<replica>' (src/store/open.ts
 * and the document store), its LISTEN connection 'herald-listen:<replica>', its
 * leader's 'herald-lead:<replica>' (plain 'herald' and 'herald-listen' without a
 * replica name). db:import and db:export name theirs 'herald:db-import' and
 * 'herald:db-export': they keep nothing in memory, so they are not counted.
 *
 * A replica reads the admin token and the subscribers' link key once, at start,
 * and keeps them: db:import must not replace them under it (see transfer.ts).
 */
const HERALD_SESSION = `datname = current_database()
  AND application_name ~ '^herald(-listen|-lead)?(:|$)' AND application_name NOT IN ('herald:db-import', 'herald:db-export')`;
const REPLICA_SESSION = `${HERALD_SESSION} AND pid <> pg_backend_pid()`;

/**
 * SQL, true when the replica named by the SQL expression `owner` is gone: none of its connections is open
 * (PostgreSQL ends them when its process dies). Names are cut to 63 characters as PostgreSQL cuts
 * application_name. Right after an outage every replica is reconnecting, and one not back yet is not dead:
 * the caller waits for that (src/notify/outage-grace.ts).
 */
export function replicaGoneSql(owner: string): string {
  const names = ['herald', 'herald-listen', 'herald-lead'].map((kind) => `left('${kind}:' || ${owner}, 63)`).join(', ');
  return `NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE ${HERALD_SESSION} AND application_name IN (${names}))`;
}

export interface ReplicaSessions {
  /** Connections open to this database from Herald replicas (this connection not counted). */
  connections: number;
  /** The replicas' names (host:pid), as their connections carry them. */
  replicas: string[];
}

/** Who runs on the database now. Any role may read application_name of every session in pg_stat_activity. */
export async function replicaSessions(client: PoolClient): Promise<ReplicaSessions> {
  const { rows } = await client.query<{ application_name: string }>(
    `SELECT application_name FROM pg_stat_activity WHERE ${REPLICA_SESSION}`,
  );
  const replicas = new Set(rows.map((r) => r.application_name.replace(/^[^:]*:?/, '')).filter((name) => name !== ''));
  return { connections: rows.length, replicas: [...replicas].sort() };
}

/**
 * The replicas running on the database besides `self` (host:pid): those holding a LISTEN or lead connection,
 * which a replica opens once its document is loaded. A replica still starting (its pool alone, waiting on the
 * migrations' lock beside this one) is of this start's release, not one an upgrade would strand.
 */
export async function runningReplicas(client: PoolClient, self: string | undefined): Promise<string[]> {
  const { rows } = await client.query<{ application_name: string }>(
    `SELECT DISTINCT application_name FROM pg_stat_activity WHERE ${REPLICA_SESSION} AND application_name ~ '^herald-(listen|lead):'`,
  );
  const names = new Set(rows.map((r) => r.application_name.replace(/^[^:]*:/, '')));
  if (self) names.delete(self);
  return [...names].sort();
}
