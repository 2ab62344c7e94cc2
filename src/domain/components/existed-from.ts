import { allEvents, type Component, type Db, type Update } from '../model.ts';
import { heldFrom } from '../incidents/after-the-fact.ts';

/**
 * When each component was first named by an incident or a window, by component id: it existed then. Named by
 * an update, from that update's time (a component added to a long incident did not exist at its start);
 * named by none (older data), from the event's start. A naming a later update took back (`removed`: "not
 * affected, named in error") does not count, as the uptime counts nothing of it: a component made today and
 * named in error on an incident backfilled to last month did not exist last month, and its bar must not
 * show that month as clean uptime. Named again after, it counts from then.
 */
export function firstNamed(db: Pick<Db, 'incidents' | 'maintenances'>): Map<string, number> {
  const out = new Map<string, number>();
  const seen = (id: string, at: number) => {
    if (at < (out.get(id) ?? Number.POSITIVE_INFINITY)) out.set(id, at);
  };
  for (const e of allEvents(db)) {
    const byUpdate = new Set<string>();
    // The first naming of each component since it was last taken off, in the order the updates were made.
    const standing = new Map<string, number>();
    for (const u of e.updates as Update[]) {
      for (const c of u.affected_components) {
        byUpdate.add(c.code);
        if (c.removed) standing.delete(c.code);
        // A backfill's one update, dated at its end, names its components from the incident's start.
        else if (!standing.has(c.code)) standing.set(c.code, Date.parse(heldFrom(e, u)));
      }
    }
    for (const [id, at] of standing) seen(id, at);
    for (const id of e.components) if (!byUpdate.has(id)) seen(id, Date.parse(e.started_at));
  }
  return out;
}

/**
 * When a component existed from: its creation, or the start of the earliest incident or window naming it
 * when one was backfilled from before (`named`: firstNamed). The uptime bars' first day, and the v2 API's
 * `start_date`.
 */
export const existedFrom = (c: Pick<Component, 'id' | 'created_at'>, named: ReadonlyMap<string, number>): number =>
  Math.min(Date.parse(c.created_at), named.get(c.id) ?? Number.POSITIVE_INFINITY);
