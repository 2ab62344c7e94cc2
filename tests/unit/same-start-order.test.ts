import { describe, expect, it } from 'vitest';
import { ctx, db, T0 } from '../helpers/db.ts';
import { scheduleMaintenance } from '../../src/domain/maintenance/schedule.ts';
import { maintenancesIn } from '../../src/domain/maintenance/rules.ts';
import { maintenancesNewestFirst } from '../../src/read/statuspage.ts';

const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000).toISOString();

describe('windows with the same start', () => {
  it('keep the order they were recorded in, -10 after -9: soonest lists (/maintenance, /) first-recorded first, the API last-recorded first', () => {
    const d = db([{ id: 'web', name: 'Website' }]);
    const ids = Array.from(
      { length: 11 },
      (_, i) =>
        scheduleMaintenance(ctx(d, i), {
          name: `Window ${i + 1}`,
          scheduled_for: at(24 * 60),
          scheduled_until: at(25 * 60),
          components: ['web'],
        }).id,
    );
    expect(ids.at(-1)).toMatch(/-11$/);
    // Before: -1, -10, -11, -2, … as text.
    expect(maintenancesIn(d, ['scheduled']).map((m) => m.id)).toEqual(ids);
    expect(maintenancesNewestFirst(d.maintenances).map((m) => m.id)).toEqual([...ids].reverse());
  });
});
