import { describe, expect, it } from 'vitest';
import { ctx, db, T0 } from '../helpers/db.ts';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { postUpdate } from '../../src/domain/incidents/post-update.ts';
import { editComponent } from '../../src/domain/components/manage.ts';
import { withdrawIncident } from '../../src/domain/incidents/withdraw.ts';
import { overallStatus } from '../../src/domain/overall.ts';
import { componentStatusesAt, pageAsOf } from '../../src/channels/page-as-of.ts';

/** The page as it stood at an update, for a channel message delivered late (src/channels/page-as-of.ts). */
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000).toISOString();

function story() {
  const d = db([{ id: 'api' }, { id: 'web' }]);
  const inc = declareIncident(ctx(d, 1), {
    name: 'API down',
    impact: 'critical',
    status: 'investigating',
    body: 'Looking.',
    components: { api: 'major_outage' },
  });
  // Set by hand between the updates, then back by hand: only the hand-set period records either.
  editComponent(ctx(d, 5), 'web', { status: 'degraded_performance' });
  editComponent(ctx(d, 20), 'web', { status: 'operational' });
  postUpdate(ctx(d, 40), inc.id, { status: 'resolved', body: 'Fixed.', components: { api: 'operational' } });
  return d;
}

describe('componentStatusesAt', () => {
  it("takes each component's last status by then, from updates and by hand; before any, the status its first change left", () => {
    const d = story();
    const then = (minutes: number) => Object.fromEntries(componentStatusesAt(d, at(minutes)));
    expect(then(0)).toEqual({ api: 'operational', web: 'operational' });
    expect(then(1)).toEqual({ api: 'major_outage', web: 'operational' });
    expect(then(10)).toEqual({ api: 'major_outage', web: 'degraded_performance' });
    expect(then(30)).toEqual({ api: 'major_outage', web: 'operational' });
    expect(then(40)).toEqual({ api: 'operational', web: 'operational' });
  });

  it("a withdrawn incident's outage ends at the withdrawal: a later update of another incident is not told with it", () => {
    const d = db([{ id: 'api' }, { id: 'web' }]);
    const declare = (min: number, name: string, impact: 'critical' | 'minor', status: 'major_outage' | 'degraded_performance') =>
      declareIncident(ctx(d, min), { name, impact, status: 'investigating', body: 'b', components: { api: status } });
    const a = declare(1, 'API down', 'critical', 'major_outage');
    const b = declare(2, 'Slow API', 'minor', 'degraded_performance');
    withdrawIncident(ctx(d, 3), a.id);
    postUpdate(ctx(d, 4), b.id, { status: 'identified', body: 'Found.', components: { web: 'degraded_performance' } });
    expect(d.components.find((c) => c.id === 'api')!.status).toBe('degraded_performance');
    // Before: major_outage, from the SEV-3's record of what the withdrawn SEV-1 held then.
    expect(componentStatusesAt(d, at(4)).get('api')).toBe('degraded_performance');
    expect(componentStatusesAt(d, at(2)).get('api')).toBe('major_outage');
  });

  it('nor after an incident resolved and then withdrawn: its resolution is gone with it, the withdrawal tells what it left', () => {
    const d = db([{ id: 'api' }, { id: 'web' }]);
    const a = declareIncident(ctx(d, 1), {
      name: 'API down',
      impact: 'critical',
      status: 'investigating',
      body: 'b',
      components: { api: 'major_outage' },
    });
    const b = declareIncident(ctx(d, 2), {
      name: 'Slow',
      impact: 'minor',
      status: 'investigating',
      body: 'b',
      components: { api: 'degraded_performance' },
    });
    postUpdate(ctx(d, 3), a.id, { status: 'resolved', body: 'Fixed.' });
    withdrawIncident(ctx(d, 5), a.id);
    postUpdate(ctx(d, 6), b.id, { status: 'monitoring', body: 'Better.' });
    // Before: major_outage, from B's record of what A held at its declaration.
    expect(componentStatusesAt(d, at(6)).get('api')).toBe('degraded_performance');
    expect(overallStatus(pageAsOf(d, at(6))).indicator).toBe('minor');
  });

  it('a status set by hand after the update, and holding still, is not what the update is told with', () => {
    const d = db([{ id: 'api' }, { id: 'web' }]);
    declareIncident(ctx(d, 1), {
      name: 'API down',
      impact: 'major',
      status: 'investigating',
      body: 'Looking.',
      components: { api: 'major_outage' },
    });
    editComponent(ctx(d, 10), 'web', { status: 'major_outage' });
    // Before: web's status now (major_outage), for a message about minute 1.
    expect(Object.fromEntries(componentStatusesAt(d, at(1)))).toEqual({ api: 'major_outage', web: 'operational' });
    expect(Object.fromEntries(componentStatusesAt(d, at(10)))).toEqual({ api: 'major_outage', web: 'major_outage' });
  });
  // From a hunt: a status an update set, put back to operational by hand, was still told to webhooks with every
  // later update of the incident (and its resolution), while the page and the v2 API said operational.
  it('a status an update set and a hand then put back to operational is operational from then on', () => {
    const d = db([{ id: 'api' }, { id: 'payouts' }]);
    const inc = declareIncident(ctx(d, 1), {
      name: 'Payouts delayed',
      impact: 'minor',
      status: 'investigating',
      body: 'Looking.',
      components: { payouts: 'partial_outage' },
    });
    editComponent(ctx(d, 5), 'payouts', { status: 'operational' });
    postUpdate(ctx(d, 10), inc.id, { status: 'monitoring', body: 'Watching.' });
    postUpdate(ctx(d, 20), inc.id, { status: 'resolved', body: 'Fixed.' });
    const then = (minutes: number) => Object.fromEntries(componentStatusesAt(d, at(minutes)));
    expect(then(1)).toEqual({ api: 'operational', payouts: 'partial_outage' });
    // Before: partial_outage at both.
    expect(then(10)).toEqual({ api: 'operational', payouts: 'operational' });
    expect(then(20)).toEqual({ api: 'operational', payouts: 'operational' });
    expect(overallStatus(pageAsOf(d, at(10))).indicator).toBe('none');
    // Told late (a message after a pause), the declaration still had it partly out.
    expect(then(4)).toEqual({ api: 'operational', payouts: 'partial_outage' });
  });
});

