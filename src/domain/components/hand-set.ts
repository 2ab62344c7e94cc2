import type { Component, Db, HandSetPeriod } from '../model.ts';
import { type ComponentStatus, worstComponentStatus } from '../status.ts';
import { settledStatus } from './settle.ts';

/**
 * How long a hand-set period is kept once it ended: the 90 days of the uptime bars (render/uptime-bars.ts
 * UPTIME_DAYS), plus two for today's cell and the page's time zone. Older ones are dropped at the next change.
 */
export const HAND_SET_KEPT_DAYS = 92;

const DAY_MS = 86_400_000;

/**
 * The most periods a component keeps. A script that sets a status every minute (a monitor flapping between
 * degraded and operational) would otherwise grow the one stored document by over 100,000 entries in 90
 * days. Past this many, the two oldest become one spanning both at the worse status: the bars' oldest
 * days may then count the gap between them as downtime, never less downtime than there was.
 */
export const HAND_SET_MAX_PERIODS = 500;

/**
 * A component's hand-set periods after its status changed at `at`: the open one ends there, those that
 * ended before the bars reach are dropped, and a status set by hand (`byHand`) other than operational
 * opens a new one.
 */
export function handSetAfter(periods: readonly HandSetPeriod[], at: string, byHand?: ComponentStatus): HandSetPeriod[] {
  const kept = Date.parse(at) - HAND_SET_KEPT_DAYS * DAY_MS;
  const out = periods
    .map((p) => (p.to === null ? { ...p, to: at } : p))
    .filter((p) => Date.parse(p.to!) >= kept && Date.parse(p.to!) > Date.parse(p.from));
  if (byHand && byHand !== 'operational') out.push({ status: byHand, from: at, to: null });
  while (out.length > HAND_SET_MAX_PERIODS) {
    const [a, b] = out.splice(0, 2) as [HandSetPeriod, HandSetPeriod];
    out.unshift({ status: worstComponentStatus([a.status, b.status]), from: a.from, to: b.to });
  }
  return out;
}

/**
 * Call before a component's status changes at `at` (by hand: `byHand` is the new status; by an incident or
 * a window: undefined). Keeps its hand-set periods (the `hand_set` field, absent when empty).
 *
 * Data from before `hand_set` was recorded, with a status no open incident or window holds (set by hand, or
 * left by a resolving update), has that status counted from `status_since` (domain/uptime.ts): it is kept
 * as a period here, so the change does not erase it.
 */
export function noteStatusChange(db: Pick<Db, 'incidents' | 'maintenances'>, c: Component, at: string, byHand?: ComponentStatus): void {
  let periods = c.hand_set ?? [];
  if (!periods.some((p) => p.to === null) && c.status !== 'operational' && settledStatus(db, c.id) === 'operational') {
    periods = [...periods, { status: c.status, from: c.status_since ?? c.updated_at, to: null }];
  }
  const after = handSetAfter(periods, at, byHand);
  if (after.length) c.hand_set = after;
  else delete c.hand_set;
}

/**
 * An incident or window moves a component to `status` at `now` (nothing when it has it already): a status set
 * by hand ends here, kept as a period (noteStatusChange), so the uptime still counts it.
 */
export function moveComponentStatus(db: Pick<Db, 'incidents' | 'maintenances'>, c: Component, status: ComponentStatus, now: string): void {
  if (c.status === status) {
    // The same status, now an incident's or a window's word: the hand no longer holds it (its period ends here).
    if (c.hand_set?.some((p) => p.to === null)) noteStatusChange(db, c, now);
    return;
  }
  noteStatusChange(db, c, now);
  c.status = status;
  c.updated_at = now;
  c.status_since = now;
}
