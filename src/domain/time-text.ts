/** Times as customers read them: in the page's time zone, with the zone named. */
import { dateFormat } from './date-formats.ts';
import { isoDay, localDate } from './zoned-days.ts';

const TIME: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
const DATE_TIME: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric', ...TIME };
const ZONE: Intl.DateTimeFormatOptions = { timeZoneName: 'short' };

/**
 * English locales whose short zone names people read where those zones are:
 * the US and Canada (EST, PDT, NST), Britain and Ireland (BST, CET, IST),
 * Australia, New Zealand, India, South Africa (AEST, NZDT, IST, SAST, WAT).
 * Each names only the zones its readers know by letters; elsewhere it writes
 * an offset ("GMT+9"), which is what remains when none of them has a name.
 */
const ZONE_LOCALES = ['en-US', 'en-GB', 'en-IE', 'en-CA', 'en-AU', 'en-NZ', 'en-IN', 'en-ZA'];
const names = new Map<string, string>();

const shortName = (locale: string, timeZone: string, date: Date): string =>
  dateFormat(locale, ZONE, timeZone)
    .formatToParts(date)
    .find((p) => p.type === 'timeZoneName')!.value;

/**
 * The zone's name at that instant as its people write it: "EST" in New York
 * (en-GB would say "GMT-5"), "CET" in Berlin (en-US would say "GMT+1"), "IST"
 * in Kolkata, "UTC"; "GMT+9" in Tokyo, where no English name is in use.
 */
export function zoneName(date: Date, timeZone: string): string {
  const offset = shortName('en-US', timeZone, date);
  const key = `${timeZone} ${offset}`;
  let name = names.get(key);
  if (name === undefined) {
    name = ZONE_LOCALES.map((l) => shortName(l, timeZone, date)).find((n) => !/^GMT[+-]/.test(n)) ?? offset;
    names.set(key, name);
  }
  return name;
}

/**
 * The page's zone as its footers and notes name it: the IANA name, but an `Etc/GMT±N` one as the offset it is,
 * written as the times beside it write it ("GMT-12"). Those names count the other way round (POSIX's sign:
 * Etc/GMT+12 is twelve hours behind UTC), so a reader who took "Etc/GMT+12" at its word would be a day out.
 */
export function zoneLabel(timeZone: string): string {
  const m = /^Etc\/GMT([+-])(\d{1,2})$/.exec(timeZone);
  if (!m || m[2] === '0') return timeZone;
  return `GMT${m[1] === '+' ? '-' : '+'}${m[2]}`;
}

/** "23 Nov 2026, 14:05 UTC" */
export function formatDateTime(iso: string, timeZone = 'UTC'): string {
  const date = new Date(iso);
  return `${dateFormat('en-GB', DATE_TIME, timeZone).format(date)} ${zoneName(date, timeZone)}`;
}

/** "14:05 UTC" */
export function formatTime(iso: string, timeZone = 'UTC'): string {
  const date = new Date(iso);
  return `${dateFormat('en-GB', TIME, timeZone).format(date)} ${zoneName(date, timeZone)}`;
}

/**
 * "14:05 UTC" on the local day of `now`, "3 Dec 2026, 14:05 UTC" on another: a daily cadence's next
 * update, or an update posted yesterday, read as a time alone would be taken for today's. The console
 * writes it so (src/console/format.ts at), and GET /api/admin/dashboard for the console's scripts to show as is.
 */
export function formatTimeNear(iso: string, timeZone: string, now: Date): string {
  const sameDay = isoDay(localDate(Date.parse(iso), timeZone)) === isoDay(localDate(now.getTime(), timeZone));
  return sameDay ? formatTime(iso, timeZone) : formatDateTime(iso, timeZone);
}
