import type { Maintenance, MaintenanceUpdate, MaintenanceUpdateStep } from '../model.ts';

/**
 * Which move of the window `update` records: its own `step`, or, for an update saved before steps were
 * recorded, what the statuses tell: the first update schedules; a move into in_progress, verifying or
 * completed starts, verifies or completes (completed straight from scheduled is a cancel, the only way there);
 * an update that keeps the status is a note (an old reschedule reads as one).
 */
export function maintenanceStep(m: Maintenance, update: MaintenanceUpdate): MaintenanceUpdateStep {
  if (update.step) return update.step;
  const index = m.updates.findIndex((u) => u.id === update.id);
  if (index === 0) return 'scheduled';
  if (index < 0) return 'note';
  const before = m.updates[index - 1]!.status;
  if (update.status === before) return 'note';
  if (update.status === 'in_progress') return 'started';
  if (update.status === 'verifying') return 'verifying';
  if (update.status === 'completed') return before === 'scheduled' ? 'cancelled' : 'completed';
  return 'note';
}
