import { allEvents, type Db, type EventRecord } from '../domain/model.ts';
import type { ComponentStatus } from '../domain/status.ts';
import { statusTaken } from '../domain/model.ts';
import { afterTheFact } from '../domain/incidents/lifecycle.ts';
import { asOf } from '../domain/event-as-of.ts';
import { auditFacts } from './audit-facts.ts';

/** A status a component took at `at`; of two at one instant, the higher `rank` was set last (see below). */
interface Took {
  at: number;
  rank: number;
  status: ComponentStatus;
}

/**
 * Each component's status as it stood at `at` (an update's created_at), for a message delivered late: the last
 * it took by then, by an update of any incident or window (its affected_components), by a withdrawal (the
 * audit's record of what it settled) or by hand (its hand_set periods, and the audit's record of each status
 * set by hand since it kept the new one). A hand-set period's end
 * is a return to operational unless an update or another period took it elsewhere at that instant (only statuses
 * other than operational are kept as periods). With no change known by then, the status its first later change
 * started from; with none at all, the status it has now.
 */
export function componentStatusesAt(
  db: Pick<Db, 'components' | 'incidents' | 'maintenances' | 'audit'>,
  at: string,
): Map<string, ComponentStatus> {
  const cutoff = Date.parse(at);
  const before = new Map<string, Took>();
  const after = new Map<string, Took>();
  const note = (id: string, took: Took) => {
    if (took.at <= cutoff) {
      const seen = before.get(id);
      if (!seen || took.at > seen.at || (took.at === seen.at && took.rank >= seen.rank)) before.set(id, took);
    } else {
      const seen = after.get(id);
      if (!seen || took.at < seen.at) after.set(id, took);
    }
  };
  for (const e of allEvents(db)) {
    for (const u of e.updates) {
      // A backfill's statuses are its history only: they never were the components' live ones.
      if (afterTheFact(e, u)) continue;
      const when = Date.parse(u.created_at);
      for (const c of u.affected_components) {
        // After `at`, what counts is the status it started from: the one it had until then.
        note(c.code, { at: when, rank: 1, status: when <= cutoff ? statusTaken(c) : c.old_status });
      }
    }
  }
  for (const c of db.components) {
    for (const p of c.hand_set ?? []) {
      // A period begun later started from operational as far as is kept (a status before it by an update is
      // noted by that update): the component's status now would be the period's, after the message.
      const from = Date.parse(p.from);
      note(c.id, { at: from, rank: 1, status: from <= cutoff ? p.status : 'operational' });
      if (p.to !== null && Date.parse(p.to) <= cutoff) note(c.id, { at: Date.parse(p.to), rank: 0, status: 'operational' });
    }
  }
  const facts = auditFacts(db.audit);
  // What a withdrawal settled its components to (the incident and its updates are gone): a status that only the
  // withdrawn incident held is not told as holding after it. Before `at` only: the audit keeps no status before.
  for (const [id, changes] of facts.withdrawn) {
    for (const change of changes) if (Date.parse(change.at) <= cutoff) note(id, { at: Date.parse(change.at), rank: 1, status: change.to });
  }
  // Every status set by hand, a return to operational among them, as the audit recorded it (since it records
  // the new status): an update's status that a hand-set operational ended is not told as holding after it.
  for (const [id, changes] of facts.handSet) {
    for (const change of changes) {
      const when = Date.parse(change.at);
      note(id, { at: when, rank: 1, status: when <= cutoff ? change.to : change.from });
    }
  }
  return new Map(db.components.map((c) => [c.id, (before.get(c.id) ?? after.get(c.id))?.status ?? c.status]));
}

/**
 * What the page's overall status is computed from, as it stood at `at`: the components that existed then at
 * their statuses then, and each incident and window as its last update by then left it (those with none by
 * then left out).
 */
export function pageAsOf(db: Db, at: string): Pick<Db, 'components' | 'incidents' | 'maintenances'> {
  const cutoff = Date.parse(at);
  const statuses = componentStatusesAt(db, at);
  const then = <E extends EventRecord>(events: readonly E[]): E[] =>
    events.flatMap((e) => {
      const last = e.updates.findLast((u) => Date.parse(u.created_at) <= cutoff);
      return last ? [asOf(e, last, db.settings)] : [];
    });
  return {
    components: db.components.filter((c) => Date.parse(c.created_at) <= cutoff).map((c) => ({ ...c, status: statuses.get(c.id)! })),
    incidents: then(db.incidents),
    maintenances: then(db.maintenances),
  };
}
