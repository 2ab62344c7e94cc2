import { dateFormat } from '../domain/date-formats.ts';
import { wallClock, zoneOffsetMs } from '../domain/zoned-days.ts';
import { zoneLabel } from '../domain/time-text.ts';

/**
 * A datetime-local value read in a zone: the instant, or null with, when
 * there is more to say than "unreadable", why (a time the clocks skip).
 */
export type WallClockReading = { iso: string } | { iso: null; message: string | null };

const DAY_MS = 86_400_000;
const DAY_MONTH_YEAR: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric' };

/**
 * `<input type="datetime-local">` sends a wall-clock time without a zone; the
 * console reads it in the page's time zone (SITE_TIMEZONE). A day or time
 * that does not exist (30 Feb, 25:00) is unreadable, not rolled over as
 * Date.UTC would; a time the zone skips when clocks go forward is refused
 * with a message saying so. A time the zone repeats when clocks go back is
 * its first occurrence.
 */
export function wallClockToIso(value: string, timeZone: string): WallClockReading {
  const unreadable = { iso: null, message: null } as const;
  const text = value.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(text);
  if (!m) return unreadable;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  // Date.UTC normalises out-of-range parts (and maps years 0–99 to 1900–1999): they must come back as given.
  const u = new Date(wall);
  if (
    Number.isNaN(wall) ||
    u.getUTCFullYear() !== y ||
    u.getUTCMonth() !== mo - 1 ||
    u.getUTCDate() !== d ||
    u.getUTCHours() !== h ||
    u.getUTCMinutes() !== mi
  ) {
    return unreadable;
  }
  // The offsets in force a day either side cover any one DST change; a candidate counts only if it reads back as the input.
  const offsets = new Set([wall - DAY_MS, wall, wall + DAY_MS].map((t) => zoneOffsetMs(t, timeZone)));
  const instants = [...offsets]
    .map((offset) => wall - offset)
    .filter((t) => isoToWallClock(new Date(t).toISOString(), timeZone) === text)
    .sort((a, b) => a - b);
  const first = instants[0];
  if (first !== undefined) return { iso: new Date(first).toISOString() };
  const day = dateFormat('en-GB', DAY_MONTH_YEAR, 'UTC').format(wall);
  return {
    iso: null,
    message: `${h}:${String(mi).padStart(2, '0')} does not exist on ${day} in ${zoneLabel(timeZone)}: clocks go forward; choose another time.`,
  };
}

const HOUR_MS = 3_600_000;

/**
 * What a fresh schedule form proposes, as datetime-local values: tomorrow at the next full hour of the page's
 * clock, for two hours of it (the form reads wall-clock times, so the proposal is made in them: in a zone
 * half an hour off UTC, or on the eve of a DST change, hours of UTC are not the page's). An hour the clocks
 * skip is not proposed: the next one is.
 */
export function proposedWindow(now: Date, timeZone: string): { from: string; until: string } {
  const w = wallClock(now.getTime(), timeZone);
  const wall = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  const text = (t: number) => new Date(t).toISOString().slice(0, 16);
  const existing = (t: number) => {
    for (let i = 0; i < 3 && wallClockToIso(text(t), timeZone).iso === null; i++) t += HOUR_MS;
    return t;
  };
  const from = existing(Math.ceil(wall / HOUR_MS) * HOUR_MS + DAY_MS);
  return { from: text(from), until: text(existing(from + 2 * HOUR_MS)) };
}

/** An instant as a datetime-local value in the zone (to prefill the form). */
export function isoToWallClock(iso: string, timeZone: string): string {
  const w = wallClock(Date.parse(iso), timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${String(w.year).padStart(4, '0')}-${two(w.month)}-${two(w.day)}T${two(w.hour)}:${two(w.minute)}`;
}
