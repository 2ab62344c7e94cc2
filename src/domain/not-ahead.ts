import { Invalid } from './errors.ts';

/** How far ahead of Herald's clock a given time may be: the sender's clock, a minute apart, is not refused. */
export const CLOCK_GRACE_MS = 60_000;

/**
 * A time a client gave for something that has happened (a start, an end, an update's date): refused when it
 * is further ahead than CLOCK_GRACE_MS, and taken as now when it is ahead by less. Kept as given, a start
 * 55 s ahead sorted the resolution posted 30 s later before it ("Started 22:17, Resolved 22:16") and put the
 * older update first in the feeds, whose clients read the first as the latest.
 */
export function notAhead(given: string, now: Date, field: string): string {
  const at = Date.parse(given);
  if (at > now.getTime() + CLOCK_GRACE_MS) throw new Invalid(`${field} cannot be in the future.`, field);
  return at > now.getTime() ? now.toISOString() : given;
}
