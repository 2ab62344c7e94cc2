import { allEvents, type Db, type EventRecord } from './model.ts';
import { existedFrom, firstNamed } from './components/existed-from.ts';
import { heldFrom } from './incidents/after-the-fact.ts';
import { worstComponentStatus, type ComponentStatus } from './status.ts';
import { addDays, isoDay, localDate, startOfDay } from './zoned-days.ts';

/**
 * Uptime per component per day, from the incidents' component status changes.
 *
 * - Each incident (maintenances included) holds a component in the status its
 *   latest update set for it, from that update's `display_at` (so backfilled
 *   incidents count when they happened; a backfill's one update, dated at its
 *   end, from the incident's start: heldFrom) until the incident is resolved (or
 *   now, while it is open). Where incidents overlap, the worst status counts.
 *   A component an update took off the incident (named in error) does not
 *   count for it up to then.
 * - A status set by hand counts from the edit until the component's status next
 *   changed (its `hand_set` periods, kept 90 days), or now while it holds. It
 *   counts like one more incident: where it overlaps one, the worse of the two.
 * - A component whose current status is not operational with no open incident
 *   holding it (a hand edit in data from before `hand_set`, or a status a
 *   resolving update left) counts in that status since its `status_since`.
 * - Days are calendar days in the page's time zone; today counts up to now, and from its first instant
 *   (in the status then) for a component that existed before.
 *   Days before the component existed (its created_at, or its earliest
 *   recorded incident when one was backfilled from before) are "no data", never 100%.
 * - Uptime % = 100 × (1 − (major_outage min + 0.3 × partial_outage min) / observed min).
 *   Degraded performance and maintenance are not downtime.
 */
export const PARTIAL_OUTAGE_WEIGHT = 0.3;

export type DayStatus = ComponentStatus | 'no_data';

export interface UptimeDay {
  /** Local date, YYYY-MM-DD. */
  date: string;
  /** The worst status any minute of the day had; `no_data` before the component existed. */
  worst: DayStatus;
  /** Minutes spent in each non-operational status that day (rounded to the minute). */
  minutes: Partial<Record<ComponentStatus, number>>;
  /** Ids of the incidents and maintenances that held the component in a non-operational status that day, first started first. */
  events: string[];
}

export interface ComponentUptime {
  days: UptimeDay[];
  /** null when no minute of the window was observed. */
  percent: number | null;
  observedMinutes: number;
  /** major_outage minutes + 0.3 × partial_outage minutes. */
  downtimeMinutes: number;
}

export interface UptimeOptions {
  days?: number;
  timeZone?: string;
}

/** `event`: the incident or maintenance it comes from (none for a status set by hand). */
type Interval = { from: number; to: number; status: ComponentStatus; event?: string };

/** Non-operational statuses, least severe first (the order of worstComponentStatus). */
const RANKED: ComponentStatus[] = ['under_maintenance', 'degraded_performance', 'partial_outage', 'major_outage'];

/** Every non-operational stretch each component went through, by component id. */
export function statusIntervals(
  db: Pick<Db, 'incidents' | 'maintenances' | 'components'>,
  now: Date,
  since = -Infinity,
): Map<string, Interval[]> {
  const out = new Map<string, Interval[]>();
  const push = (id: string, iv: Interval) => {
    if (iv.to <= iv.from || iv.status === 'operational') return;
    let list = out.get(id);
    if (!list) out.set(id, (list = []));
    list.push(iv);
  };
  const heldNow = new Set<string>();
  for (const incident of allEvents(db)) {
    // Incidents over before the window cannot colour it: skip them unread.
    if (incident.resolved_at && Date.parse(incident.resolved_at) < since) continue;
    collect(incident, now.getTime(), push, heldNow);
  }
  for (const c of db.components) {
    for (const p of c.hand_set ?? []) {
      const to = p.to === null ? now.getTime() : Math.min(Date.parse(p.to), now.getTime());
      if (to >= since) push(c.id, { from: Date.parse(p.from), to, status: p.status });
    }
    if (c.status !== 'operational' && !heldNow.has(c.id)) {
      push(c.id, { from: Date.parse(c.status_since ?? c.updated_at), to: now.getTime(), status: c.status });
    }
  }
  return out;
}

