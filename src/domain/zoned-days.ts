/**
 * Calendar days in a time zone, without a date library: the page's days
 * start at local midnight in SITE_TIMEZONE, so "12 Nov" on the uptime bar and
 * in the history means the same day to the reader as the times beside it.
 */
import { dateFormat } from './date-formats.ts';

const WALL_CLOCK: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
};

export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** The wall-clock reading (year … second) at instant `t` in the zone. */
export function wallClock(t: number, timeZone: string) {
  const p: Record<string, number> = {};
  for (const part of dateFormat('en-US', WALL_CLOCK, timeZone).formatToParts(new Date(t))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return p as { year: number; month: number; day: number; hour: number; minute: number; second: number };
}

/** The zone's offset from UTC at instant `t`, in ms (positive east of Greenwich). */
export function zoneOffsetMs(t: number, timeZone: string): number {
  const w = wallClock(t, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(t / 1000) * 1000;
}

/** The calendar date at instant `t` in the zone. */
export function localDate(t: number, timeZone: string): LocalDate {
  const w = wallClock(t, timeZone);
  return { year: w.year, month: w.month, day: w.day };
}

/** The date `n` days after `d` (n may be negative). */
export function addDays(d: LocalDate, n: number): LocalDate {
  const u = new Date(Date.UTC(d.year, d.month - 1, d.day + n));
  return { year: u.getUTCFullYear(), month: u.getUTCMonth() + 1, day: u.getUTCDate() };
}

// A day's start never changes, and each costs two Intl calls: the 90-day uptime bar asks for 91 of them on every render.
const dayStarts = new Map<string, number>();

/** The instant local midnight begins date `d` in the zone (DST-aware: refined twice). */
export function startOfDay(d: LocalDate, timeZone: string): number {
  const wall = Date.UTC(d.year, d.month - 1, d.day);
  const key = `${timeZone} ${wall}`;
  const known = dayStarts.get(key);
  if (known !== undefined) return known;
  let t = wall - zoneOffsetMs(wall, timeZone);
  t = wall - zoneOffsetMs(t, timeZone);
  if (!sameDate(localDate(t, timeZone), d)) t = firstInstantOf(d, t, timeZone);
  if (dayStarts.size >= 4096) dayStarts.clear();
  dayStarts.set(key, t);
  return t;
}

const sameDate = (a: LocalDate, b: LocalDate) => a.year === b.year && a.month === b.month && a.day === b.day;

/**
 * Where local midnight does not exist (clocks go from 23:59:59 to 01:00, as in America/Santiago or
 * Atlantic/Azores once a year), the day begins at the change: the first instant whose local date is `d`,
 * found between `before` (still the day before) and three hours later. A zone that skips the whole date
 * (Pacific/Apia, 30 Dec 2011) keeps `before`.
 */
function firstInstantOf(d: LocalDate, before: number, timeZone: string): number {
  let lo = before;
  let hi = before + 3 * 3_600_000;
  if (!sameDate(localDate(hi, timeZone), d)) return before;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (sameDate(localDate(mid, timeZone), d)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** "2026-11-12" */
export const isoDay = (d: LocalDate): string => `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

/** "2026-11" : the month key used by the history. */
export const isoMonth = (d: LocalDate): string => `${d.year}-${String(d.month).padStart(2, '0')}`;
