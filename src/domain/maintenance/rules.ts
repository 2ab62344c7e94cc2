import type { VerbContext } from '../context.ts';
import type { Db, Maintenance } from '../model.ts';
import type { ComponentStatus, MaintenanceStatus } from '../status.ts';
import { Conflict, NotFound } from '../errors.ts';
import { isOpenIncident } from '../overall.ts';

/**
 * Scheduled maintenance rules:
 *
 *   scheduled ──start──▶ in_progress ──verify──▶ verifying
 *       │                    │                      │
 *       │                    └──────complete────────┴──▶ completed
 *       └──cancel──▶ completed + cancelled_at
 *
 * - The timer starts a `scheduled` window at `scheduled_for` and completes an
 *   `in_progress` one at `scheduled_until`, while `auto_transitions` is true.
 * - `verify` is a hand move: it turns `auto_transitions` off, so the Comms Lead
 *   completes the window when verification is done. Starting or completing
 *   early by hand is allowed at any time.
 * - `reschedule` moves a window that has not ended (both ends while
 *   scheduled, only the end once started) and raises `sequence`.
 * - `cancel` calls off a window that has not started. Statuspage has no
 *   "cancelled" status, so it becomes `completed` with `cancelled_at` set and
 *   `sequence` raised (iCal: STATUS:CANCELLED). A started window is completed
 *   instead, never cancelled.
 */
export function findMaintenance(ctx: Pick<VerbContext, 'db'>, id: string): Maintenance {
  const m = ctx.db.maintenances.find((x) => x.id === id);
  if (m) return m;
  if (ctx.db.incidents.some((i) => i.id === id)) {
    throw new Conflict(`${id} is an incident, not a scheduled maintenance.`, 'wrong_kind');
  }
  throw new NotFound(`No maintenance with id "${id}".`, 'id');
}

/** Refuses a move from any status but the given ones, naming what is allowed. */
export function assertStatus(m: Maintenance, allowed: MaintenanceStatus[], action: string): void {
  if ((allowed as string[]).includes(m.status)) return;
  const state = m.cancelled_at ? 'cancelled' : m.status;
  throw new Conflict(`Cannot ${action} ${m.id}: it is ${state} (allowed from ${allowed.join(' or ')}).`, 'maintenance_state', 'status');
}

/**
 * The status each component had when the window started, as recorded by the
 * start update's `affected_components` (the record customers and the API see).
 */
export function statusesBeforeStart(m: Maintenance): Map<string, ComponentStatus> {
  const before = new Map<string, ComponentStatus>();
  for (const u of m.updates) {
    if (u.status !== 'in_progress') continue;
    for (const change of u.affected_components) {
      if (change.new_status === 'under_maintenance' && !before.has(change.code)) before.set(change.code, change.old_status);
    }
  }
  return before;
}

/**
 * What each of the window's components returns to at completion: the status
 * it had before the start, except that
 * - a component another running maintenance still covers stays under maintenance;
 * - a component someone changed during the window (an incident update) keeps that status;
 * - a status that was caused by an incident resolved since then becomes operational.
 */
export function restoreAfterMaintenance(db: Db, m: Maintenance): Record<string, ComponentStatus> {
  const before = statusesBeforeStart(m);
  const restore: Record<string, ComponentStatus> = {};
  for (const id of m.components) {
    const component = db.components.find((c) => c.id === id);
    if (component?.status !== 'under_maintenance') continue;
    const otherWindow = db.maintenances.some(
      (o) => o.id !== m.id && (o.status === 'in_progress' || o.status === 'verifying') && o.components.includes(id),
    );
    if (otherWindow) continue;
    let previous = before.get(id) ?? 'operational';
    if (previous === 'under_maintenance') previous = 'operational';
    if (previous !== 'operational' && !db.incidents.some((o) => isOpenIncident(o) && o.components.includes(id))) {
      previous = 'operational';
    }
    restore[id] = previous;
  }
  return restore;
}

/** Maintenances in a given set of statuses, soonest window first. */
export function maintenancesIn(db: Pick<Db, 'maintenances'>, statuses: MaintenanceStatus[]): Maintenance[] {
  return db.maintenances
    .filter((m) => (statuses as string[]).includes(m.status))
    .sort((a, b) => Date.parse(a.scheduled_for) - Date.parse(b.scheduled_for) || a.id.localeCompare(b.id));
}
