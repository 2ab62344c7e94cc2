import { describe, expect, it } from 'vitest';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { scheduleMaintenance } from '../../src/domain/maintenance/schedule.ts';
import { ctx, db, T0 } from '../helpers/db.ts';

/**
 * Ids the outboxes name but the data no longer holds (an older herald.json restored over a newer one): never
 * given again, as a withdrawn incident's (the whole story, through Herald's outboxes: restored-ids.test.ts).
 */
const day = T0.toISOString().slice(0, 10);

describe('ids the outboxes name (VerbContext.givenIds)', () => {
  it('a new incident takes the number after them', () => {
    const d = db([{ id: 'api', name: 'API' }]);
    const given = new Set([`INC-${day}-1`, `INC-${day}-2`, `MNT-${day}-7`]);
    const inc = declareIncident(
      { ...ctx(d), givenIds: given },
      { name: 'Down', impact: 'major', status: 'investigating', body: 'Looking.', components: {} },
    );
    expect(inc.id).toBe(`INC-${day}-3`);
    // Without them (the data alone) the number was 1 again.
    expect(
      declareIncident(ctx(db()), { name: 'Down', impact: 'major', status: 'investigating', body: 'Looking.', components: {} }).id,
    ).toBe(`INC-${day}-1`);
  });

  it('so does a new maintenance window', () => {
    const d = db([{ id: 'api', name: 'API' }]);
    const from = new Date(T0.getTime() + 3_600_000).toISOString();
    const until = new Date(T0.getTime() + 7_200_000).toISOString();
    const m = scheduleMaintenance(
      { ...ctx(d), givenIds: new Set([`MNT-${day}-1`, `INC-${day}-4`]) },
      { name: 'DB upgrade', scheduled_for: from, scheduled_until: until, components: ['api'] },
    );
    expect(m.id).toBe(`MNT-${day}-2`);
  });
});
