import { dateFormat } from './date-formats.ts';
import { formatDateTime, formatTime } from './time-text.ts';

/** How customers read lists, cadences and estimates in notices and on the page. */

/** "API", "API and Dashboard", "API, Dashboard and Webhooks". */
export function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/**
 * The console dashboard's alert, naming the incidents whose update is overdue (a screen reader hears the alert
 * alone, away from the rows): "An update to “Search down” is overdue.", "2 updates are overdue: “Search down” and
 * “Checkout errors”.", null when none is.
 */
export function overdueAlert(names: readonly string[]): string | null {
  const quoted = names.map((n) => `“${n}”`);
  if (quoted.length === 0) return null;
  if (quoted.length === 1) return `An update to ${quoted[0]} is overdue.`;
  return `${quoted.length} updates are overdue: ${joinNames(quoted)}.`;
}

/**
 * Below the dashboard's postmortems owed, those it does not list: "and 1,299 more postmortems owed", null when it
 * lists them all (the page draws it, and its script redraws it from GET /api/admin/dashboard's answer).
 */
export function morePostmortemsText(more: number): string | null {
  if (more <= 0) return null;
  return `and ${more.toLocaleString('en-GB')} more ${more === 1 ? 'postmortem' : 'postmortems'} owed`;
}

/** "30 minutes", "1 hour", "4 hours", "1 day". */
export function cadenceText(minutes: number): string {
  // In weeks where it is some: a weekly level read "within 7 days" in a template, "every week" elsewhere.
  if (minutes % 10080 === 0) return minutes === 10080 ? '1 week' : `${minutes / 10080} weeks`;
  if (minutes % 1440 === 0) return minutes === 1440 ? '1 day' : `${minutes / 1440} days`;
  if (minutes % 60 === 0) return minutes === 60 ? '1 hour' : `${minutes / 60} hours`;
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** "every 30 minutes", "every hour", "every 4 hours", "every day". */
export function everyText(minutes: number): string {
  if (minutes === 1) return 'every minute';
  if (minutes === 60) return 'every hour';
  if (minutes === 1440) return 'every day';
  if (minutes === 10080) return 'every week';
  return `every ${cadenceText(minutes)}`;
}

const DAY: Intl.DateTimeFormatOptions = { year: 'numeric', month: '2-digit', day: '2-digit' };
const dayOf = (iso: string, timeZone: string) => dateFormat('en-CA', DAY, timeZone).format(new Date(iso));

/**
 * An estimated resolution as read next to the update that gave it: the time
 * alone ("14:30 UTC") when it falls on the same day in the page's zone,
 * else with its date ("1 Dec 2026, 09:00 UTC").
 */
export function etaText(eta: string, at: string, timeZone: string): string {
  return dayOf(eta, timeZone) === dayOf(at, timeZone) ? formatTime(eta, timeZone) : formatDateTime(eta, timeZone);
}

/**
 * The estimate beside a start the reader also sees (the incident page's "Started"): dated unless the
 * start, the estimate and `at` all fall on one day in the page's zone. "Started 4 Dec 2026, 21:06 GMT"
 * above "Estimated resolution 23:36 GMT" reads as the 4th even when the estimate is the next evening's.
 */
export function etaBeside(eta: string, at: string, startedAt: string, timeZone: string): string {
  return dayOf(startedAt, timeZone) === dayOf(at, timeZone) ? etaText(eta, at, timeZone) : formatDateTime(eta, timeZone);
}

/** Whether an estimate (none: no) is not after `at`: it has passed, and a fresh update must not give it again. */
export const estimatePassed = (eta: string | null | undefined, at: Date): boolean => !!eta && Date.parse(eta) <= at.getTime();

/** " (passed)" for an estimate not after `at`, as the incident page marks it; else "". */
export const passedMark = (eta: string, at: string): string => (estimatePassed(eta, new Date(at)) ? ' (passed)' : '');

/**
 * The estimate as an update states it: an update that gives no new estimate keeps the last one, which may
 * have passed by then; said so ("04:42 CET (passed)"), as the page does, rather than as a promise.
 */
export const etaStated = (eta: string, at: string, timeZone: string): string => etaText(eta, at, timeZone) + passedMark(eta, at);

/**
 * The estimate as an email states it: always with its date, as the Slack and Teams messages give it
 * (channels/facts.ts). An email is read later, beside a dated "Started", and a time alone would be taken
 * for the start's day, or, past midnight, for a time before the start.
 */
export const etaDated = (eta: string, at: string, timeZone: string): string => formatDateTime(eta, timeZone) + passedMark(eta, at);

/** Who wrote an update, as the console names them: "Dana" for `console:Dana`, "the API" for the admin token; null for Herald itself. */
export function authorWords(author: string): string | null {
  if (author.startsWith('console:')) return author.slice('console:'.length);
  return author === 'admin-token' ? 'the API' : null;
}
