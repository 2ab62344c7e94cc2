import { describe, expect, it } from 'vitest';
import { declareIncident, type DeclareInput } from '../../src/domain/incidents/declare.ts';
import { postUpdate } from '../../src/domain/incidents/post-update.ts';
import { editComponent } from '../../src/domain/components/manage.ts';
import type { Db } from '../../src/domain/model.ts';
import { ctx, db, T0 } from '../helpers/db.ts';

/**
 * An update that tells of the past records, as each component's `old_status`, the status the component had
 * then (the history of incidents, windows and statuses set by hand), not the one it has now: a backfill
 * declared already resolved, and an update dated back on an open incident.
 */
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000).toISOString();
const DAY = 24 * 60;

const declare = (d: Db, minutes: number, input: Partial<DeclareInput>) =>
  declareIncident(ctx(d, minutes), {
    name: 'Email delayed',
    impact: 'major',
    status: 'investigating',
    body: 'We are investigating.',
    components: { email: 'partial_outage' },
    ...input,
  });

/** A backfill of yesterday, 10:00 to 11:00 (T0 is 09:00), declared now (a day after T0). */
const backfill = (d: Db, components: DeclareInput['components'] = { email: 'major_outage' }) =>
  declare(d, DAY, {
    name: 'Email yesterday',
    status: 'resolved',
    body: 'x.',
    components,
    started_at: at(60),
    resolved_at: at(120),
  });

const oldStatuses = (u: { affected_components: Array<{ code: string; old_status: string }> }) =>
  Object.fromEntries(u.affected_components.map((c) => [c.code, c.old_status]));

describe('a backfill declared resolved records each old_status as it was at its start', () => {
  it('operational when nothing held the component then, though an open incident holds it now', () => {
    const d = db([{ id: 'email' }]);
    declare(d, DAY - 5, {});
    expect(d.components[0]!.status).toBe('partial_outage');
    // Before: { email: 'partial_outage' }, the status today.
    expect(oldStatuses(backfill(d).updates[0]!)).toEqual({ email: 'operational' });
  });

  it('operational though a status set by hand minutes ago holds now', () => {
    const d = db([{ id: 'email' }]);
    editComponent(ctx(d, DAY - 5), 'email', { status: 'degraded_performance' });
    expect(oldStatuses(backfill(d).updates[0]!)).toEqual({ email: 'operational' });
  });

  it("another incident's status when it held the component then", () => {
    const d = db([{ id: 'email' }, { id: 'api' }]);
    const earlier = declare(d, 30, { components: { email: 'degraded_performance' } });
    postUpdate(ctx(d, 150), earlier.id, { status: 'resolved', body: 'Fixed.' });
    expect(oldStatuses(backfill(d, { email: 'major_outage', api: 'partial_outage' }).updates[0]!)).toEqual({
      email: 'degraded_performance',
      api: 'operational',
    });
  });

  it('a status set by hand then, as its period says', () => {
    const d = db([{ id: 'email' }]);
    editComponent(ctx(d, 50), 'email', { status: 'under_maintenance' });
    editComponent(ctx(d, 200), 'email', { status: 'operational' });
    expect(oldStatuses(backfill(d).updates[0]!)).toEqual({ email: 'under_maintenance' });
  });
});

// From a review of the first version, which took the status at the update's time for a live change too: a real
// change read as none (no component message to the war rooms and partners, none in v2), and one that did not
// happen read as one. A live change, backdated or not, records what it changes now.
describe('a live change dated back records the status it changes now', () => {
  it('an update dated back: the status another incident declared since gave the component', () => {
    const d = db([{ id: 'email' }]);
    const slow = declare(d, 0, { components: { email: 'degraded_performance' } });
    declare(d, 40, { name: 'Email down', components: { email: 'major_outage' } });
    const { update } = postUpdate(ctx(d, 45), slow.id, {
      status: 'identified',
      body: 'Found it.',
      components: { email: 'partial_outage' },
      display_at: at(30),
    });
    expect(oldStatuses(update)).toEqual({ email: 'major_outage' });
  });

  it('an incident declared open with a start inside another, resolved since: operational, what it changes now', () => {
    const d = db([{ id: 'email' }]);
    const first = declare(d, 0, { components: { email: 'major_outage' } });
    postUpdate(ctx(d, 10), first.id, { status: 'resolved', body: 'Fixed.', components: { email: 'operational' } });
    const again = declare(d, 20, { name: 'Email down again', components: { email: 'major_outage' }, started_at: at(5) });
    // Before the review's fix: major_outage (the first incident's, at 5 minutes), so no change was told.
    expect(oldStatuses(again.updates[0]!)).toEqual({ email: 'operational' });
  });

  it('posted now, the status it has now', () => {
    const d = db([{ id: 'email' }]);
    const slow = declare(d, 0, { components: { email: 'degraded_performance' } });
    declare(d, 40, { name: 'Email down', components: { email: 'major_outage' } });
    const { update } = postUpdate(ctx(d, 45), slow.id, {
      status: 'identified',
      body: 'Found it.',
      components: { email: 'partial_outage' },
    });
    expect(oldStatuses(update)).toEqual({ email: 'major_outage' });
  });
});
