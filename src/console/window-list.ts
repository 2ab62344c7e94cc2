import type { Maintenance } from '../domain/model.ts';
import { maintenancesNewestFirst } from '../read/statuspage.ts';

/**
 * The console's maintenance list in two parts: the windows still to finish (running, then upcoming),
 * soonest first, so that tomorrow's is at the top however many are booked after it; then those that
 * are over (completed or cancelled), newest first, which grow without end and are paged.
 */
export function windowLists(windows: Maintenance[]): { ahead: Maintenance[]; past: Maintenance[] } {
  const newest = maintenancesNewestFirst(windows);
  return {
    ahead: newest.filter((m) => m.status !== 'completed').reverse(),
    past: newest.filter((m) => m.status === 'completed'),
  };
}
