import type { Component, Db, Incident } from '../model.ts';
import { type ComponentStatus, worstComponentStatus } from '../status.ts';
import { isActiveMaintenance, isOpenIncident } from '../overall.ts';

/** What is ending, and so no longer holds the component: an incident resolving, a window completing. */
export interface Ending {
  incident?: string;
  maintenance?: string;
}

/** The status an incident's latest update gave the component (its word); null if none did. */
export function latestSaid(incident: Incident, id: string): ComponentStatus | null {
  for (let i = incident.updates.length - 1; i >= 0; i--) {
    const change = incident.updates[i]!.affected_components.findLast((c) => c.code === id);
    if (change) return change.new_status;
  }
  return null;
}

/**
 * The one rule for what a component's status comes to when something that
 * held it ends (an incident resolving, a maintenance window completing):
 *
 * - The worst status the open incidents that affect it (that name it still)
 *   gave it in their latest updates, and `under_maintenance` while a running
 *   window covers it: an outage shows over the maintenance, whether said
 *   before the window started or during it; else `operational`.
 *
 * A status set by hand (the admin PATCH) is not restored: it holds until
 * the next of these moments, which settles the component by this rule (the
 * uptime still counts the time it held: components/hand-set.ts).
 */
export function settledStatus(db: Pick<Db, 'incidents' | 'maintenances'>, id: string, ending: Ending = {}): ComponentStatus {
  const windows = db.maintenances.filter((m) => m.id !== ending.maintenance && isActiveMaintenance(m) && m.components.includes(id));
  const said: ComponentStatus[] = windows.length ? ['under_maintenance'] : [];
  for (const incident of db.incidents) {
    // One that took the component off (named in error) holds it no more, whatever its earlier updates said.
    if (incident.id === ending.incident || !isOpenIncident(incident) || !incident.components.includes(id)) continue;
    const latest = latestSaid(incident, id);
    if (latest) said.push(latest);
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
