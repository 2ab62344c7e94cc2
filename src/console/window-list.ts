import type { Maintenance } from '../domain/model.ts';
import { maintenancesNewestFirst } from '../read/statuspage.ts';
import { isLiveMaintenance } from '../domain/overall.ts';

/**
 * The console's maintenance list in two parts: the windows still to finish, running first (one started early
 * may be planned after the next upcoming one), then upcoming, soonest first, so that tomorrow's is at the top
 * however many are booked after it; then those that are over (completed or cancelled), newest first, which
 * grow without end and are paged.
 */
export function windowLists(windows: Maintenance[]): { ahead: Maintenance[]; past: Maintenance[] } {
  const newest = maintenancesNewestFirst(windows);
  const soonest = newest.filter(isLiveMaintenance).reverse();
  return {
    ahead: [...soonest.filter((m) => m.status !== 'scheduled'), ...soonest.filter((m) => m.status === 'scheduled')],
    past: newest.filter((m) => !isLiveMaintenance(m)),
  };
}
