import { describe, expect, it } from 'vitest';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { scheduleMaintenance } from '../../src/domain/maintenance/schedule.ts';
import { startMaintenance } from '../../src/domain/maintenance/transitions.ts';
import { updateJson } from '../../src/read/statuspage-records.ts';
import { ctx, db, T0 } from '../helpers/db.ts';

/**
 * An update's `affected_components` in the Statuspage-compatible API and the webhooks: the status changes it
 * made, null when none (docs/statuspage-compat.md). From a hunt: a window starting over an incident's outage
 * listed "Website: partial outage → partial outage", a change a client would show, that was none.
 */
describe("an update's affected_components", () => {
  it('lists only the components whose status moved: one an open incident holds at a worse status stays out', () => {
    const d = db([
      { id: 'website', name: 'Website' },
      { id: 'api', name: 'API' },
    ]);
    declareIncident(ctx(d), {
      name: 'Website slow',
      impact: 'major',
      status: 'investigating',
      body: 'Slow.',
      components: { website: 'partial_outage' },
    });
    const m = scheduleMaintenance(ctx(d, 1), {
      name: 'CDN switch',
      scheduled_for: new Date(T0.getTime() + 3_600_000).toISOString(),
      scheduled_until: new Date(T0.getTime() + 7_200_000).toISOString(),
      components: ['website', 'api'],
    });
    startMaintenance(ctx(d, 2), m.id);
    expect(updateJson(m.updates.at(-1)!, m.id).affected_components).toEqual([
      { code: 'api', name: 'API', old_status: 'operational', new_status: 'under_maintenance' },
    ]);
  });
});
