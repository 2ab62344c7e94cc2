import type { VerbContext } from '../context.ts';
import type { Db } from '../model.ts';
import { recordAudit } from '../audit.ts';
import { lateNoticeAt } from '../policy.ts';

/**
 * Levels that email only when an incident lasts (a runbook's "customer
 * communication if prolonged, > 1 hour"): the disruption notice is owed once
 * the incident has been open that long. The timer marks it due (`late_notice_at`),
 * in the data, and the outbox sends it with the incident as it is then; its
 * resolution is then emailed like any other.
 */
export function dueLateNotices(db: Pick<Db, 'incidents' | 'settings'>, now: Date): Array<{ id: string; at: number }> {
  const due: Array<{ id: string; at: number }> = [];
  for (const incident of db.incidents) {
    const at = lateNoticeAt(db.settings, incident);
    if (at !== null && at <= now.getTime()) due.push({ id: incident.id, at });
  }
  return due;
}

/** The next instant a late notice falls due, or null. */
export function nextLateNoticeAt(db: Pick<Db, 'incidents' | 'settings'>, now: Date): number | null {
  let next: number | null = null;
  for (const incident of db.incidents) {
    const at = lateNoticeAt(db.settings, incident);
    if (at !== null && at > now.getTime() && (next === null || at < next)) next = at;
  }
  return next;
}

/** Marks every late notice due now (the timer's verb, one durable write). */
export function applyLateNotices(ctx: VerbContext): string[] {
  const ids: string[] = [];
  for (const { id } of dueLateNotices(ctx.db, ctx.now)) {
    const incident = ctx.db.incidents.find((i) => i.id === id)!;
    incident.late_notice_at = ctx.now.toISOString();
    recordAudit(ctx, 'incident.late_notice', id);
    ids.push(id);
  }
  return ids;
}
