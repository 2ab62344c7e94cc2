import type pg from 'pg';
import { HeraldError, Unavailable } from '../../domain/errors.ts';
import { describePgError, type Pool, type PoolClient, withClient } from '../pg/client.ts';

/**
 * The mail tables' access to PostgreSQL: one statement on the pool, or a
 * transaction on a connection of its own. Any failure of PostgreSQL becomes
 * Unavailable (503 `storage_unavailable`, nothing changed: a transaction
 * that failed rolled back), logged once per outage.
 */
export class MailDb {
  private readonly pool: Pool;
  private readonly log: (line: string) => void;
  private reachable = true;

  constructor(pool: Pool, log: (line: string) => void) {
    this.pool = pool;
    this.log = log;
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return this.answered(await this.pool.query<R>(text, values));
    } catch (err) {
      throw this.failed(err);
    }
  }

  async tx<R>(fn: (client: PoolClient) => Promise<R>): Promise<R> {
    try {
      const result = await withClient(this.pool, async (client) => {
        await client.query('BEGIN');
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
    if (!this.reachable) this.log('[outbox] the mail tables in PostgreSQL are reachable again.');
    this.reachable = true;
    return r;
  }

  private failed(err: unknown): Unavailable {
    if (this.reachable) this.log(`[outbox] the mail tables in PostgreSQL are unreachable: ${describePgError(err)}`);
    this.reachable = false;
    return new Unavailable(
      `Subscribers and deliveries cannot be reached now (${describePgError(err).slice(0, 80)}); nothing was changed. Try again in a moment.`,
      'storage_unavailable',
    );
  }
}
