import { createHash, timingSafeEqual } from 'node:crypto';
import { describePgError, type Pool, withClient } from './client.ts';
import { replicaGoneSql } from './replica-sessions.ts';

/**
 * The replicas on one database must take one admin token (README: the same environment for every replica),
 * yet each may be given its own ADMIN_TOKEN and none stores it: a replica whose token differs answers a share of
 * the admin calls behind the load balancer with 401, and nothing said so. So each start records a digest of the
 * token it takes, under its own name, and compares it with those of the replicas still running. Only those:
 * a replica stopped (its token rotated, or a wrong one restarted right) or a start that failed has no
 * connection open, so its record is not compared with, and the next start removes it.
 *
 * It warns rather than refuses: a rolling restart that changes ADMIN_TOKEN (README) has replicas on either
 * token until the last one restarts, and must not stop at its first.
 */

/** herald_secrets' rows, one per replica: `admin-token-in-use:<host:pid>`, a digest and never the token. */
const PREFIX = 'admin-token-in-use:';
const REPLICA_OF_ROW = `substr(name, ${PREFIX.length + 1})`;
const ROW = `starts_with(name, '${PREFIX}')`;

/** Unlike the console sessions' digest of the token (src/console/state.ts), for this one use. */
const digestOf = (token: string): Buffer => createHash('sha256').update(`herald-admin-token-in-use\0${token}`).digest();

/**
 * Records this replica's token digest and answers the running replicas (host:pid) whose recorded token is another.
 * Two replicas starting together may each miss the other's record, but the later of the two reads the earlier one's.
 */
export async function replicasOnAnotherToken(pool: Pool, replica: string, token: string): Promise<string[]> {
  const mine = digestOf(token);
  return withClient(pool, async (client) => {
    await client.query(`DELETE FROM herald_secrets WHERE ${ROW} AND ${replicaGoneSql(REPLICA_OF_ROW)}`);
    await client.query(
      'INSERT INTO herald_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, created_at = now()',
      [PREFIX + replica, mine.toString('base64url')],
    );
    const { rows } = await client.query<{ replica: string; value: string }>(
      `SELECT ${REPLICA_OF_ROW} AS replica, value FROM herald_secrets
        WHERE ${ROW} AND name <> $1 AND NOT ${replicaGoneSql(REPLICA_OF_ROW)}`,
      [PREFIX + replica],
    );
    return rows
      .filter((r) => {
        const theirs = Buffer.from(r.value, 'base64url');
        return theirs.length !== mine.length || !timingSafeEqual(theirs, mine);
      })
      .map((r) => r.replica)
      .sort();
  });
}

/**
 * Logs one warning line when this replica's admin token (`fromEnv`: from ADMIN_TOKEN, else the stored one) is not
 * the one a running replica takes, naming those replicas and neither token. A failure to compare is logged too,
 * and the start goes on: the token works.
 */
export async function checkAdminTokenAgreement(
  pool: Pool,
  replica: string,
  token: string,
  fromEnv: boolean,
  log: (line: string) => void,
): Promise<void> {
  let others: string[];
  try {
    others = await replicasOnAnotherToken(pool, replica, token);
  } catch (err) {
    log(`[herald] could not compare this replica's admin token with the running replicas' (${describePgError(err)}).`);
    return;
  }
  if (others.length === 0) return;
  const whose = fromEnv ? 'ADMIN_TOKEN' : 'the one stored in the database, ADMIN_TOKEN not being set';
  const which = others.length === 1 ? `the running replica ${others[0]} takes` : `the running replicas ${others.join(', ')} take`;
  log(
    `[herald] warning: this replica's admin token (${whose}) is not the one ${which}: behind a load balancer, admin calls and console sign-ins with either token answer 401 on the replicas that take the other. Give every replica the same ADMIN_TOKEN; during a rolling restart that changes it, this is expected until the last replica has restarted.`,
  );
}
