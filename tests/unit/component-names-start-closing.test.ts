import { describe, expect, it } from 'vitest';
import { ctx, db, T0 } from '../helpers/db.ts';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { postUpdate } from '../../src/domain/incidents/post-update.ts';
import { createComponent, deleteComponent, editComponent } from '../../src/domain/components/manage.ts';
import { eventComponentNames } from '../../src/domain/components/names.ts';
import { existedFrom, firstNamed } from '../../src/domain/components/existed-from.ts';
import { scheduleMaintenance } from '../../src/domain/maintenance/schedule.ts';
import { startMaintenance } from '../../src/domain/maintenance/transitions.ts';
import { stillUnderWay } from '../../src/domain/still-under-way.ts';

const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000).toISOString();

describe('names read apart by their group', () => {
  it('an ungrouped component keeps no group, though one deleted under its id had one', () => {
    const d = db();
    createComponent(ctx(d, 0), { id: 'web', name: 'Website', group: 'Core' });
    createComponent(ctx(d, 1), { id: 'pay', name: 'Payments', group: 'Core' });
    deleteComponent(ctx(d, 2), 'pay');
    createComponent(ctx(d, 3), { id: 'pay', name: 'Payments' });
    createComponent(ctx(d, 4), { id: 'pay-eu', name: 'Payments', group: 'Money' });
    const inc = declareIncident(ctx(d, 5), {
      name: 'Payments down',
      status: 'investigating',
      impact: 'major',
      body: 'b',
      components: { pay: 'major_outage' },
    });
    // Before: "Core / Payments", the deleted one's group, for a component in no group.
    expect(eventComponentNames(d, inc)).toEqual(['Payments']);
  });
});

describe("a component's first day", () => {
  it('is the update that named it, not the start of the long incident it was added to', () => {
    const d = db([{ id: 'api', name: 'API' }]);
    const inc = declareIncident(ctx(d, 0), {
      name: 'Slow',
      status: 'investigating',
      impact: 'minor',
      body: 'b',
      components: { api: 'degraded_performance' },
    });
    createComponent(ctx(d, 5 * 24 * 60), { id: 'newbie', name: 'Newbie' });
    postUpdate(ctx(d, 5 * 24 * 60 + 10), inc.id, { status: 'identified', body: 'b', components: { newbie: 'degraded_performance' } });
    const named = firstNamed(d);
    expect(named.get('api')).toBe(Date.parse(at(0)));
    // Before: the incident's start, five days before the component existed.
    expect(named.get('newbie')).toBe(Date.parse(at(5 * 24 * 60 + 10)));
    expect(existedFrom(d.components.find((c) => c.id === 'newbie')!, named)).toBe(Date.parse(at(5 * 24 * 60)));
  });

  it('is not a naming a later update took back (named in error); named again after, it counts from then', () => {
    const TEN_DAYS = 10 * 24 * 60;
    const d = db([{ id: 'api', name: 'API' }]);
    createComponent(ctx(d, TEN_DAYS), { id: 'search', name: 'Search' });
    // Backfilled to ten days before Search was made, naming it in error; the next update takes it off.
    const inc = declareIncident(ctx(d, TEN_DAYS + 5), {
      name: 'Search and API slow',
      status: 'investigating',
      impact: 'minor',
      body: 'b',
      components: { search: 'major_outage', api: 'degraded_performance' },
      started_at: at(0),
    });
    postUpdate(ctx(d, TEN_DAYS + 6), inc.id, {
      status: 'identified',
      body: 'Search was never affected.',
      components: { search: null },
      display_at: at(60),
    });
    const search = () => existedFrom(d.components.find((c) => c.id === 'search')!, firstNamed(d));
    // Before: ten days before it was made, so its bar showed those days as clean uptime and the API its start_date then.
    expect(search()).toBe(Date.parse(at(TEN_DAYS)));
    expect(firstNamed(d).get('api')).toBe(Date.parse(at(0)));
    postUpdate(ctx(d, TEN_DAYS + 7), inc.id, {
      status: 'identified',
      body: 'Search too, after all.',
      components: { search: 'partial_outage' },
      display_at: at(120),
    });
    expect(search()).toBe(Date.parse(at(120)));
  });
});

describe('what a resolution leaves in trouble', () => {
  it('is said before a component under maintenance by hand, or a window running', () => {
    const d = db([
      { id: 'api', name: 'API' },
      { id: 'search', name: 'Search' },
      { id: 'web', name: 'Web' },
    ]);
    editComponent(ctx(d, 1), 'search', { status: 'under_maintenance' });
    const inc = declareIncident(ctx(d, 2), {
      name: 'API errors',
      status: 'investigating',
      impact: 'major',
      body: 'b',
      components: { api: 'major_outage' },
    });
    const left = [{ code: 'api', name: 'API', old_status: 'major_outage', new_status: 'degraded_performance' }] as const;
    // Before: 'hand' ("Still under maintenance: Search."), saying nothing of API.
    expect(stillUnderWay(d, inc, at(10), left)).toBe('incident');
    expect(stillUnderWay(d, inc, at(10))).toBe('hand');
    const m = scheduleMaintenance(ctx(d, 3), { name: 'Upgrade', scheduled_for: at(4), scheduled_until: at(60), components: ['web'] });
    startMaintenance(ctx(d, 4), m.id);
    // Before: 'maintenance' ("Scheduled maintenance is still under way").
    expect(stillUnderWay(d, inc, at(10), left)).toBe('incident');
    expect(stillUnderWay(d, inc, at(10))).toBe('maintenance');
  });
});
