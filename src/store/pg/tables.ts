import type pg from 'pg';
import { HeraldError, Unavailable } from '../../domain/errors.ts';
import { describePgError, isConnectionError, type Pool, type PoolClient, withClient } from './client.ts';

/** Refusals that a retry can clear: a statement timeout (a lock held long), a serialization failure, a deadlock, a lock not available. */
const RETRYABLE = new Set(['57014', '40001', '40P01', '55P03']);

/** Told of every statement's outcome as to the database's reach (channels/service.ts feeds its OutageGrace so). */
export interface Reach {
  /** A statement was answered (PostgreSQL is there). */
  answered(): void;
  /** A statement failed for want of PostgreSQL (not one it refused). */
  unreachable(): void;
}

/**
 * Access to some of Herald's tables (`what`: "subscribers and deliveries",
 * say): one statement on the pool, or a transaction on a connection of its
 * own. PostgreSQL out of reach becomes Unavailable (503
 * `storage_unavailable`, nothing changed: a transaction that failed rolled
 * back), logged once per outage; a statement it refused, an error (500).
 */
export class PgTables {
  private readonly pool: Pool;
  private readonly log: (line: string) => void;
  private readonly what: string;
  private readonly reach: Reach | undefined;
  private reachable = true;

  constructor(pool: Pool, what: string, log: (line: string) => void, reach?: Reach) {
    this.pool = pool;
    this.what = what;
    this.log = log;
    this.reach = reach;
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return this.answered(await this.pool.query<R>(text, values));
    } catch (err) {
      throw this.failed(err);
    }
  }

  async tx<R>(fn: (client: PoolClient) => Promise<R>): Promise<R> {
    return this.transaction('BEGIN', fn);
  }

  /** Reads as of one moment (REPEATABLE READ, read only): several statements that must agree with each other. */
  async snapshot<R>(fn: (client: PoolClient) => Promise<R>): Promise<R> {
    return this.transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', fn);
  }

  private async transaction<R>(begin: string, fn: (client: PoolClient) => Promise<R>): Promise<R> {
    try {
      const result = await withClient(this.pool, async (client) => {
        await client.query(begin);
        try {
          const r = await fn(client);
          await client.query('COMMIT');
          return r;
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {});
          throw err;
        }
      });
      return this.answered(result);
    } catch (err) {
      // Refusals of the domain (NotFound, Invalid...) pass through as they are.
      if (err instanceof HeraldError) throw err;
      throw this.failed(err);
    }
  }

  private answered<R>(r: R): R {
    if (!this.reachable) this.log(`[herald] ${this.what} in PostgreSQL can be reached again.`);
    this.reachable = true;
    this.reach?.answered();
    return r;
  }

  /**
   * What a failed statement becomes. The database's own words go to the log only: they can name hosts,
   * ports and constraints, and this answer may reach a public client.
   */
  private failed(err: unknown): Error {
    if (!isConnectionError(err) && !RETRYABLE.has(String((err as { code?: unknown }).code))) {
      // A statement PostgreSQL refused is a bug here, not an outage: a 500, logged with its reason.
      this.log(`[herald] a statement on ${this.what} failed: ${describePgError(err)}`);
      return new Error(`A statement on ${this.what} failed.`);
    }
    if (this.reachable) this.log(`[herald] ${this.what} in PostgreSQL cannot be reached: ${describePgError(err)}`);
    this.reachable = false;
    this.reach?.unreachable();
    return new Unavailable(
      `${this.what[0]!.toUpperCase()}${this.what.slice(1)} cannot be reached now; nothing was changed. Try again in a moment.`,
      'storage_unavailable',
    );
  }
}
