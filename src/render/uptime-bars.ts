import { dateFormat } from '../domain/date-formats.ts';
import { allEvents, type Db } from '../domain/model.ts';
import { computeUptime, type ComponentUptime, type UptimeDay } from '../domain/uptime.ts';
import { COMPONENT_STATUS_LABEL, type ComponentStatus } from '../domain/status.ts';
import { formatDuration } from '../domain/overall.ts';

export const UPTIME_DAYS = 90;

export interface UptimeCell {
  /** CSS class naming the day's worst status (u-no_data, u-major_outage, ...). */
  cls: string;
  /** The text alternative: "12 Nov: partial outage for 42 min". */
  label: string;
}

/** A day with trouble as the bar's text equivalent lists it: its text and what happened that day. */
export interface TroubleDay {
  /** "12 Nov: partial outage for 42 min", as the day's cell says it. */
  label: string;
  /** The incidents and maintenances behind it, with their names, to link to (none for a status set by hand). */
  events: Array<{ id: string; name: string }>;
}

export interface UptimeBar {
  cells: UptimeCell[];
  /**
   * The cells as `<li>` markup, built with the bars: 90 cells per
   * component made through Astro elements cost the status page more than all
   * the rest of it, and `/` is re-rendered after every publish. Only our own
   * class names and labels (dates, status words, durations) go in, escaped anyway.
   */
  cellsHtml: string;
  /** "99.95 % uptime", or null when no minute was observed. */
  percentText: string | null;
  /**
   * "30 Nov": the first day observed, when the component is younger than the bar (its earlier days are
   * "no data"), so the figure can say over what time it is; null when it covers every day of the bar.
   */
  since: string | null;
  /**
   * The days with trouble, newest first: the bar's text equivalent (a disclosure under it), so a day can be
   * read and its incident reached without pointing at a cell a few pixels wide (WCAG 2.5.8).
   */
  troubleDays: TroubleDay[];
}

/** A calendar day as the page's other dates write it (time-text.ts, en-GB: "12 Nov", "15 Sept"); the day is UTC's, already the zone's. */
const DAY_MONTH: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short' };
const WORST_FIRST: ComponentStatus[] = ['major_outage', 'partial_outage', 'degraded_performance', 'under_maintenance'];

/** "12 Nov" */
function shortDate(isoDate: string): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  return dateFormat('en-GB', DAY_MONTH, 'UTC').format(Date.UTC(y, m - 1, d));
}

/** "12 Nov: major outage for 12 min, partial outage for 42 min" */
export function dayLabel(day: UptimeDay): string {
  const date = shortDate(day.date);
  if (day.worst === 'no_data') return `${date}: no data`;
  const parts = WORST_FIRST.filter((s) => day.minutes[s]).map(
    (s) => `${COMPONENT_STATUS_LABEL[s].toLowerCase()} for ${formatDuration(day.minutes[s]!)}`,
  );
  return parts.length ? `${date}: ${parts.join(', ')}` : `${date}: operational`;
}

/** Never claims better than measured: 99.996 shows as 99.99, only a clean record as 100. */
export function percentText(percent: number | null): string | null {
  if (percent === null) return null;
  if (percent >= 100) return '100 % uptime';
  // Rounded down, but not below what the ratio is: 16 minutes down in 10,000 is 99.84 %, which floating point
  // computes as 99.83999999999999 and a plain floor showed as 99.83.
  return `${(Math.floor(percent * 100 + 1e-6) / 100).toFixed(2)} % uptime`;
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);

const isTrouble = (day: UptimeDay) => day.worst !== 'operational' && day.worst !== 'no_data';

// Most cells are the same from one render to the next (a past day's record does not change): keep each one's markup.
const cellMarkup = new Map<string, { cell: UptimeCell; html: string }>();

function cellOf(day: UptimeDay): { cell: UptimeCell; html: string } {
  const m = day.minutes;
  const key =
    day.worst === 'operational' || day.worst === 'no_data'
      ? `${day.date} ${day.worst}`
      : `${day.date} ${day.worst} ${m.major_outage ?? 0},${m.partial_outage ?? 0},${m.degraded_performance ?? 0},${m.under_maintenance ?? 0}`;
  let hit = cellMarkup.get(key);
  if (!hit) {
    const cell = { cls: `u-${day.worst}`, label: dayLabel(day) };
    // A day with trouble takes the focus from a tap (a touch screen has no hover), to show its text; it is no
    // Tab stop: the bar is hidden from screen readers, and the disclosure under it lists these days for the keyboard.
    const focus = isTrouble(day) ? ' tabindex="-1"' : '';
    hit = { cell, html: `<li class="${escapeHtml(cell.cls)}"${focus}><span>${escapeHtml(cell.label)}</span></li>` };
    if (cellMarkup.size >= 20_000) cellMarkup.clear();
    cellMarkup.set(key, hit);
  }
  return hit;
}

function toBar(u: ComponentUptime, names: Map<string, string>): UptimeBar {
  const made = u.days.map(cellOf);
  // "No data" days only come before the component existed, so the first observed day starts the record.
  const first = u.days.findIndex((d) => d.worst !== 'no_data');
  return {
    cells: made.map((m) => m.cell),
    cellsHtml: made.map((m) => m.html).join(''),
    percentText: percentText(u.percent),
    since: first > 0 ? shortDate(u.days[first]!.date) : null,
    troubleDays: u.days
      .map((day, i) => ({ day, label: made[i]!.cell.label }))
      .filter(({ day }) => isTrouble(day))
      .reverse()
      .map(({ day, label }) => ({
        label,
        events: day.events.flatMap((id) => (names.has(id) ? [{ id, name: names.get(id)! }] : [])),
      })),
  };
}

// The committed data object is replaced by every write, so it is the memo key, with the clock the bars were measured at.
const memo = new WeakMap<object, { at: number; timeZone: string; bars: Map<string, UptimeBar> }>();

/**
 * The uptime bars of every component, computed once per data version and
 * page clock (src/snapshot/page-cache.ts pageClock: the minute, or the data's
 * last change later in it) rather than per request: the status page stays as
 * fast with years of incidents as with none, today's cell and the figure move
 * with the minute, and replicas measuring the same data at the same clock
 * show the same bars.
 */
export function uptimeBars(db: Db, now: Date, timeZone: string): Map<string, UptimeBar> {
  const hit = memo.get(db);
  if (hit && hit.at === now.getTime() && hit.timeZone === timeZone) return hit.bars;
  const uptime = computeUptime(db, now, { days: UPTIME_DAYS, timeZone });
  const names = new Map(allEvents(db).map((e) => [e.id, e.name]));
  const bars = new Map([...uptime].map(([id, u]) => [id, toBar(u, names)]));
  memo.set(db, { at: now.getTime(), timeZone, bars });
  return bars;
}
