import type pg from 'pg';
import { Unavailable } from '../../domain/errors.ts';
import { describePgError, isConnectionError, type Pool } from '../pg/client.ts';

/** One statement of the console's state, failing with Unavailable (storage_unavailable) when PostgreSQL does. */
export type ConsoleQuery = <R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[]) => Promise<pg.QueryResult<R>>;

/** A reason short enough for an HTTP answer: the code, never the host or the query (those go to the log). */
const shortReason = (err: unknown): string => {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code) return code;
  return isConnectionError(err) ? 'connection lost' : 'database error';
};

/**
 * Statements on the storage's pool for the console's tables: any failure of
 * PostgreSQL becomes Unavailable (503), logged once per outage (and once
 * when it is reachable again). `closed`: after the store closed, a failure
 * is not logged (the pool is going away with it).
 */
export function consoleQuery(pool: Pool, log: (line: string) => void, closed: () => boolean): ConsoleQuery {
  let reachable = true;
  return async <R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[]) => {
    try {
      const result = await pool.query<R>(text, values);
      if (!reachable) log('[herald] the console state in PostgreSQL is reachable again.');
      reachable = true;
      return result;
    } catch (err) {
      if (reachable && !closed()) log(`[herald] the console state in PostgreSQL is unreachable: ${describePgError(err)}`);
      reachable = false;
      throw new Unavailable(
        `The console cannot reach its database now (${shortReason(err)}), so it cannot check or change sign-ins and previews. Nobody was signed in or out and nothing was published; try again in a moment.`,
        'storage_unavailable',
      );
    }
  };
}