function collect(incident: EventRecord, now: number, push: (id: string, iv: Interval) => void, heldNow: Set<string>): void {
  const end = incident.resolved_at ? Math.min(Date.parse(incident.resolved_at), now) : now;
  const current = new Map<string, { since: number; status: ComponentStatus }>();
  // By instant, not by string: stored times may carry different offsets.
  const from = (u: EventRecord['updates'][number]) => Date.parse(heldFrom(incident, u));
  const updates = [...(incident.updates as EventRecord['updates'][number][])].sort(
    (a, b) => from(a) - from(b) || Date.parse(a.created_at) - Date.parse(b.created_at),
  );
  // Held back until the incident's last update: a component taken off it was named in error, and what
  // this incident said of it until then is dropped (named again later, it counts from then).
  const held = new Map<string, Interval[]>();
  const hold = (id: string, iv: Interval) => (held.get(id) ?? held.set(id, []).get(id)!).push(iv);
  for (const u of updates) {
    const t = Math.min(from(u), end);
    for (const ch of u.affected_components) {
      const open = current.get(ch.code);
      if (ch.removed) {
        current.delete(ch.code);
        held.delete(ch.code);
        continue;
      }
      if (open) hold(ch.code, { from: open.since, to: t, status: open.status, event: incident.id });
      current.set(ch.code, { since: t, status: ch.new_status });
    }
  }
  for (const [id, open] of current) {
    hold(id, { from: open.since, to: end, status: open.status, event: incident.id });
    if (!incident.resolved_at && open.status !== 'operational') heldNow.add(id);
  }
  for (const [id, list] of held) for (const iv of list) push(id, iv);
}

/** The 90-day (or `days`) uptime of every component, by component id. */
export function computeUptime(
  db: Pick<Db, 'incidents' | 'maintenances' | 'components'>,
  now: Date,
  opts: UptimeOptions = {},
): Map<string, ComponentUptime> {
  const nDays = opts.days ?? 90;
  const tz = opts.timeZone ?? 'UTC';
  const t = now.getTime();
  const today = localDate(t, tz);
  const dates = Array.from({ length: nDays }, (_, i) => addDays(today, i - nDays + 1));
  // bounds[i] is the start of day i; bounds[nDays] the start of tomorrow.
  const bounds = [...dates.map((d) => startOfDay(d, tz)), startOfDay(addDays(today, 1), tz)];
  const intervals = statusIntervals(db, now, bounds[0]);
  const named = firstNamed(db);
  const result = new Map<string, ComponentUptime>();
  for (const c of db.components) {
    // A backfilled incident from before the component was added shows it existed then: one over before the
    // window too (statusIntervals skips it), which once left a component with 89 days of "no data".
    const recorded = intervals.get(c.id) ?? [];
    const born = Math.min(existedFrom(c, named), ...recorded.map((iv) => iv.from));
    const windowStart = Math.max(bounds[0]!, born);
    const ms: Array<Partial<Record<ComponentStatus, number>>> = dates.map(() => ({}));
    const segments = worstSegments(recorded);
    for (const seg of segments) {
      addToDays(ms, bounds, Math.max(seg.from, windowStart), Math.min(seg.to, t), seg.status);
    }
    const events = eventsByDay(recorded, bounds, windowStart, t);
    // In the page clock's first minute of a day (`t` its very start) today has lasted no time, yet it is observed
    // for a component that existed before, in the status it is in then: an outage running at midnight shows today.
    const last = nDays - 1;
    const midnight = t === bounds[last] && born < t;
    if (midnight) {
      const on = segments.find((seg) => seg.from < t && seg.to >= t);
      if (on) ms[last]![on.status] = 0;
      events[last] = recorded
        .filter((iv) => iv.event && iv.from < t && iv.to >= t)
        .sort((a, b) => a.from - b.from)
        .map((iv) => iv.event!);
    }
    let observed = 0;
    let down = 0;
    const days: UptimeDay[] = dates.map((d, i) => {
      const from = Math.max(bounds[i]!, born);
      const to = Math.min(bounds[i + 1]!, t);
      if (to < from || (to === from && !(midnight && i === last))) return { date: isoDay(d), worst: 'no_data', minutes: {}, events: [] };
      observed += to - from;
      const spent = ms[i]!;
      down += (spent.major_outage ?? 0) + PARTIAL_OUTAGE_WEIGHT * (spent.partial_outage ?? 0);
      const minutes: Partial<Record<ComponentStatus, number>> = {};
      for (const [s, v] of Object.entries(spent) as Array<[ComponentStatus, number]>) minutes[s] = Math.max(1, Math.round(v / 60_000));
      return {
        date: isoDay(d),
        worst: worstComponentStatus(Object.keys(spent) as ComponentStatus[]),
        minutes,
        events: events[i] ?? [],
      };
    });
    result.set(c.id, {
      days,
      percent: observed > 0 ? 100 * (1 - down / observed) : null,
      observedMinutes: observed / 60_000,
      downtimeMinutes: down / 60_000,
    });
  }
  return result;
}

