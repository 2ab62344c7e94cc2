import { createHash, timingSafeEqual } from 'node:crypto';
import { describePgError, type Pool, type PoolClient, withClient } from './client.ts';

/**
 * The replicas on one database must take one admin token (README: run every replica with the same secrets),
 * yet each may be given its own ADMIN_TOKEN, and none stores it: a replica whose token differs would answer a
 * share of the admin calls behind the load balancer with 401, and nothing said so. So each start records a
 * digest of the token it takes, and compares it with the one the replica started before it recorded.
 *
 * It warns rather than refuses: a rolling restart that changes ADMIN_TOKEN (README, console sessions)
 * has replicas on either token until the last one restarts, and must not stop at its first.
 */

/** herald_secrets' row holding the digest; never the token, which a log line never names either. */
const RECORD = 'admin-token-in-use';

/** Unlike the console sessions' digest of the token (src/console/state.ts), for this one use. */
const digestOf = (token: string): Buffer => createHash('sha256').update(`herald-admin-token-in-use\0${token}`).digest();

/**
 * Records `token`'s digest as the one the replicas take, and says whether it replaced another: the last start's,
 * or, before any start recorded one, the token stored in the database (taken by replicas without ADMIN_TOKEN).
 * Under the row's lock, so replicas starting together compare with each other.
 */
async function replacedAnother(pool: Pool, token: string): Promise<boolean> {
  const mine = digestOf(token);
  return withClient(pool, async (client) => {
    await client.query('BEGIN');
    try {
      // A second replica's insert waits here for the first one's commit, then reads its digest below.
      const first = await client.query('INSERT INTO herald_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
        RECORD,
        mine.toString('base64url'),
      ]);
      let before: Buffer | null;
      if (first.rowCount === 1) {
        const stored = await client.query<{ value: string }>("SELECT value FROM herald_secrets WHERE name = 'admin-token'");
        before = stored.rows[0] ? digestOf(stored.rows[0].value) : null;
      } else {
        const { rows } = await client.query<{ value: string }>('SELECT value FROM herald_secrets WHERE name = $1 FOR UPDATE', [RECORD]);
        before = rows[0] ? Buffer.from(rows[0].value, 'base64url') : null;
        await client.query('UPDATE herald_secrets SET value = $2 WHERE name = $1', [RECORD, mine.toString('base64url')]);
      }
      await client.query('COMMIT');
      return before !== null && (before.length !== mine.length || !timingSafeEqual(before, mine));
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  });
}

/**
 * Logs one warning line when this replica's admin token (`fromEnv`: from ADMIN_TOKEN, else the stored one) is not
 * the one the other replicas take. A failure to compare is logged too, and the start goes on: the token works.
 */
export async function checkAdminTokenAgreement(pool: Pool, token: string, fromEnv: boolean, log: (line: string) => void): Promise<void> {
  let differs: boolean;
  try {
    differs = await replacedAnother(pool, token);
  } catch (err) {
    log(`[herald] could not compare this replica's admin token with the other replicas' (${describePgError(err)}).`);
    return;
  }
  if (!differs) return;
  const whose = fromEnv ? 'ADMIN_TOKEN' : 'the one stored in the database, ADMIN_TOKEN not being set';
  log(
    `[herald] warning: this replica's admin token (${whose}) is not the one the replica started before it on this database takes (or, before any, the one stored there): behind a load balancer, admin calls and console sign-ins with either token answer 401 on the replicas that take the other. Give every replica the same ADMIN_TOKEN; during a rolling restart that changes it, this is expected until the last replica has restarted.`,
  );
}

/** db:import replaced the site and its admin token (its replicas all stopped): the next start has nothing to compare with. */
export async function forgetAdminTokenInUse(client: PoolClient): Promise<void> {
  await client.query('DELETE FROM herald_secrets WHERE name = $1', [RECORD]);
}
