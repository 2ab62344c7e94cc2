/** Rows of the outbox's tables as `pg` returns them, and the records they are. */
import type { Delivery, DeliveryState, Intent, MailKind, NoticeKind } from './model.ts';

export interface DeliveryRow {
  id: string;
  sub: string;
  intent: string;
  kind: MailKind;
  state: DeliveryState;
  attempts: number;
  last_error: string | null;
  next_at: string | null;
  created_at: Date;
  sent_at: Date | null;
  last_attempt_at: Date | null;
}

export const DELIVERY_COLUMNS = 'id, sub, intent, kind, state, attempts, last_error, next_at, created_at, sent_at, last_attempt_at';

export const deliveryOf = (r: DeliveryRow): Delivery => ({
  t: 'd',
  id: r.id,
  sub: r.sub,
  intent: r.intent,
  kind: r.kind,
  state: r.state,
  attempts: r.attempts,
  last_error: r.last_error,
  next_at: r.next_at === null ? null : Number(r.next_at),
  created_at: r.created_at.toISOString(),
  sent_at: r.sent_at ? r.sent_at.toISOString() : null,
  last_attempt_at: r.last_attempt_at ? r.last_attempt_at.toISOString() : null,
});

/** A row of mail_intents as `pg` returns it. */
export interface IntentRow {
  key: string;
  incident: string;
  update_id: string;
  kind: NoticeKind;
  cursor: string;
  done: boolean;
  created_at: Date;
  archived_sent: number;
}

export const intentOf = (r: IntentRow): Intent => ({
  t: 'i',
  key: r.key,
  incident: r.incident,
  update: r.update_id,
  kind: r.kind,
  cursor: Number(r.cursor),
  done: r.done,
  created_at: r.created_at.toISOString(),
  archived_sent: r.archived_sent,
});
