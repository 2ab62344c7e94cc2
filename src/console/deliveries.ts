import { findEvent, type Db } from '../domain/model.ts';
import type { Notify } from '../notify/service.ts';
import type { NoticeProgress } from '../store/mail/port.ts';
import { isSubscribedNote, type MailKind } from '../store/mail/model.ts';

const KIND_LABELS: Record<MailKind, string> = {
  confirm: 'Confirmation',
  disruption: 'Disruption notice',
  update: 'Update notice',
  restoration: 'Restoration notice',
  maintenance: 'Maintenance notice',
  postmortem: 'Post-incident report',
};

/**
 * What a message is, in the console's words. The outbox files a reminder under its maintenance's kind and the
 * already-subscribed note under `confirm` (its lane); the intent and the delivery id tell them apart.
 */
export function messageLabel(d: { kind: MailKind; intent: string; id?: string; sub?: string }): string {
  if (d.intent.endsWith(':reminder')) return 'Maintenance reminder';
  if (d.id !== undefined && d.sub !== undefined && isSubscribedNote({ id: d.id, sub: d.sub })) return 'Already subscribed (manage link)';
  return KIND_LABELS[d.kind];
}

/** One notice (an update that emails) with its delivery counts. */
export interface NoticeRow {
  intent: string;
  incidentId: string;
  incidentName: string;
  /** `reminder` for a maintenance reminder, else the notice's kind (as the admin API's dashboard says). */
  kind: string;
  /** What the notice is, in the console's words (messageLabel). */
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
    incidentName: findEvent(db, it.incident)?.name ?? it.incident,
    kind: it.key.endsWith(':reminder') ? 'reminder' : it.kind,
    label: messageLabel({ kind: it.kind, intent: it.key }),
    createdAt: it.created_at,
    fanoutDone: it.done,
    queued: it.queued,
    sent: it.sent,
    failed: it.failed,
  }));
}
