/**
 * The lead's lock as other statements name it (the channel ledger checks that a claim's session still holds it):
 * apart from leadership.ts, so that naming it loads no PostgreSQL client (the embedded engine never does).
 */

/** The advisory lock the leader holds ("herald-lead"). */
export const LEADER_LOCK_KEY = 0x6865726c;

/** A session's start in pg_stat_activity `a`, as microseconds since 1970 (bigint, text in JavaScript): no time zone or date style to parse. */
export const SESSION_START = '(extract(epoch FROM a.backend_start) * 1000000)::bigint';
