import type { Db, EventRecord, Update } from '../model.ts';

/**
 * The names of the components an incident or window names: a component deleted since keeps the name it had
 * then, from the audit of its deletion (what the page showed until then), or else the one an update
 * recorded (a name from before any rename). Its id is the admins' slug, shown only when neither knows it.
 */
export function eventComponentNames(db: Pick<Db, 'components' | 'audit'>, event: EventRecord): string[] {
  return event.components.map(
    (id) =>
      db.components.find((c) => c.id === id)?.name ??
      deletedName(db, id) ??
      (event.updates as Update[]).flatMap((u) => u.affected_components).find((c) => c.code === id)?.name ??
      id,
  );
}

/** The name a component had when it was deleted (the audit keeps the record as it was). */
function deletedName(db: Pick<Db, 'audit'>, id: string): string | undefined {
  const deletion = db.audit.findLast((a) => a.action === 'component.delete' && a.target === id);
  const name = (deletion?.previous as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : undefined;
}
