import type { Component, Db, EventRecord, Update } from '../model.ts';

/**
 * The names of the components an incident or window names: a component deleted since keeps the name it had
 * then, from the audit of its deletion (what the page showed until then), or else the one an update
 * recorded (a name from before any rename). Its id is the admins' slug, shown only when neither knows it.
 */
export function eventComponentNames(db: Pick<Db, 'components' | 'groups' | 'audit'>, event: EventRecord): string[] {
  return componentNamer(db)(event);
}

/**
 * eventComponentNames for many events of one `db` (a static copy digests every settled page): the names shared
 * by two components are counted once, not once an event.
 */
export function componentNamer(db: Pick<Db, 'components' | 'groups' | 'audit'>): (event: EventRecord) => string[] {
  const shared = nameCounts(db.components);
  return (event) =>
    qualified(
      db,
      shared,
      event.components.map((id) => {
        const live = db.components.find((c) => c.id === id);
        // A live component's group is its own, null included: an earlier one deleted under that id had another.
        if (live) return { id, name: live.name, group: live.group };
        const kept = deletedRecord(db, id);
        const group = kept?.group ?? null;
        return { id, name: componentName(db, event, id), group, group_name: group ? deletedGroupName(db, kept!, group) : null };
      }),
    );
}

/**
 * What a component list needs of each: its id, the name it goes by, its group's id, and for a deleted one the
 * name its group had (the group goes with its last component, so its id may name no group any more).
 */
export type Named = Pick<Component, 'id' | 'name' | 'group'> & { group_name?: string | null };

/**
 * The names a customer reads for these components: a name another component shares (on the page, or in the
 * list; the same name in two groups is allowed) is qualified with its group as the console writes it
 * ("Money / Search"), so "Search and Search" cannot be; a name no other has stays as it is. The one place the
 * page, the email, the channels, the calendar and the templates take component names from.
 */
export function customerNames(db: Pick<Db, 'components' | 'groups'>, list: readonly Named[]): string[] {
  return qualified(db, nameCounts(db.components), list);
}

const nameKey = (name: string) => name.trim().toLowerCase();

/** The ids going by each name (its key) among `components`. */
function nameCounts(components: readonly Named[]): Map<string, Set<string>> {
  const ids = new Map<string, Set<string>>();
  for (const c of components) {
    const k = nameKey(c.name);
    if (!ids.has(k)) ids.set(k, new Set());
    ids.get(k)!.add(c.id);
  }
  return ids;
}

function qualified(db: Pick<Db, 'groups'>, shared: ReadonlyMap<string, ReadonlySet<string>>, list: readonly Named[]): string[] {
  // The list's own names count too (a deleted component beside a live one of its name), without changing `shared`.
  const inList = nameCounts(list);
  return list.map((c) => {
    const k = nameKey(c.name);
    const ids = new Set([...(shared.get(k) ?? []), ...(inList.get(k) ?? [])]);
    const group = ids.size > 1 ? (c.group_name ?? db.groups.find((g) => g.id === c.group)?.name) : undefined;
    return group ? `${group} / ${c.name}` : c.name;
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

/**
 * The name of the group a deleted component was in: the one its deletion kept; for a deletion recorded before
 * Herald kept it, the group's as it stands, else the last the audit knew for that group id. Undefined when
 * nothing knows it: the component then reads bare, as well as the data allows.
 */
function deletedGroupName(db: Pick<Db, 'groups' | 'audit'>, kept: Partial<Component>, group: string): string | undefined {
  const recorded = (kept as { group_name?: unknown }).group_name;
  // A deletion's group_name is the group's id when the group was already gone (manage.ts groupName): no name.
  if (typeof recorded === 'string' && recorded !== group) return recorded;
  return db.groups.find((g) => g.id === group)?.name ?? auditIndex(db.audit).groupNames.get(group);
}

/** The component as it was when deleted (its last deletion): the audit keeps it (without its hand-set periods). */
export function deletedRecord(db: Pick<Db, 'audit'>, id: string): Partial<Component> | undefined {
  return auditIndex(db.audit).deletions.get(id);
}

interface AuditIndex {
  /** Each component as its last deletion kept it, by id. */
  deletions: Map<string, Partial<Component>>;
  /** The last name the audit records for each group id (a group's edit, a component's record with its group_name). */
  groupNames: Map<string, string>;
}

/**
 * What the audit knows of deleted components and groups, read once per audit: asked for by every deleted component
 * of every event shown. The audit only grows (a draft's copy too), so its length says whether it was read to the end.
 */
function auditIndex(audit: Db['audit']): AuditIndex {
  const known = readAudits.get(audit);
  if (known?.length === audit.length) return known.index;
  const index: AuditIndex = { deletions: new Map(), groupNames: new Map() };
  for (const a of audit) {
    const previous = a.previous && typeof a.previous === 'object' ? (a.previous as Record<string, unknown>) : undefined;
    if (a.action === 'group.edit' && typeof previous?.name === 'string') index.groupNames.set(a.target, previous.name);
    if (a.action.startsWith('component.') && typeof previous?.group === 'string' && typeof previous.group_name === 'string') {
      if (previous.group_name !== previous.group) index.groupNames.set(previous.group, previous.group_name);
    }
    if (a.action !== 'component.delete') continue;
    if (previous) index.deletions.set(a.target, previous as Partial<Component>);
    else index.deletions.delete(a.target);
  }
  readAudits.set(audit, { length: audit.length, index });
  return index;
}
const readAudits = new WeakMap<Db['audit'], { length: number; index: AuditIndex }>();
