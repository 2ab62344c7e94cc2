import type { Component, Db, EventRecord, Update } from '../model.ts';

/**
 * The names of the components an incident or window names: a component deleted since keeps the name it had
 * then, from the audit of its deletion (what the page showed until then), or else the one an update
 * recorded (a name from before any rename). Its id is the admins' slug, shown only when neither knows it.
 */
export function eventComponentNames(db: Pick<Db, 'components' | 'audit'>, event: EventRecord): string[] {
  return event.components.map((id) => componentName(db, event, id));
}

/** The name one of an event's components goes by (see eventComponentNames). */
export function componentName(db: Pick<Db, 'components' | 'audit'>, event: EventRecord, id: string): string {
  const live = db.components.find((c) => c.id === id);
  if (live) return live.name;
  const kept = deletedRecord(db, id)?.name;
  return (
    (typeof kept === 'string' ? kept : undefined) ??
    (event.updates as Update[]).flatMap((u) => u.affected_components).find((c) => c.code === id)?.name ??
    id
  );
}

/** The component as it was when deleted: the audit keeps it (without its hand-set periods). */
export function deletedRecord(db: Pick<Db, 'audit'>, id: string): Partial<Component> | undefined {
  const deletion = db.audit.findLast((a) => a.action === 'component.delete' && a.target === id);
  const previous = deletion?.previous;
  return previous && typeof previous === 'object' ? (previous as Partial<Component>) : undefined;
}
