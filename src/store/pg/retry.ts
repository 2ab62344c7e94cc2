import { setTimeout as sleep } from 'node:timers/promises';
import { Unavailable } from '../../domain/errors.ts';

/**
 * Runs a write until it succeeds, waiting 100 ms, 200 ms, … (at most 2 s)
 * between tries, for up to `forMs`: for writes whose loss costs more than
 * the wait (a message recorded as sent, a confirmation owed, a post made)
 * when PostgreSQL fails a statement for a moment (a restart, a timeout, a
 * serialization failure: what PgTables reports as Unavailable). Any other
 * error (a statement refused: a bug) is thrown at once, and so is the last
 * one when that time is up or `stopped()` says so.
 */
export async function retryWrite<R>(write: () => Promise<R>, o: { forMs: number; stopped?: () => boolean }): Promise<R> {
  const giveUpAt = Date.now() + o.forMs;
  for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
    try {
      return await write();
    } catch (err) {
      if (!(err instanceof Unavailable) || o.stopped?.() || Date.now() + wait > giveUpAt) throw err;
      await sleep(wait);
    }
  }
}