describe('pageAsOf', () => {
  it("gives the page's overall status as it was, not as it is", () => {
    const d = story();
    expect(overallStatus(d).indicator).toBe('none');
    expect(overallStatus(pageAsOf(d, at(1))).indicator).toBe('critical');
    expect(overallStatus(pageAsOf(d, at(40))).indicator).toBe('none');
  });

  // From a hunt: a backfill's component statuses (its history only: the components' present status is left as
  // it is) were read as changes made when it was recorded, so every later webhook told partners of an outage.
  it('a backfill (declared already resolved) changes no status: its statuses were never the live ones', () => {
    const d = db([{ id: 'api' }, { id: 'docs' }]);
    declareIncident(ctx(d, 10), {
      name: 'Past outage',
      impact: 'critical',
      status: 'resolved',
      body: 'It was down for an hour last week.',
      components: { api: 'major_outage' },
      started_at: at(-7 * 24 * 60),
      resolved_at: at(-7 * 24 * 60 + 60),
    });
    const live = declareIncident(ctx(d, 20), {
      name: 'Docs slow',
      impact: 'minor',
      status: 'investigating',
      body: 'Looking.',
      components: { docs: 'degraded_performance' },
    });
    expect(Object.fromEntries(componentStatusesAt(d, at(20)))).toEqual({ api: 'operational', docs: 'degraded_performance' });
    expect(overallStatus(pageAsOf(d, at(20))).indicator).toBe(overallStatus(d).indicator);
    expect(overallStatus(d).indicator).toBe('minor');
    // Nor does it stand in for a live status it came after.
    postUpdate(ctx(d, 30), live.id, { status: 'identified', body: 'Found it.', components: { docs: 'major_outage' } });
    declareIncident(ctx(d, 40), {
      name: 'Old blip',
      impact: 'minor',
      status: 'resolved',
      body: 'Slow for ten minutes.',
      components: { docs: 'degraded_performance' },
      started_at: at(-60),
      resolved_at: at(-50),
    });
    expect(componentStatusesAt(d, at(45)).get('docs')).toBe('major_outage');
  });
});
