import type { VerbContext } from '../context.ts';
import type { Db, Maintenance } from '../model.ts';
import type { ComponentStatus, MaintenanceStatus } from '../status.ts';
import { Conflict, NotFound } from '../errors.ts';
import { isActiveMaintenance } from '../overall.ts';
import { settledStatus } from '../components/settle.ts';
import { idOrder } from '../ids.ts';

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
    throw new Conflict(`${id} is an incident, not a scheduled maintenance.`, 'wrong_kind', 'id');
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
 * What each of the window's components returns to at completion, by the one
 * rule (components/settle.ts): a component another running window still
 * covers is left as it is (the last window's end settles it); any other
 * takes the worst status the open incidents give it now, else operational.
 * Nothing is remembered from before the start: an incident resolved during
 * the window no longer holds the component, and one still open says what it
 * says now.
 */
export function restoreAfterMaintenance(db: Db, m: Maintenance): Record<string, ComponentStatus> {
  const restore: Record<string, ComponentStatus> = {};
  for (const id of m.components) {
    const component = db.components.find((c) => c.id === id);
    if (!component) continue;
    const otherWindow = db.maintenances.some((o) => o.id !== m.id && isActiveMaintenance(o) && o.components.includes(id));
    if (otherWindow) continue;
    const settled = settledStatus(db, id, { maintenance: m.id });
    if (settled !== component.status) restore[id] = settled;
  }
  return restore;
}

/** Maintenances in a given set of statuses, soonest window first. */
export function maintenancesIn(db: Pick<Db, 'maintenances'>, statuses: MaintenanceStatus[]): Maintenance[] {
  return db.maintenances
    .filter((m) => (statuses as string[]).includes(m.status))
    .sort((a, b) => Date.parse(a.scheduled_for) - Date.parse(b.scheduled_for) || idOrder(a.id, b.id));
}
