/** Times as customers read them: in the page's time zone, with the zone named. */
import { dateFormat } from './date-formats.ts';

const TIME: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' };
const DATE_TIME: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric', ...TIME };

function formatter(timeZone: string, withDate: boolean): Intl.DateTimeFormat {
  return dateFormat('en-GB', withDate ? DATE_TIME : TIME, timeZone);
}

/** "23 Nov 2026, 14:05 UTC" */
export function formatDateTime(iso: string, timeZone = 'UTC'): string {
  return formatter(timeZone, true).format(new Date(iso));
}

/** "14:05 UTC" */
export function formatTime(iso: string, timeZone = 'UTC'): string {
  return formatter(timeZone, false).format(new Date(iso));
}
