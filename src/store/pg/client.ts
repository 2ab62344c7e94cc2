/**
 * The PostgreSQL driver, and the few rules every use of it here follows.
 *
 * Driver: `pg` (node-postgres) 8.23.1, not `postgres` (porsager) 3.4.9.
 * Measured on this machine (2 cores, shared: load average 11-16 during the
 * runs, so figures are noisy; best of 7 runs each, range in brackets), one
 * connection, PostgreSQL 15 with fsync off, a 1.07 MB document:
 *
 *                                           pg                  postgres
 *   10,000 single-row INSERTs, each in a tx 1.84 s [1.8-9.0]    1.67 s [1.7-13.0]
 *   1,000 SELECTs of the 1 MB jsonb doc     7.2 s  [7.2-31.6]   7.1 s  [7.1-27.1]
 *   200 SELECT FOR UPDATE + UPDATE of it    4.0 s  [4.0-20.4]   4.7 s  [4.7-20.0]
 *   NOTIFY -> listener callback (1,000)
 *     p50                                   0.05 ms [0.05-0.08] 0.05 ms [0.05-0.08]
 *     p99                                   0.13 ms [0.13-52]   0.46 ms [0.46-12]
 *
 * Speed is a tie within the noise. Both are maintained (pg 8.23.1 2026-09,
 * postgres 3.4.9 2026-04; engines: node >= 16 and >= 12). What decided is
 * behaviour under the faults this store must survive, tried here with the
 * same restart of PostgreSQL during a transaction:
 *   - postgres 3.4.9 crashed the whole process with an uncatchable TypeError
 *     ("Cannot read properties of null (reading 'write')" in nextWrite), an
 *     open upstream bug (porsager/postgres#1154, #1208), and its automatic
 *     LISTEN reconnection (backing off up to 20 s) had not come back 12 s
 *     after a 3.5 s outage;
 *   - pg rejected the transaction's query with a catchable error, and the
 *     pool's next query reconnected. Its one trap (documented): a client
 *     checked out of the pool emits 'error' outside of any query when its
 *     connection dies, which crashes the process unless handled, hence
 *     `withClient` below. The LISTEN connection we reconnect ourselves
 *     (listener.ts), so we know exactly when it is back.
 * Cost: pg has 5 direct dependencies (pg-pool, pg-protocol, pg-types,
 * pg-connection-string, pgpass; 14 small packages in all, postgres has
 * none) and its types come from @types/pg.
 */
import pg from 'pg';
import { headOf } from '../../domain/text.ts';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PgTimeouts {
  /** How long to wait for a connection (PostgreSQL down, or a network that drops packets). */
  connectTimeoutMs: number;
  /** Server-side bound on one statement (a row lock held by a stuck replica, say). */
  statementTimeoutMs: number;
}

export const DEFAULT_TIMEOUTS: PgTimeouts = { connectTimeoutMs: 5_000, statementTimeoutMs: 15_000 };

/**
 * The pools' sizes: the one shared by subscribers, the outboxes and the console (src/store/open.ts), and the
 * document store's. With the document's LISTEN connection and the leader's, a replica holds at most
 * REPLICA_CONNECTIONS at once: README (Scale out) sizes max_connections by it, and a start refused for want of
 * connection slots says it.
 */
export const POOL_SIZES = { shared: 10, document: 3 } as const;
export const REPLICA_CONNECTIONS = POOL_SIZES.shared + POOL_SIZES.document + 2;

/**
 * A small pool: the store needs one connection for a write or a reload (they
 * take turns) and one for the poll. Idle connections that die (a PostgreSQL
 * restart) emit 'error' on the pool: logged, and the pool replaces them.
 */
export function openPool(
  url: string,
  opts: { timeouts?: PgTimeouts; max?: number; applicationName?: string; log?: (line: string) => void } = {},
): Pool {
  const timeouts = opts.timeouts ?? DEFAULT_TIMEOUTS;
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? POOL_SIZES.document,
    application_name: opts.applicationName ?? 'herald',
    connectionTimeoutMillis: timeouts.connectTimeoutMs,
    statement_timeout: timeouts.statementTimeoutMs,
    // A replica that dies or is cut off mid-transaction must not hold the document's row lock for long.
    idle_in_transaction_session_timeout: timeouts.statementTimeoutMs,
    // Notices a dead peer on an idle connection instead of waiting for the OS's hours-long default.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  const log = opts.log ?? ((line: string) => console.error(line));
  pool.on('error', (err) => log(`[herald] an idle PostgreSQL connection failed (${describePgError(err)}); it will be replaced.`));
  return pool;
}

/**
 * Runs `fn` on a connection of its own. A connection that failed is
 * destroyed rather than put back (release(err)), and an 'error' it emits
 * between two queries is caught: unhandled, it would end the process.
 */
export async function withClient<R>(pool: Pool, fn: (client: PoolClient) => Promise<R>): Promise<R> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => {
    broken = err;
  };
  client.on('error', onError);
  try {
    return await fn(client);
  } catch (err) {
    broken ??= err as Error;
    throw err;
  } finally {
    client.off('error', onError);
    // A failed query on a healthy connection (a constraint, a bad statement) could keep it, but
    // telling the two apart is not worth it at this rate: a new connection costs a few ms.
    client.release(broken);
  }
}

/** SQLSTATE classes and codes that mean "the server is unreachable, restarting or out of connections". */
const UNAVAILABLE_STATES = /^(08|57P0[1-4]|53300|53400|3D000)/;
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Whether `err` says PostgreSQL could not be reached or dropped the connection (as opposed to refusing a statement). */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.test(code))) return true;
  // pg's own connection failures carry no code, only these messages.
  return /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|Query read timeout|Client was closed/i.test(
    err.message,
  );
}

/**
 * What 53300 means, said with it in the logs: PostgreSQL's words ("sorry, too many clients already", "remaining
 * connection slots are reserved…") read as an outage, though it answered.
 */
export const NO_SLOTS = `PostgreSQL has no connection slots left: max_connections, or a CONNECTION LIMIT of DATABASE_URL's user or database, is reached, and each replica opens up to ${REPLICA_CONNECTIONS} connections`;

/**
 * A short reason for logs and error messages: the SQLSTATE or system code and the first line, never a query or
 * its data; `explained`, with what a code that misleads means (NO_SLOTS).
 */
export function describePgError(err: unknown, explained = true): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const first = headOf(err.message.split('\n')[0]!, 200);
  const reason = typeof code === 'string' && code && !first.includes(code) ? `${code}: ${first}` : first;
  return explained && code === '53300' ? `${reason}; ${NO_SLOTS}` : reason;
}
