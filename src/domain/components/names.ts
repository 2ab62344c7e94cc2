import type { Db, EventRecord, Update } from '../model.ts';

/**
 * The names of the components an incident or window names, as it recorded them: a component deleted
 * since keeps its name, from an update that changed it or else from the audit of its deletion (a
 * cancelled window never changed its components). Its id is the admins' slug, shown only when neither knows it.
 */
export function eventComponentNames(db: Pick<Db, 'components' | 'audit'>, event: EventRecord): string[] {
  return event.components.map(
    (id) =>
      db.components.find((c) => c.id === id)?.name ??
      (event.updates as Update[]).flatMap((u) => u.affected_components).find((c) => c.code === id)?.name ??
      deletedName(db, id) ??
      id,
  );
}

/** The name a component had when it was deleted (the audit keeps the record as it was). */
function deletedName(db: Pick<Db, 'audit'>, id: string): string | undefined {
  const deletion = db.audit.findLast((a) => a.action === 'component.delete' && a.target === id);
  const name = (deletion?.previous as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : undefined;
}
