import type { VerbContext } from './context.ts';
import type { Db } from './model.ts';
import { applyDueTransitions, dueTransitions, nextDueAt, type DueAction, type TimerOptions } from './maintenance/due.ts';
import { applyLateNotices, dueLateNotices, nextLateNoticeAt } from './incidents/late-notice.ts';

/**
 * Everything that becomes due with time rather than with a request: the
 * maintenance windows' reminders, starts and completions, and the disruption
 * notices of levels that email only once an incident has lasted. The one
 * timer (src/timer/scheduler.ts) sleeps until `nextWorkAt` and applies
 * `applyDueWork` in one durable write.
 */
export type { TimerOptions };

export const hasDueWork = (db: Db, now: Date, opts: TimerOptions): boolean =>
  dueTransitions(db, now, opts).length > 0 || dueLateNotices(db, now).length > 0;

/** The next instant after `now` at which something becomes due, or null. */
export function nextWorkAt(db: Db, now: Date, opts: TimerOptions): Date | null {
  const candidates = [nextDueAt(db, now, opts)?.getTime() ?? null, nextLateNoticeAt(db, now)].filter((t): t is number => t !== null);
  return candidates.length ? new Date(Math.min(...candidates)) : null;
}

/** Applies what is due, recomputed on the draft (so a hand move that landed just before wins). */
export function applyDueWork(ctx: VerbContext, opts: TimerOptions): Array<DueAction | { kind: 'late-notice'; id: string; at: string }> {
  const now = ctx.now.toISOString();
  return [...applyDueTransitions(ctx, opts), ...applyLateNotices(ctx).map((id) => ({ kind: 'late-notice' as const, id, at: now }))];
}
