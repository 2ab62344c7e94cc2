import { Unavailable } from '../../domain/errors.ts';

/**
 * Subscribe requests that may wait for their append at once. At 100 requests/s
 * that is many seconds of a stalled disk; past it a request is answered 503
 * at once, so a stall costs a bounded amount of memory (each waiting request
 * also holds its HTTP request) instead of a queue that grows until the heap is gone.
 */
export const MAX_WAITING_REQUESTS = 2_000;
/** What a refused (busy) subscribe request is told to wait. */
export const BUSY_RETRY_AFTER_SECONDS = 5;

/** Too many subscribe requests already wait for the disk: try again shortly (503). Nothing was changed. */
export class Busy extends Unavailable {
  constructor(retryAfterSeconds: number) {
    super('Too many requests are waiting to be saved; try again in a few seconds.', 'busy', retryAfterSeconds);
  }
}
