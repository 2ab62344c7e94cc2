import type { Db, Maintenance } from '../domain/model.ts';
import { maintenanceStep } from '../domain/maintenance/steps.ts';
import { formatDateTime } from '../domain/time-text.ts';
import { actorName } from './format.ts';

/** A step that moves a window on, the audit action that records it and how a sentence says it. */
const MOVES: Record<string, { action: string; words: string }> = {
  started: { action: 'maintenance.start', words: 'started' },
  verifying: { action: 'maintenance.verify', words: 'marked as verifying' },
  completed: { action: 'maintenance.complete', words: 'completed' },
  cancelled: { action: 'maintenance.cancel', words: 'cancelled' },
};

/** Who, as the console names people elsewhere: " by Dana", " through the API", " by the timer". */
function by(actor: string | undefined, auto: boolean, me: string): string {
  if (auto) return ' by the timer';
  if (actor === undefined) return '';
  if (actor === me) return ' by you (in another tab)';
  if (actor.startsWith('console:')) return ` by ${actorName(actor)}`;
  return actor === 'admin-token' ? ' through the API' : '';
}

/**
 * What last moved a window on, in plain words, for a step or move refused because a stale tab did not
 * know: "The window was already completed at 3 Dec 2026, 20:49 UTC by the timer." (or "… cancelled at …
 * by Lee"). A verb's refusal ("it is completed (allowed from in_progress or verifying)") says the rule,
 * not what happened. Who comes from the audit log (the timer's steps are audited as `timer`, auto);
 * null when the window has not moved on since it was scheduled.
 */
export function lastMoveSaid(db: Pick<Db, 'audit'>, m: Maintenance, tz: string, me: string): string | null {
  const update = m.updates.findLast((u) => Object.hasOwn(MOVES, maintenanceStep(m, u)));
  if (!update) return null;
  const move = MOVES[maintenanceStep(m, update)]!;
  const audit = db.audit.findLast((a) => a.target === m.id && a.action === move.action);
  const auto = audit?.actor === 'timer' || (audit?.detail as { auto?: boolean } | undefined)?.auto === true;
  return `The window was already ${move.words} at ${formatDateTime(update.display_at, tz)}${by(audit?.actor, auto, me)}.`;
}
