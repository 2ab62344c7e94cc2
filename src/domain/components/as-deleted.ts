import type { Component, Db, EventRecord, Update } from '../model.ts';
import { worstComponentStatus } from '../status.ts';
import { componentName, deletedRecord } from './names.ts';

/**
 * A component an incident or window names, deleted since (with force): as the audit of its deletion kept it,
 * so the records that show an event's components (the v2 and admin JSON) keep it as the pages keep its name.
 * Its status is the one the event gave it (the worst its updates recorded), not what it showed when deleted:
 * a past outage's record names the outage. Undefined while the component exists.
 */
export function deletedComponent(db: Pick<Db, 'components' | 'groups' | 'audit'>, event: EventRecord, id: string): Component | undefined {
  if (db.components.some((c) => c.id === id)) return undefined;
  const kept = deletedRecord(db, id);
  const changes = (event.updates as Update[]).flatMap((u) => u.affected_components).filter((c) => c.code === id && !c.removed);
  const status = changes.length ? worstComponentStatus(changes.map((c) => c.new_status)) : (kept?.status ?? 'operational');
  return {
    id,
    name: componentName(db, event, id),
    description: kept?.description ?? null,
    // Its group only while that still stands: an id no group has would send a client looking for none.
    group: kept?.group && db.groups.some((g) => g.id === kept.group) ? kept.group : null,
    status,
    position: kept?.position ?? 0,
    created_at: kept?.created_at ?? event.created_at,
    updated_at: kept?.updated_at ?? event.updated_at,
  };
}
