import type { Db, EventRecord, Update } from '../domain/model.ts';
import type { NoticeKind, Subscriber } from './model.ts';

/**
 * Which notices exist in the data, and who wants them: pure functions over
 * the data file and a subscriber. The durable intent to notify is the update
 * itself (`notify: true`, decided by domain/policy.ts shouldNotify when the
 * update was saved), or a maintenance whose reminder is due (`reminded_at`).
 */
export interface NoticeIntent {
  /** The update id, or `<maintenance id>:reminder`. */
  key: string;
  incident: EventRecord;
  update: Update;
  kind: NoticeKind;
  /** When the intent arose: older than the outbox itself means history, not news. */
  at: string;
}

/** The kind of notice an update makes: the first is the disruption, the resolving one the restoration. */
export function noticeKind(incident: EventRecord, update: Update): NoticeKind {
  if (incident.kind === 'maintenance') return 'maintenance';
  if (incident.updates[0]?.id === update.id) return 'disruption';
  const firstResolved = incident.updates.find((u) => u.status === 'resolved');
  if (firstResolved?.id === update.id) return 'restoration';
  return 'update';
}

/** Every notice intent in the data, oldest first. */
export function noticeIntents(db: Db): NoticeIntent[] {
  const out: NoticeIntent[] = [];
  const fromUpdates = (e: EventRecord) => {
    for (const update of e.updates as Update[]) {
      if (update.notify) out.push({ key: update.id, incident: e, update, kind: noticeKind(e, update), at: update.created_at });
    }
  };
  for (const incident of db.incidents) fromUpdates(incident);
  for (const m of db.maintenances) {
    fromUpdates(m);
    const last = m.updates.at(-1);
    if (m.reminded_at && last) out.push({ key: reminderKey(m.id), incident: m, update: last, kind: 'maintenance', at: m.reminded_at });
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

export const reminderKey = (maintenanceId: string) => `${maintenanceId}:reminder`;

/** The message every notice of an incident replies to, so that one incident is one thread. */
export function threadRootKey(incident: EventRecord): string {
  return incident.kind === 'maintenance' && incident.reminded_at && !incident.updates[0]?.notify
    ? reminderKey(incident.id)
    : (incident.updates[0]?.id ?? incident.id);
}

/**
 * Whether a subscriber receives a notice about these components: confirmed,
 * not bounced, and subscribed to everything or to one of them. A notice that
 * names no component concerns everyone.
 */
export function wants(s: Subscriber, componentIds: readonly string[]): boolean {
  if (s.state !== 'confirmed' || s.suppressed !== null) return false;
  if (s.components.length === 0 || componentIds.length === 0) return true;
  return s.components.some((c) => componentIds.includes(c));
}
