import type { Delivery } from '../store/mail/model.ts';

/**
 * What one attempt at a delivery leaves in its record, as both senders write it (sender.ts on the embedded engine,
 * shared-sending.ts on PostgreSQL): each outcome carries the attempt's time (`last_attempt_at`), the one the
 * deliveries page shows as "Last tried".
 */
export const outcome = {
  sent: (d: Delivery, at: string): Delivery => ({
    ...d,
    state: 'sent',
    attempts: d.attempts + 1,
    last_error: null,
    next_at: null,
    sent_at: at,
    last_attempt_at: at,
  }),
  /** Not sent, for a reason of the data (its incident withdrawn, its subscriber gone): never tried again. */
  skipped: (d: Delivery, why: string, at: string): Delivery => ({
    ...d,
    state: 'failed',
    last_error: `not sent: ${why}`,
    next_at: null,
    last_attempt_at: at,
  }),
  /** Refused for good (or out of attempts). */
  failed: (d: Delivery, attempts: number, error: string, at: string): Delivery => ({
    ...d,
    state: 'failed',
    attempts,
    last_error: error,
    next_at: null,
    last_attempt_at: at,
  }),
  /** Refused for now: queued again for `nextAt`. */
  retry: (d: Delivery, attempts: number, error: string, at: string, nextAt: number): Delivery => ({
    ...d,
    attempts,
    last_error: error,
    next_at: nextAt,
    last_attempt_at: at,
  }),
};
