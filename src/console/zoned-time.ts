import { wallClock, zoneOffsetMs } from '../domain/zoned-days.ts';

/**
 * `<input type="datetime-local">` sends a wall-clock time without a zone; the
 * console reads it in the page's time zone (SITE_TIMEZONE). Returns an ISO
 * instant, or null for an unreadable value.
 */
export function wallClockToIso(value: string, timeZone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi);
  if (Number.isNaN(asUtc)) return null;
  // The zone's offset at that moment; found twice, for DST edges.
  let guess = asUtc;
  for (let i = 0; i < 2; i++) guess = asUtc - zoneOffsetMs(guess, timeZone);
  return new Date(guess).toISOString();
}

/** An instant as a datetime-local value in the zone (to prefill the form). */
export function isoToWallClock(iso: string, timeZone: string): string {
  const w = wallClock(Date.parse(iso), timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${w.year}-${two(w.month)}-${two(w.day)}T${two(w.hour)}:${two(w.minute)}`;
}
