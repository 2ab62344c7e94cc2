import type { VerbContext } from '../context.ts';
import type { Maintenance, MaintenanceUpdate } from '../model.ts';
import type { ComponentStatus } from '../status.ts';
import { recordAudit } from '../audit.ts';
import { Conflict } from '../errors.ts';
import { appendMaintenanceUpdate } from './append.ts';
import { assertStatus, findMaintenance, restoreAfterMaintenance } from './rules.ts';
import { maintenanceText } from './texts.ts';

/** What the Comms Lead may say with a hand move; the timer passes `auto` and `at`. */
export interface StepInput {
  body?: string;
  notify?: boolean;
  /** Applied by the timer (audited as such). */
  auto?: boolean;
  /** When the step is dated: the scheduled instant when the timer applies it late. */
  at?: string;
}

export interface StepResult {
  maintenance: Maintenance;
  update: MaintenanceUpdate;
}

/** scheduled → in_progress: the window's components go under maintenance. */
export function startMaintenance(ctx: VerbContext, id: string, input: StepInput = {}): StepResult {
  const m = findMaintenance(ctx, id);
  assertStatus(m, ['scheduled'], 'start');
  const components: Record<string, ComponentStatus> = {};
  for (const c of m.components) if (ctx.db.components.some((x) => x.id === c)) components[c] = 'under_maintenance';
  const update = appendMaintenanceUpdate(ctx, m, {
    status: 'in_progress',
    step: 'started',
    body: input.body ?? maintenanceText.in_progress(),
    components,
    notify: input.notify,
    display_at: input.at,
  });
  m.started_at = update.display_at;
  recordAudit(ctx, 'maintenance.start', m.id, { detail: { auto: input.auto ?? false } });
  return { maintenance: m, update };
}

/**
 * in_progress → verifying. A hand move: automatic completion stops, and the
 * Comms Lead completes the window once verification is done.
 */
export function verifyMaintenance(ctx: VerbContext, id: string, input: StepInput = {}): StepResult {
  const m = findMaintenance(ctx, id);
  assertStatus(m, ['in_progress'], 'verify');
  m.auto_transitions = false;
  const update = appendMaintenanceUpdate(ctx, m, {
    status: 'verifying',
    step: 'verifying',
    body: input.body ?? maintenanceText.verifying(),
    notify: input.notify,
  });
  recordAudit(ctx, 'maintenance.verify', m.id);
  return { maintenance: m, update };
}

/** in_progress | verifying → completed: components return to what they were before the start. */
export function completeMaintenance(ctx: VerbContext, id: string, input: StepInput = {}): StepResult {
  const m = findMaintenance(ctx, id);
  if (m.status === 'scheduled') {
    throw new Conflict(`${m.id} has not started; cancel it instead of completing it.`, 'maintenance_state', 'status');
  }
  assertStatus(m, ['in_progress', 'verifying'], 'complete');
  const update = appendMaintenanceUpdate(ctx, m, {
    status: 'completed',
    step: 'completed',
    body: input.body ?? maintenanceText.completed(),
    components: restoreAfterMaintenance(ctx.db, m),
    notify: input.notify,
    display_at: input.at,
  });
  recordAudit(ctx, 'maintenance.complete', m.id, { detail: { auto: input.auto ?? false } });
  return { maintenance: m, update };
}

/**
 * scheduled → completed with `cancelled_at`: the window will not happen. Its
 * components were never touched, so none change. `sequence` rises so
 * calendars replace the event with a cancelled one.
 */
export function cancelMaintenance(ctx: VerbContext, id: string, input: StepInput = {}): StepResult {
  const m = findMaintenance(ctx, id);
  if (m.status === 'in_progress' || m.status === 'verifying') {
    throw new Conflict(`${m.id} has already started; complete it instead of cancelling it.`, 'maintenance_state', 'status');
  }
  assertStatus(m, ['scheduled'], 'cancel');
  const update = appendMaintenanceUpdate(ctx, m, {
    status: 'completed',
    step: 'cancelled',
    body: input.body ?? maintenanceText.cancelled(),
    notify: input.notify,
  });
  m.cancelled_at = update.created_at;
  m.sequence += 1;
  recordAudit(ctx, 'maintenance.cancel', m.id);
  return { maintenance: m, update };
}

/** A note on a maintenance ("50% of the databases are migrated"): the status does not move. */
export function noteMaintenance(ctx: VerbContext, id: string, input: { body: string; notify?: boolean }): StepResult {
  const m = findMaintenance(ctx, id);
  const status = m.status;
  const update = appendMaintenanceUpdate(ctx, m, { status, step: 'note', body: input.body, notify: input.notify });
  recordAudit(ctx, 'maintenance.note', `${m.id}/${update.id}`);
  return { maintenance: m, update };
}

/** The hand moves by name, for the admin API and the console's buttons. */
export const MAINTENANCE_STEPS = {
  start: startMaintenance,
  verify: verifyMaintenance,
  complete: completeMaintenance,
  cancel: cancelMaintenance,
} as const;
export type MaintenanceStep = keyof typeof MAINTENANCE_STEPS;
