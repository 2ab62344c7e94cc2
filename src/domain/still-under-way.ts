import type { Db, EventRecord, Maintenance } from './model.ts';

/**
 * What keeps "all services are operating normally" from being true when an incident is resolved at `at`:
 * another incident still open then, or else a maintenance window running then (its components read "Under
 * maintenance", whichever incident ends). Null when nothing does. The restoration email's closing and the
 * resolved template's last sentence say so only when nothing does.
 */
export function stillUnderWay(
  db: Pick<Db, 'incidents' | 'maintenances'>,
  incident: EventRecord,
  at: string,
): 'incident' | 'maintenance' | null {
  const t = Date.parse(at);
  const open = db.incidents.some(
    (i) => i.id !== incident.id && Date.parse(i.started_at) <= t && (i.resolved_at === null || Date.parse(i.resolved_at) > t),
  );
  if (open) return 'incident';
  return db.maintenances.some((m) => m.id !== incident.id && runningAt(m, t)) ? 'maintenance' : null;
}

/** Started (its first In progress update) and not yet completed or cancelled at `t`. */
function runningAt(m: Maintenance, t: number): boolean {
  const started = m.updates.find((u) => u.status === 'in_progress');
  if (!started || Date.parse(started.display_at) > t) return false;
  const ended = m.resolved_at ?? m.cancelled_at;
  return ended === null || Date.parse(ended) > t;
}
