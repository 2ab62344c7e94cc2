import { findEvent, type Db } from '../domain/model.ts';
import type { Notify } from '../notify/service.ts';

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
export function noticeRows(notify: Notify, db: Db, limit: number): NoticeRow[] {
  const out: NoticeRow[] = [];
  const intents = [...notify.ledger.intents.values()];
  for (let i = intents.length - 1; i >= 0 && out.length < limit; i--) {
    const it = intents[i]!;
    const counts = notify.ledger.countsOf(it.key);
    out.push({
      intent: it.key,
      incidentId: it.incident,
      incidentName: findEvent(db, it.incident)?.name ?? it.incident,
      kind: it.key.endsWith(':reminder') ? 'reminder' : it.kind,
      createdAt: it.created_at,
      fanoutDone: it.done,
      ...counts,
    });
  }
  return out;
}
