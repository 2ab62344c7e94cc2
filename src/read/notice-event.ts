import { type Db, findEvent } from '../domain/model.ts';
import { withdrawnRecord } from '../domain/incidents/withdraw.ts';

/**
 * What a notice's lists (GET /api/admin/deliveries and /dashboard) say of its incident or window: its name,
 * and whether it was withdrawn. A withdrawn incident's record keeps its name, so its notices are still named;
 * null only for an id the data never held.
 */
export function noticeEvent(db: Db, id: string): { incident_name: string | null; incident_withdrawn: boolean } {
  const event = findEvent(db, id);
  const gone = event ? undefined : withdrawnRecord(db, id);
  return { incident_name: event?.name ?? gone?.name ?? null, incident_withdrawn: gone !== undefined };
}
