import type { Component, Db, EventRecord, Update } from '../model.ts';

/**
 * The names of the components an incident or window names: a component deleted since keeps the name it had
 * then, from the audit of its deletion (what the page showed until then), or else the one an update
 * recorded (a name from before any rename). Its id is the admins' slug, shown only when neither knows it.
 */
export function eventComponentNames(db: Pick<Db, 'components' | 'groups' | 'audit'>, event: EventRecord): string[] {
  return customerNames(
    db,
    event.components.map((id) => ({
      id,
      name: componentName(db, event, id),
      group: db.components.find((c) => c.id === id)?.group ?? deletedRecord(db, id)?.group ?? null,
    })),
  );
}

/** What a component list needs of each: its id, the name it goes by, its group's id. */
export type Named = Pick<Component, 'id' | 'name' | 'group'>;

/**
 * The names a customer reads for these components: a name another component shares (on the page, or in the
 * list; the same name in two groups is allowed) is qualified with its group as the console writes it
 * ("Money / Search"), so "Search and Search" cannot be; a name no other has stays as it is. The one place the
 * page, the email, the channels, the calendar and the templates take component names from.
 */
export function customerNames(db: Pick<Db, 'components' | 'groups'>, list: readonly Named[]): string[] {
  const key = (name: string) => name.trim().toLowerCase();
  const ids = new Map<string, Set<string>>();
  for (const c of [...db.components, ...list]) {
    const k = key(c.name);
    if (!ids.has(k)) ids.set(k, new Set());
    ids.get(k)!.add(c.id);
  }
  return list.map((c) => {
    const group = ids.get(key(c.name))!.size > 1 ? db.groups.find((g) => g.id === c.group) : undefined;
    return group ? `${group.name} / ${c.name}` : c.name;
  });
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
