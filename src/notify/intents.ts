import type { Db, EventRecord, Update } from '../domain/model.ts';
import type { NoticeKind } from '../store/mail/model.ts';

/**
 * Which notices exist in the data, and who wants them: pure functions over
 * the data file and a subscriber. The durable intent to notify is the update
 * itself (`notify: true`, decided by domain/policy.ts shouldNotify when the
 * update was saved), a disruption notice owed late (`late_notice_at`, for
 * levels that email only once an incident lasts), a postmortem published with
 * `notify`, or a maintenance whose reminder is due (`reminded_at`).
 */
export interface NoticeIntent {
  /**
   * The update id, or `<incident id>:disruption` (late), `<incident id>:postmortem`,
   * `<maintenance id>:reminder:<when it fell due>` (reminderKey).
   */
  key: string;
  /**
   * A reminder's key before it named its start (`<maintenance id>:reminder`): an outbox that fanned that
   * key out at or after this reminder fell due already sent this reminder under it (see reminderCoveredBy).
   */
  legacyKey?: string;
  incident: EventRecord;
  update: Update;
  kind: NoticeKind;
  /** When the intent arose: older than the outbox itself means history, not news. */
  at: string;
}

/**
 * The kind of notice an update makes: the resolving one is the restoration;
 * a note after it is an update (a follow-up); before it, the first that
 * subscribers hear of is the disruption (the incident's first update, or a
 * later one the Comms Lead chose to email); the rest are updates.
 */
export function noticeKind(incident: EventRecord, update: Update): NoticeKind {
  if (incident.kind === 'maintenance') return 'maintenance';
  const firstResolved = incident.updates.find((u) => u.status === 'resolved');
  if (firstResolved?.id === update.id) return 'restoration';
  // Updates are kept in the order they were posted.
  const index = incident.updates.findIndex((u) => u.id === update.id);
  // After the resolution, a follow-up note, even when nobody was emailed before: a disruption notice
  // would say the issue is being worked on.
  if (firstResolved && index > incident.updates.indexOf(firstResolved)) return 'update';
  const heardBefore =
    incident.updates.slice(0, Math.max(0, index)).some((u) => u.notify) ||
    (incident.late_notice_at !== null && incident.late_notice_at <= update.created_at);
  return heardBefore ? 'update' : 'disruption';
}

/** Every notice intent the data tells of, by its key and by its legacy key where it has one. */
export function intentsByKey(db: Db): Map<string, NoticeIntent> {
  const byKey = new Map<string, NoticeIntent>();
  for (const i of noticeIntents(db)) {
    // A reminder queued under its legacy key (before each reminder had a key of its own) is still this reminder.
    if (i.legacyKey && !byKey.has(i.legacyKey)) byKey.set(i.legacyKey, i);
    byKey.set(i.key, i);
  }
  return byKey;
}

/**
 * Whether a delivery of `intent` can still be sent: a confirmation always, a notice while the data tells of it
 * (`byKey`, intentsByKey's). One of an incident withdrawn since is "incident or update no longer exists" to the
 * sender (compose.ts), so a retry would only fail again.
 */
export function stillSendable(byKey: ReadonlyMap<string, NoticeIntent>, intent: string): boolean {
  return intent === 'confirm' || byKey.has(intent);
}

/** Every notice intent in the data, oldest first. */
export function noticeIntents(db: Db): NoticeIntent[] {
  const out: NoticeIntent[] = [];
  const fromUpdates = (e: EventRecord) => {
    for (const update of e.updates as Update[]) {
      if (update.notify) out.push({ key: update.id, incident: e, update, kind: noticeKind(e, update), at: update.created_at });
    }
  };
  for (const incident of db.incidents) {
    fromUpdates(incident);
    if (incident.late_notice_at) {
      // The incident as it stood when the notice fell due: its latest update then.
      const then = incident.updates.filter((u) => u.created_at <= incident.late_notice_at!).at(-1) ?? incident.updates[0];
      if (then) out.push({ key: lateNoticeKey(incident.id), incident, update: then, kind: 'disruption', at: incident.late_notice_at });
    }
    const pm = incident.postmortem;
    const last = incident.updates.at(-1);
    if (pm?.notify && pm.published_at && last) {
      out.push({ key: postmortemKey(incident.id), incident, update: last, kind: 'postmortem', at: pm.published_at });
    }
  }
  for (const m of db.maintenances) {
    fromUpdates(m);
    const last = m.updates.at(-1);
    // Only while the window is still to come: once it has started, ended or been cancelled, a reminder that
    // had not gone out (an outbox upgraded with one behind it) would remind of the past.
    if (m.reminded_at && last && m.status === 'scheduled')
      out.push({
        key: reminderKey(m.id, m.reminded_at),
        legacyKey: `${m.id}:reminder`,
        incident: m,
        update: last,
        kind: 'maintenance',
        at: m.reminded_at,
      });
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

/**
 * One reminder per arming: a move of the start re-arms the reminder (reminded_at cleared), and the next one
 * must be a notice of its own, not the one the outbox already finished, even when the start moves back to
 * where it was. So the key names when the reminder fell due. Compact (20261204T090000Z) so the delivery id
 * and Message-ID stay plain.
 */
export const reminderKey = (maintenanceId: string, remindedAt: string) =>
  `${maintenanceId}:reminder:${new Date(remindedAt)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '')}`;
/** A reminder's key, as now or as keyed before each reminder had a key of its own (`<id>:reminder`). */
export const isReminderKey = (key: string): boolean => /:reminder(:[0-9TZ]+)?$/.test(key);

/**
 * Whether a reminder was already fanned out under its legacy key: an intent of that key made at or after
 * the reminder fell due was made for it (one made before was an earlier reminder, before a move), so an
 * outbox upgraded with reminders behind it does not send them again.
 */
export const reminderCoveredBy = (notice: NoticeIntent, legacy: { created_at: string } | undefined): boolean =>
  legacy !== undefined && legacy.created_at >= notice.at;
export const lateNoticeKey = (incidentId: string) => `${incidentId}:disruption`;
export const postmortemKey = (incidentId: string) => `${incidentId}:postmortem`;

/** The message every notice of an incident replies to, so that one incident is one thread. */
export function threadRootKey(incident: EventRecord): string {
  // The first notice subscribers got: the earliest emailed update, late notice or reminder.
  const firsts: Array<{ key: string; at: string }> = [];
  const emailed = (incident.updates as Update[]).find((u) => u.notify);
  if (emailed) firsts.push({ key: emailed.id, at: emailed.created_at });
  if (incident.kind === 'maintenance' && incident.reminded_at)
    firsts.push({ key: reminderKey(incident.id, incident.reminded_at), at: incident.reminded_at });
  if (incident.kind === 'incident' && incident.late_notice_at)
    firsts.push({ key: lateNoticeKey(incident.id), at: incident.late_notice_at });
  firsts.sort((a, b) => a.at.localeCompare(b.at));
  return firsts[0]?.key ?? incident.updates[0]?.id ?? incident.id;
}
