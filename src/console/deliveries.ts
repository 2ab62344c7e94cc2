import { findEvent, type Db } from '../domain/model.ts';
import type { Notify } from '../notify/service.ts';
import type { NoticeProgress } from '../store/mail/port.ts';
import { isSubscribedNote, type Delivery, type MailKind } from '../store/mail/model.ts';
import { isReminderKey } from '../notify/intents.ts';
import { fanOutOver } from '../read/fan-out-over.ts';
import { withdrawnRecord } from '../domain/incidents/withdraw.ts';

const KIND_LABELS: Record<MailKind, string> = {
  confirm: 'Confirmation',
  disruption: 'Disruption notice',
  update: 'Update notice',
  restoration: 'Restoration notice',
  maintenance: 'Maintenance notice',
  postmortem: 'Postmortem',
};

/** What a notice is, in the console's words. A reminder is filed under its maintenance's kind: its key tells it apart. */
export const noticeLabel = (kind: MailKind, key: string): string => (isReminderKey(key) ? 'Maintenance reminder' : KIND_LABELS[kind]);

/** What a delivery is. The already-subscribed note travels as a `confirm` (the confirmations' lane): its id tells it apart. */
export const deliveryLabel = (d: Pick<Delivery, 'id' | 'sub' | 'intent' | 'kind'>): string =>
  d.kind === 'confirm' && isSubscribedNote(d) ? 'Already subscribed (manage link)' : noticeLabel(d.kind, d.intent);

/** One notice (an update that emails) with its delivery counts. */
export interface NoticeRow {
  intent: string;
  incidentId: string;
  /** Its name, marked "(withdrawn)" for one withdrawn since (its record keeps the name); its id if neither is known. */
  incidentName: string;
  /** `reminder` for a maintenance reminder, else the notice's kind: what the admin API's dashboard says (a test compares them). */
  kind: string;
  /** What the notice is, in the console's words (noticeLabel). */
  label: string;
  createdAt: string;
  fanoutDone: boolean;
  queued: number;
  sent: number;
  failed: number;
}

/** The outbox's notices, newest first, for the dashboard and the deliveries view. */
export async function noticeRows(notify: Notify, db: Db, limit: number): Promise<NoticeRow[]> {
  return toNoticeRows(await notify.outbox.notices(limit), db);
}

export function toNoticeRows(notices: NoticeProgress[], db: Db): NoticeRow[] {
  return notices.map((it) => ({
    intent: it.key,
    incidentId: it.incident,
    incidentName: noticeIncidentName(db, it.incident),
    kind: isReminderKey(it.key) ? 'reminder' : it.kind,
    label: noticeLabel(it.kind, it.key),
    createdAt: it.created_at,
    fanoutDone: fanOutOver(it, db),
    queued: it.queued,
    sent: it.sent,
    failed: it.failed,
  }));
}

/** What the console calls a notice's incident: its name, or a withdrawn one's name marked so. */
export function noticeIncidentName(db: Db, id: string): string {
  const name = findEvent(db, id)?.name;
  if (name !== undefined) return name;
  const gone = withdrawnRecord(db, id);
  return gone ? `${gone.name} (withdrawn)` : id;
}
