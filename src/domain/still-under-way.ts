import { type ComponentChange, type Db, type EventRecord, type Maintenance, statusTaken } from './model.ts';
import type { ComponentStatus } from './status.ts';

/**
 * What keeps "all services are operating normally" from being true when an incident is resolved at `at`:
 * another incident still open then, or a component set by hand to trouble then (an issue no incident tells
 * of), or a component the resolution left in trouble itself (`left`: the changes of the update at `at`, once it
 * is recorded); or else a maintenance window running then; or else a component set by hand under maintenance,
 * no window running (`hand`: it reads "Under maintenance", whichever incident ends, but no maintenance is
 * scheduled, so none is said to be under way). Null when nothing does. The restoration
 * email's closing and the resolved template's last sentence say so only when nothing does.
 */
export function stillUnderWay(
  db: Pick<Db, 'incidents' | 'maintenances' | 'components'>,
  incident: EventRecord,
  at: string,
  left: readonly ComponentChange[] = [],
): 'incident' | 'maintenance' | 'hand' | null {
  const t = Date.parse(at);
  const open = db.incidents.some(
    (i) => i.id !== incident.id && Date.parse(i.started_at) <= t && (i.resolved_at === null || Date.parse(i.resolved_at) > t),
  );
  const byHand = db.components.flatMap((c) => handSetAt(c, t));
  if (open || byHand.some((s) => s !== 'under_maintenance')) return 'incident';
  // Before maintenance: a closing that names a window, or a component under maintenance, would hide a service
  // the resolution itself left in trouble.
  if (left.some((c) => !['operational', 'under_maintenance'].includes(statusTaken(c)))) return 'incident';
  if (db.maintenances.some((m) => m.id !== incident.id && runningAt(m, t))) return 'maintenance';
  return byHand.length ? 'hand' : null;
}

/** The components set by hand under maintenance at `at`: what a restoration names when stillUnderWay says `hand`. */
export function underMaintenanceByHand(components: Db['components'], at: string): Db['components'] {
  return components.filter((c) => handSetAt(c, Date.parse(at)).includes('under_maintenance'));
}

/** The statuses a component held by hand at `t` (its hand-set periods: statuses other than operational). */
function handSetAt(c: Db['components'][number], t: number): ComponentStatus[] {
  return (c.hand_set ?? []).filter((p) => Date.parse(p.from) <= t && (p.to === null || Date.parse(p.to) > t)).map((p) => p.status);
}

/** Started (its first In progress update) and not yet completed or cancelled at `t`. */
function runningAt(m: Maintenance, t: number): boolean {
  const started = m.updates.find((u) => u.status === 'in_progress');
  if (!started || Date.parse(started.display_at) > t) return false;
  const ended = m.resolved_at ?? m.cancelled_at;
  return ended === null || Date.parse(ended) > t;
}