/**
 * Overlapping intervals → disjoint segments in the worst status at each
 * instant (a sweep over the interval ends).
 */
export function worstSegments(intervals: Interval[]): Interval[] {
  if (intervals.length === 0) return [];
  const edges: Array<{ t: number; rank: number; delta: 1 | -1 }> = [];
  for (const iv of intervals) {
    const rank = RANKED.indexOf(iv.status);
    edges.push({ t: iv.from, rank, delta: 1 }, { t: iv.to, rank, delta: -1 });
  }
  edges.sort((a, b) => a.t - b.t);
  const active = RANKED.map(() => 0);
  const out: Interval[] = [];
  let i = 0;
  while (i < edges.length) {
    const t = edges[i]!.t;
    while (i < edges.length && edges[i]!.t === t) {
      const e = edges[i++]!;
      active[e.rank]! += e.delta;
    }
    let worst = -1;
    for (let r = active.length - 1; r >= 0; r--) {
      if (active[r]! > 0) {
        worst = r;
        break;
      }
    }
    if (worst < 0 || i >= edges.length) continue;
    const status = RANKED[worst]!;
    const next = edges[i]!.t;
    const last = out.at(-1);
    if (last && last.status === status && last.to === t) last.to = next;
    else out.push({ from: t, to: next, status });
  }
  return out;
}

/** Adds [from, to) spent in `status` to the days it falls in. */
function addToDays(
  ms: Array<Partial<Record<ComponentStatus, number>>>,
  bounds: number[],
  from: number,
  to: number,
  status: ComponentStatus,
): void {
  if (to <= from || status === 'operational') return;
  let i = dayIndex(bounds, from);
  let a = from;
  while (a < to && i < ms.length) {
    if (i >= 0) {
      const b = Math.min(to, bounds[i + 1]!);
      if (b > a) ms[i]![status] = (ms[i]![status] ?? 0) + (b - a);
      a = b;
    } else a = bounds[0]!;
    i++;
  }
}

/**
 * The events behind each day's record, so that a day's text can name them: every incident or maintenance
 * holding the component out of operational during the day, even where a worse one overlapped it.
 */
function eventsByDay(recorded: Interval[], bounds: number[], windowStart: number, now: number): string[][] {
  const out: string[][] = [];
  const sorted = recorded.filter((iv) => iv.event).sort((a, b) => a.from - b.from);
  for (const iv of sorted) {
    const from = Math.max(iv.from, windowStart);
    const to = Math.min(iv.to, now);
    if (to <= from) continue;
    for (let i = Math.max(0, dayIndex(bounds, from)); i < bounds.length - 1 && bounds[i]! < to; i++) {
      const list = (out[i] ??= []);
      if (!list.includes(iv.event!)) list.push(iv.event!);
    }
  }
  return out;
}

/** The day index holding instant `t` (-1 before the window). */
function dayIndex(bounds: number[], t: number): number {
  let lo = 0;
  let hi = bounds.length - 1;
  if (t < bounds[0]!) return -1;
  while (lo < hi - 1) {
    const mid = (lo + hi) >> 1;
    if (bounds[mid]! <= t) lo = mid;
    else hi = mid;
  }
  return lo;
}
