import type { VerbContext } from '../context.ts';
import type { ComponentChange, EventRecord, Incident } from '../model.ts';
import type { ComponentStatus, IncidentStatus } from '../status.ts';
import { Conflict, Invalid, NotFound } from '../errors.ts';
import { isResolvedStatus, worstComponentStatus } from '../status.ts';
import { heldUnderMaintenance, settledStatus } from '../components/settle.ts';
import { moveComponentStatus } from '../components/hand-set.ts';
import { statusesAt } from '../components/status-at.ts';
import { unknownComponent } from '../components/unknown.ts';

/**
 * Incident status rules.
 *
 * - An open incident (investigating, identified, monitoring) may move to any
 *   of those statuses or to resolved. Moving back (monitoring → identified)
 *   is allowed: fixes do not always hold, and the page must say so.
 * - A resolved incident stays resolved. It accepts only `resolved` updates
 *   (a follow-up note, e.g. "we have confirmed the root cause") that change
 *   no component and not the severity (appendUpdate refuses that). Reopening is refused: if the problem returns, declare a new
 *   incident, so history and uptime keep one start and one end per incident.
 * - `postmortem` is never posted as an update; publishing a postmortem sets it.
 */
export const UPDATE_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;

export function assertTransition(incident: Incident, next: IncidentStatus, changesComponents: boolean): void {
  if (!(UPDATE_STATUSES as readonly string[]).includes(next)) {
    throw new Invalid(`An update's status must be one of ${UPDATE_STATUSES.join(', ')}.`, 'status');
  }
  if (!isResolvedStatus(incident.status)) return;
  if (next !== 'resolved') {
    throw new Conflict(
      `${incident.id} is resolved and cannot be reopened; declare a new incident if the problem is back.`,
      'incident_resolved',
      'status',
    );
  }
  if (changesComponents) {
    throw new Conflict(`${incident.id} is resolved; a follow-up note cannot change component statuses.`, 'incident_resolved', 'components');
  }
}

/** The incident of that id; `field` names where the id was given (a path's `id`, a body's `incident_id`). */
export function findIncident(ctx: Pick<VerbContext, 'db'>, id: string, field = 'id'): Incident {
  const incident = ctx.db.incidents.find((i) => i.id === id);
  if (incident) return incident;
  if (ctx.db.maintenances.some((m) => m.id === id)) {
    throw new Conflict(`${id} is a scheduled maintenance; use the maintenance endpoints.`, 'wrong_kind', field);
  }
  throw new NotFound(`No incident with id "${id}".`, field);
}

/**
 * Applies `{ componentId: newStatus }` to the components, records each change
 * with its old status, and adds the components to the incident. Unknown ids
 * are rejected before anything changes. With `live: false` the changes are
 * recorded only (an incident that was over before it was written down).
 *
 * An incident's or a window's word never eases what the others still say:
 * the component takes the worst of this word and what settles it without
 * this incident or window (components/settle.ts: the open incidents' latest
 * words, a running window's maintenance), so a minor incident declared beside
 * an outage does not show the outage as degraded, nor its "operational" as
 * over, and a window starting does not hide an open outage. The change
 * records the word (`new_status`: its own, which settles the component when
 * the others end) and, where it differs, the status taken (`shown`).
 *
 * `from` is when the changes hold from (heldFrom: a backfill's start). For a
 * record of the past (`live` false) its `old_status` is the component's status
 * then (components/status-at.ts), not the one it has now: another incident or a
 * hand may have moved it since. A live change, backdated or not, records the
 * status it changes now.
 */
export function applyComponentChanges(
  ctx: VerbContext,
  incident: EventRecord,
  changes: Record<string, ComponentStatus>,
  live = true,
  from?: string,
): ComponentChange[] {
  for (const id of Object.keys(changes)) {
    if (!ctx.db.components.some((c) => c.id === id)) {
      throw new Invalid(unknownComponent(ctx.db, id), `components.${id}`, 'unknown_component');
    }
  }
  const recorded: ComponentChange[] = [];
  const now = ctx.now.toISOString();
  // Only for a record of the past (a backfill, `live` false): a live change's old_status is what it changes now,
  // which the war rooms' component messages and v2's affected_components read to tell whether anything changed.
  const then = !live && from !== undefined && Date.parse(from) < ctx.now.getTime() ? statusesAt(ctx.db, from, ctx.now) : null;
  for (const [id, status] of Object.entries(changes)) {
    const component = ctx.db.components.find((c) => c.id === id)!;
    if (!incident.components.includes(id)) incident.components.push(id);
    const ending = incident.kind === 'incident' ? { incident: incident.id } : { maintenance: incident.id };
    const shown = live ? worstComponentStatus([status, settledStatus(ctx.db, id, ending)]) : status;
    recorded.push({
      code: id,
      name: component.name,
      old_status: then ? then(id) : component.status,
      new_status: status,
      ...(shown === status ? {} : { shown }),
    });
    if (live) moveComponentStatus(ctx.db, component, shown, now);
  }
  return recorded;
}

// Moved to its own module (the uptime reads it, without the lifecycle's imports); kept here for its callers.
export { afterTheFact } from './after-the-fact.ts';

/**
 * On resolution, components this incident left degraded settle by the one
 * rule (components/settle.ts): the worst of what the other open incidents
 * give them now and maintenance while a running window covers them, else
 * operational; unless the resolving update set them explicitly or took
 * them off (`takenOff`: take-off.ts gives those back by the same rule). One
 * already operational is not this incident's to change, nor one a running
 * window or a hand holds under maintenance; one under maintenance by an
 * incident's word alone settles, as that word is over.
 */
export function restoreOnResolve(
  ctx: VerbContext,
  incident: Incident,
  explicit: Record<string, ComponentStatus>,
  takenOff: readonly string[] = [],
): Record<string, ComponentStatus> {
  const restore: Record<string, ComponentStatus> = { ...explicit };
  for (const id of incident.components) {
    if (Object.hasOwn(explicit, id) || takenOff.includes(id)) continue; // not `in`: a component may be called "constructor"
    const settled = givenBack(ctx, incident, id);
    if (settled !== null) restore[id] = settled;
  }
  return restore;
}

/**
 * The status a component returns to when this incident lets go of it (its resolution, or the component
 * taken off it), by the rule restoreOnResolve describes; null when it stays as it is.
 */
export function givenBack(ctx: Pick<VerbContext, 'db'>, incident: Pick<Incident, 'id'>, id: string): ComponentStatus | null {
  const component = ctx.db.components.find((c) => c.id === id);
  if (!component || component.status === 'operational') return null;
  const maintenance = component.status === 'under_maintenance';
  if (maintenance && heldUnderMaintenance(ctx.db, component)) return null;
  const settled = settledStatus(ctx.db, id, { incident: incident.id });
  // A resolve never turns a component worse than it shows now: another open incident's older word (a
  // major outage a later update eased) is for that incident's next update to say, not for this one's end.
  // Maintenance an incident declared (this one, or one resolved before) is no health to keep: it settles.
  if (settled !== component.status && (maintenance || worstComponentStatus([settled, component.status]) === component.status)) {
    return settled;
  }
  return null;
}
