import { allEvents, type Db, type EventRecord } from './model.ts';
import { isoMonth, localDate, startOfDay } from './zoned-days.ts';
import { idOrder } from './ids.ts';

/**
 * The history: past and current incidents and maintenances that took place,
 * newest first by start, grouped by month in the page's time zone. Windows
 * still to come live on /maintenance; cancelled ones never happened and are
 * left out (their own pages still work).
 */
export const HISTORY_PAGE_SIZE = 20;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

export interface HistoryEntry {
  incident: EventRecord;
  /** YYYY-MM of its start, in the page's time zone. */
  month: string;
}

export interface MonthCount {
  month: string;
  label: string;
  count: number;
}

export interface HistoryPage {
  /** The month filter, when one was asked for. */
  month: string | null;
  page: number;
  pageCount: number;
  total: number;
  groups: Array<{ month: string; label: string; entries: EventRecord[] }>;
  /** Every month with something in it, newest first (for navigation). */
  months: MonthCount[];
  /** The neighbouring pages, or null at either end (the page builds their links). */
  newerPage: number | null;
  olderPage: number | null;
}

export interface HistoryQuery {
  page?: string | null;
  month?: string | null;
  timeZone?: string;
  pageSize?: number;
  /** The page's clock: this month (in `timeZone`) has a page, with nothing in it yet or not. */
  now?: Date;
}

export const isHistoryEntry = (e: EventRecord): boolean => e.kind === 'incident' || (e.status !== 'scheduled' && e.cancelled_at === null);

/** "November 2026" */
export function monthLabel(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return `${MONTH_NAMES[m - 1]} ${y}`;
}

interface Index {
  entries: HistoryEntry[];
  months: MonthCount[];
}

// The committed data object is replaced by every write, so it is the memo key:
// sorting and bucketing 5,000 incidents happens once per data version.
const indexes = new WeakMap<object, Map<string, Index>>();

function indexOf(db: Pick<Db, 'incidents' | 'maintenances'>, timeZone: string): Index {
  let perZone = indexes.get(db);
  if (!perZone) indexes.set(db, (perZone = new Map()));
  const hit = perZone.get(timeZone);
  if (hit) return hit;
  // By instant, not by string: stored times may carry different offsets.
  const sorted = allEvents(db)
    .filter(isHistoryEntry)
    .map((incident) => ({ incident, t: Date.parse(incident.started_at) }))
    // Recorded last first among equal starts.
    .sort((a, b) => b.t - a.t || idOrder(b.incident.id, a.incident.id));
  // Walk the months down from the newest entry: two time-zone lookups per
  // month instead of one per incident (Intl is slow at 5,000 calls).
  const entries: HistoryEntry[] = [];
  let month = sorted.length ? localDate(sorted[0]!.t, timeZone) : null;
  let monthStart = month ? startOfDay({ ...month, day: 1 }, timeZone) : 0;
  for (const { incident, t } of sorted) {
    while (month && t < monthStart) {
      month = month.month === 1 ? { year: month.year - 1, month: 12, day: 1 } : { ...month, month: month.month - 1, day: 1 };
      monthStart = startOfDay(month, timeZone);
    }
    entries.push({ incident, month: isoMonth(month!) });
  }
  const months: MonthCount[] = [];
  for (const e of entries) {
    const last = months.at(-1);
    if (last && last.month === e.month) last.count++;
    else months.push({ month: e.month, label: monthLabel(e.month), count: 1 });
  }
  const index = { entries, months };
  perZone.set(timeZone, index);
  return index;
}

/**
 * Whether a month has a page: one from the first month of the history to this one (or the last of the
 * history's), with something in it or not ("nothing to report" is news too). Bounded so, the set of valid
 * URLs stays as small as the history: a month outside it is not found.
 */
function hasPage(index: Index, month: string, timeZone: string, now: Date | undefined): boolean {
  const current = now ? isoMonth(localDate(now.getTime(), timeZone)) : undefined;
  const newest = index.months[0]?.month;
  const last = [newest, current]
    .filter((m) => m !== undefined)
    .sort()
    .at(-1);
  const first = index.months.at(-1)?.month ?? current;
  return first !== undefined && last !== undefined && first <= month && month <= last;
}

/**
 * One page of history, or null when the query names no such page (a page
 * number past the end, a malformed page or month, a month outside the history): the caller answers 404.
 */
export function historyPage(db: Pick<Db, 'incidents' | 'maintenances'>, q: HistoryQuery = {}): HistoryPage | null {
  const size = q.pageSize ?? HISTORY_PAGE_SIZE;
  const month = q.month ?? null;
  if (month !== null && !MONTH.test(month)) return null;
  if (q.page != null && !/^[1-9]\d{0,5}$/.test(q.page)) return null;
  const page = q.page == null ? 1 : Number(q.page);
  const index = indexOf(db, q.timeZone ?? 'UTC');
  if (month !== null && !hasPage(index, month, q.timeZone ?? 'UTC', q.now)) return null;
  const pool = month === null ? index.entries : index.entries.filter((e) => e.month === month);
  const pageCount = Math.max(1, Math.ceil(pool.length / size));
  if (page > pageCount) return null;
  const slice = pool.slice((page - 1) * size, page * size);
  const groups: HistoryPage['groups'] = [];
  for (const e of slice) {
    const last = groups.at(-1);
    if (last && last.month === e.month) last.entries.push(e.incident);
    else groups.push({ month: e.month, label: monthLabel(e.month), entries: [e.incident] });
  }
  return {
    month,
    page,
    pageCount,
    total: pool.length,
    groups,
    months: index.months,
    newerPage: page > 1 ? page - 1 : null,
    olderPage: page < pageCount ? page + 1 : null,
  };
}
