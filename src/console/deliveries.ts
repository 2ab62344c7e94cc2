import { findEvent, type Db } from '../domain/model.ts';
import type { Notify } from '../notify/service.ts';
import type { NoticeProgress } from '../store/mail/port.ts';

/** One notice (an update that emails) with its delivery counts. */
export interface NoticeRow {
  intent: string;
  incidentId: string;
  incidentName: string;
  kind: string;
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
    createdAt: it.created_at,
    fanoutDone: it.done,
    queued: it.queued,
    sent: it.sent,
    failed: it.failed,
  }));
}
