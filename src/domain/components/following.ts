import type { ComponentChange, Db } from '../model.ts';
import { customerNames } from './names.ts';

/**
 * What a subscriber or a channel that chose components follows, one rule for
 * both (empty = everything). Choices are ids, kept as they were chosen: a
 * component deleted since is left out when read, and one whose every choice
 * was deleted follows everything, like one who chose nothing, because a
 * missed outage notice is worse than one too many. Nothing stored is
 * rewritten (subscribers live in a store of their own), so a component
 * re-created with the same id counts again. PostgreSQL says the same in SQL
 * (store/mail/pg-subscribers.ts, wantsMailSql).
 */

/** The ids of the components that exist. */
export const existingIds = (db: Pick<Db, 'components'>): Set<string> => new Set(db.components.map((c) => c.id));

/** The chosen components that still exist (empty: everything). */
export function effectiveComponents(chosen: readonly string[], db: Pick<Db, 'components'>): string[] {
  const existing = existingIds(db);
  return chosen.filter((c) => existing.has(c));
}

/** Whether a choice named components and every one of them was deleted since: it now takes in everything (follows). */
export const allRemoved = (chosen: readonly string[], db: Pick<Db, 'components'>): boolean =>
  chosen.length > 0 && effectiveComponents(chosen, db).length === 0;

/** The names of the chosen components that still exist, in the order chosen (empty: everything). */
export function followedNames(chosen: readonly string[], db: Pick<Db, 'components' | 'groups'>): string[] {
  return customerNames(
    db,
    chosen.flatMap((id) => db.components.find((c) => c.id === id) ?? []),
  );
}

/**
 * Whether a choice of components takes in a notice about `about`: a notice
 * naming no component concerns everyone; one about a chosen component reaches
 * it even once that component is deleted (the postmortem of a past incident).
 */
export function follows(chosen: readonly string[], about: readonly string[], existing: ReadonlySet<string>): boolean {
  if (about.length === 0 || chosen.some((c) => about.includes(c))) return true;
  return !chosen.some((c) => existing.has(c));
}

type Recorded = { components: readonly string[]; updates: ReadonlyArray<{ affected_components: readonly ComponentChange[] }> };

/**
 * The components an incident named as each of its updates left it, in one walk (oldest first): each update
 * records the components it named or took off. One the incident names that no update records (an import's)
 * counts throughout. `reach`: those and the ones taken off so far, whom its notices still reach (noticeComponents);
 * empty (everyone) from an update that left it naming none, having taken none off: it concerned everyone then,
 * and everyone was told, so a component named later does not narrow who hears the rest.
 */
export function componentsAlong(incident: Recorded): Array<{ named: string[]; reach: string[] }> {
  const recorded = new Set(incident.updates.flatMap((u) => u.affected_components.map((c) => c.code)));
  const unrecorded = incident.components.filter((id) => !recorded.has(id));
  const named: string[] = [];
  const takenOff: string[] = [];
  let everyone = false;
  return incident.updates.map((u) => {
    for (const change of u.affected_components) {
      const at = named.indexOf(change.code);
      if (change.removed) {
        if (at >= 0) named.splice(at, 1);
        if (!takenOff.includes(change.code)) takenOff.push(change.code);
      } else if (at < 0) named.push(change.code);
    }
    const now = [...named, ...unrecorded.filter((id) => !named.includes(id))];
    if (now.length === 0 && takenOff.length === 0) everyone = true;
    return { named: now, reach: everyone ? [] : [...now, ...takenOff.filter((id) => !now.includes(id))] };
  });
}

/** The components an incident named as its updates up to one left it (`upTo`: those updates, oldest first), by componentsAlong. */
export function componentsAsOf(incident: Recorded, upTo: ReadonlyArray<unknown>): string[] {
  return componentsAlong(incident)[upTo.length - 1]?.named ?? [];
}

/**
 * The components an incident's (or window's) notices reach: those it names now and those taken off it
 * (an update's change with `removed: true`). A component named in error and taken off leaves the
 * incident's text, but not the audience of its later notices: its followers, told it started (and
 * channels scoped to it, given its posts), are told the rest, the removing update and the restoration
 * among them, so they are not left with an incident that never ends. For the same reason an incident that
 * named no component at first (it concerned everyone, and everyone heard of it) reaches everyone to its end,
 * whatever it names later (componentsAlong): empty, as for one that names none.
 */
export function noticeComponents(event: Recorded & { kind?: 'incident' | 'maintenance' }): string[] {
  // A window's first update (its schedule) records no component: a window's components are its own throughout.
  if (event.kind !== 'maintenance' && componentsAlong(event).some((step) => step.reach.length === 0)) return [];
  const out = [...event.components];
  for (const u of event.updates) for (const c of u.affected_components) if (c.removed && !out.includes(c.code)) out.push(c.code);
  return out;
}
