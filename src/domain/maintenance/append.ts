import type { VerbContext } from '../context.ts';
import type { Maintenance, MaintenanceUpdate, MaintenanceUpdateStep } from '../model.ts';
import type { ComponentStatus, MaintenanceStatus } from '../status.ts';
import { Invalid } from '../errors.ts';
import { applyComponentChanges } from '../incidents/lifecycle.ts';
import { newUpdate } from '../incidents/append-update.ts';

export interface MaintenanceUpdateInput {
  status: MaintenanceStatus;
  /**
   * Which move this is (scheduled, started, cancelled, rescheduled, …): the notice's subject and opening follow
   * it. Every verb gives it; without it, maintenanceStep (steps.ts) tells the move from the statuses.
   */
  step?: MaintenanceUpdateStep;
  body: string;
  components?: Record<string, ComponentStatus>;
  /** Email subscribers (the maintenance template). Maintenance steps notify only when asked. */
  notify?: boolean;
  /** When the step happened: the scheduled instant for steps the timer applies late. */
  display_at?: string;
}

/**
 * The maintenance twin of incidents/append-update.ts: appends an update so the
 * page, feeds and email see every step, applies exactly the component changes
 * it is given and moves the record's status and timestamps. Unlike an
 * incident's resolution it restores nothing by itself: restoreAfterMaintenance
 * (rules.ts) decides what a completed window gives back, and a cancelled
 * window never touched its components.
 */
export function appendMaintenanceUpdate(ctx: VerbContext, m: Maintenance, input: MaintenanceUpdateInput): MaintenanceUpdate {
  const now = ctx.now.toISOString();
  // A step the timer dates back to its due instant never sorts before the
  // record's previous update (a window scheduled after its start time).
  const latest = Math.max(...m.updates.map((u) => Date.parse(u.display_at)));
  const wanted = input.display_at ?? now;
  const displayAt = Date.parse(wanted) < latest ? new Date(latest).toISOString() : wanted;
  if (Date.parse(displayAt) > ctx.now.getTime() + 60_000) {
    throw new Invalid('display_at cannot be in the future.', 'display_at');
  }
  const affected = applyComponentChanges(ctx, m, input.components ?? {});
  const update: MaintenanceUpdate = {
    ...newUpdate(ctx, { status: input.status, body: input.body, displayAt, affected, notify: input.notify ?? false }),
    ...(input.step ? { step: input.step } : {}),
    // Every update, not only the moves: each then tells its own window, however many moves came after.
    window: { scheduled_for: m.scheduled_for, scheduled_until: m.scheduled_until },
  };
  m.updates.push(update);
  m.status = input.status;
  m.updated_at = now;
  if (input.status === 'completed' && !m.resolved_at) m.resolved_at = displayAt;
  return update;
}
