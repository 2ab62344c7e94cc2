import type { Component, Db, Incident, Maintenance } from '../model.ts';
import { type ComponentStatus, worstComponentStatus } from '../status.ts';
import { isActiveMaintenance, isOpenIncident } from '../overall.ts';

/** What is ending, and so no longer holds the component: an incident resolving, a window completing. */
export interface Ending {
  incident?: string;
  maintenance?: string;
}

/** When a running window put its components under maintenance: its start update's write. */
function startedAt(m: Maintenance): number {
  const start = m.updates.find((u) => u.status === 'in_progress');
  return Date.parse(start?.created_at ?? m.started_at);
}

/** The status an incident's latest update gave the component, and when that was written; null if none did. */
function latestSaid(incident: Incident, id: string): { status: ComponentStatus; at: number } | null {
  for (let i = incident.updates.length - 1; i >= 0; i--) {
    const u = incident.updates[i]!;
    const change = u.affected_components.findLast((c) => c.code === id);
    if (change) return { status: change.new_status, at: Date.parse(u.created_at) };
  }
  return null;
}

/**
 * The one rule for what a component's status comes to when something that
 * held it ends (an incident resolving, a maintenance window completing):
 *
 * - While a running window covers it, `under_maintenance`; an open incident
 *   that set a status after that window started shows over the maintenance
 *   (the worst of them). One set before the start was written over by it.
 * - Otherwise the worst status the open incidents that affect it (that name
 *   it still) gave it in their latest updates, else `operational`.
 *
 * A status set by hand (the admin PATCH) is not restored: it holds until
 * the next of these moments, which settles the component by this rule (the
 * uptime still counts the time it held: components/hand-set.ts).
 */
export function settledStatus(db: Pick<Db, 'incidents' | 'maintenances'>, id: string, ending: Ending = {}): ComponentStatus {
  const windows = db.maintenances.filter((m) => m.id !== ending.maintenance && isActiveMaintenance(m) && m.components.includes(id));
  const since = windows.length ? Math.max(...windows.map(startedAt)) : -Infinity;
  const said: ComponentStatus[] = windows.length ? ['under_maintenance'] : [];
  for (const incident of db.incidents) {
    // One that took the component off (named in error) holds it no more, whatever its earlier updates said.
    if (incident.id === ending.incident || !isOpenIncident(incident) || !incident.components.includes(id)) continue;
    const latest = latestSaid(incident, id);
    if (latest && latest.at >= since) said.push(latest.status);
  }
  return worstComponentStatus(said);
}

/**
 * Whether something other than an incident's word keeps a component under maintenance: a running window
 * that covers it, or a status set by hand that still holds (its open `hand_set` period).
 */
export function heldUnderMaintenance(db: Pick<Db, 'maintenances'>, c: Pick<Component, 'id' | 'hand_set'>): boolean {
  return (
    db.maintenances.some((m) => isActiveMaintenance(m) && m.components.includes(c.id)) ||
    (c.hand_set ?? []).some((p) => p.to === null && p.status === 'under_maintenance')
  );
}
