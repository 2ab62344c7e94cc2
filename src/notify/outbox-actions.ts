import type { Herald } from '../herald.ts';
import { recordAudit } from '../domain/audit.ts';
import { NotFound } from '../domain/errors.ts';
import type { LeftFailed } from '../store/mail/unreachable.ts';
import type { Db } from '../domain/model.ts';
import { intentsByKey } from './intents.ts';

/** The incident or window a notice tells of, by its key: what an investigator searches the audit log by. */
const noticeOf = (db: Db, intent: string): string | null => intentsByKey(db).get(intent)?.incident.id ?? null;

/** What a retry answers: the delivery is queued (now, or already was) or already sent; `requeued` when this call queued it. */
export interface RetryAnswer {
  id: string;
  state: 'queued' | 'sent';
  requeued: boolean;
}

/**
 * Queues a failed delivery again and records it in the audit log: the one rule behind the admin API's
 * retry and the console's button. A retry of a delivery already queued again, or sent, changes nothing
 * and is no error (a double click, a retried request); only a retry that queued something is audited.
 */
export async function retryDelivery(herald: Herald, actor: string, id: string): Promise<RetryAnswer> {
  const r = await herald.notify.retry(id);
  if ('already' in r) return { id, state: r.already, requeued: false };
  const d = r.requeued;
  // Deliveries live outside herald.json (journal or tables); the audit log is in it.
  await herald.run(actor, (ctx) =>
    recordAudit(ctx, 'delivery.retry', id, {
      detail: { incident: noticeOf(ctx.db, d.intent), intent: d.intent, kind: d.kind, last_error: d.last_error },
    }),
  );
  return { id, state: 'queued', requeued: true };
}

/** What a resume answers: whether sending is paused after it (the relay may refuse again at once), and why. */
export interface ResumeAnswer {
  paused: boolean;
  paused_reason: string | null;
}

/**
 * Resumes a paused queue and records it in the audit log (with the pause it ended). A resume when
 * nothing was paused changes nothing and is not recorded.
 */
export async function resumeSending(herald: Herald, actor: string): Promise<ResumeAnswer> {
  const sending = herald.notify.sending;
  const was = sending.paused;
  await sending.resume();
  if (was)
    await herald.run(actor, (ctx) =>
      recordAudit(ctx, 'deliveries.resume', 'outbox', { previous: { paused_reason: was.reason, paused_at: was.at } }),
    );
  const now = sending.paused;
  return { paused: now !== null, paused_reason: now?.reason ?? null };
}

/**
 * What a "retry all failed" answers: how many of the notice's deliveries it queued again (0: none were failed),
 * and how many failed ones it left because nothing can send them, in all and by reason (the codes a single
 * retry of one is refused with): their subscriber was removed, unsubscribed or suppressed since, or the
 * notice's incident was withdrawn (`withdrawn`: then all the others).
 */
export interface RetryAllAnswer {
  intent: string;
  requeued: number;
  not_requeued: number;
  not_requeued_why: LeftFailed & { notice_withdrawn: number };
  withdrawn: boolean;
}

/**
 * Queues every failed delivery of one notice again, in the order they were made, and records it in the
 * audit log (how many). Safe to repeat: a second call finds none failed that could be sent (unless they
 * failed again since) and answers 0, recording nothing. NotFound when the outbox knows no notice by that key.
 */
export async function retryNotice(herald: Herald, actor: string, intent: string): Promise<RetryAllAnswer> {
  const r = await herald.notify.retryAllFailed(intent);
  if (r === null) throw new NotFound('No notice has that key: see the updates in GET /api/admin/deliveries.', 'intent');
  const n = r.requeued;
  const why = { ...r.left, notice_withdrawn: r.noticeGone };
  const left = Object.values(why).reduce((a, b) => a + b, 0);
  if (n > 0)
    await herald.run(actor, (ctx) =>
      recordAudit(ctx, 'deliveries.retry_all', intent, { detail: { incident: noticeOf(ctx.db, intent), requeued: n, not_requeued: left } }),
    );
  return { intent, requeued: n, not_requeued: left, not_requeued_why: why, withdrawn: r.noticeGone > 0 };
}
