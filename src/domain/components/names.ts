import type { Db, EventRecord, Update } from '../model.ts';

/** The names of the components an incident or window names, as it recorded them (a component deleted since keeps its name). */
export function eventComponentNames(db: Pick<Db, 'components'>, event: EventRecord): string[] {
  return event.components.map(
    (id) =>
      db.components.find((c) => c.id === id)?.name ??
      (event.updates as Update[]).flatMap((u) => u.affected_components).find((c) => c.code === id)?.name ??
      id,
  );
}
