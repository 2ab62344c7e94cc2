import { httpStatus } from '../../src/api/errors.ts';
import { describe, expect, it } from 'vitest';
import { declareIncident, type DeclareInput } from '../../src/domain/incidents/declare.ts';
import { postUpdate } from '../../src/domain/incidents/post-update.ts';
import { Conflict, Invalid, NotFound } from '../../src/domain/errors.ts';
import type { Db } from '../../src/domain/model.ts';
import { ctx, db, incident, maintenance } from '../helpers/db.ts';
import { editComponent } from '../../src/domain/components/manage.ts';
import { refused } from '../helpers/refused.ts';
import { updatesNewestFirst } from '../../src/read/statuspage-records.ts';

const declare = (d: Db, input: Partial<DeclareInput> = {}, minutes = 0) =>
  declareIncident(ctx(d, minutes), {
    name: 'API errors',
    impact: 'major',
    status: 'investigating',
    body: 'We are investigating.',
    components: { api: 'partial_outage' },
    ...input,
  });

const threeComponents = () => db([{ id: 'api' }, { id: 'dashboard' }, { id: 'db' }]);

describe('declaring an incident', () => {
  it('records the first update with old and new component statuses', () => {
    const d = threeComponents();
    const inc = declare(d, { components: { api: 'partial_outage', dashboard: 'degraded_performance' } });
    expect(inc.id).toBe('INC-2026-11-22-1');
    expect(inc.status).toBe('investigating');
    expect(inc.components).toEqual(['api', 'dashboard']);
    expect(inc.updates).toHaveLength(1);
    expect(inc.updates[0]!.affected_components).toEqual([
      { code: 'api', name: 'API', old_status: 'operational', new_status: 'partial_outage' },
      { code: 'dashboard', name: 'DASHBOARD', old_status: 'operational', new_status: 'degraded_performance' },
    ]);
    expect(d.components.map((c) => c.status)).toEqual(['partial_outage', 'degraded_performance', 'operational']);
    expect(d.incidents).toEqual([inc]);
  });

  it('refuses an unknown component before changing anything', () => {
    const d = threeComponents();
    const before = structuredClone(d);
    const err = refused(() => declare(d, { components: { api: 'major_outage', nope: 'major_outage' } }), Invalid);
    expect([err.code, err.field]).toEqual(['unknown_component', 'components.nope']);
    expect(d).toEqual(before);
  });

  it('declared already resolved (a backfill), records its component statuses in its history and leaves the present ones alone', () => {
    const d = threeComponents();
    d.components[1]!.status = 'under_maintenance';
    const inc = declare(d, {
      status: 'resolved',
      started_at: '2026-11-01T00:00:00.000Z',
      components: { api: 'major_outage', dashboard: 'major_outage' },
    });
    expect(inc.resolved_at).toBe('2026-11-01T00:00:00.000Z');
    expect(inc.components).toEqual(['api', 'dashboard']);
    expect(inc.updates[0]!.affected_components.map((c) => [c.code, c.old_status, c.new_status])).toEqual([
      ['api', 'operational', 'major_outage'],
      // As it was on 1 Nov, not today's maintenance (which holds it since its last edit, T0).
      ['dashboard', 'operational', 'major_outage'],
    ]);
    // Before: api and dashboard in major_outage, with no open incident to end it.
    expect(d.components.map((c) => c.status)).toEqual(['operational', 'under_maintenance', 'operational']);
  });

  it('names its war room after its name, or after its number when the name has no Latin slug', () => {
    const d = threeComponents();
    expect(declare(d, { name: 'Card payments failing' }).war_room).toBe('#incident-2026-11-22-card-payments-failing');
    // Before: both "#incident-2026-11-22-component", one room for two incidents.
    expect(declare(d, { name: 'Платежи не проходят' }).war_room).toBe('#incident-2026-11-22-2');
    expect(declare(d, { name: '支付失败' }).war_room).toBe('#incident-2026-11-22-3');
  });

  it('refuses a start in the future', () => {
    const d = threeComponents();
    const err = refused(() => declare(d, { started_at: '2026-11-22T10:00:00.000Z' }), Invalid);
    expect(err.field).toBe('started_at');
  });
});

describe('transitions of an open incident', () => {
  it('moves to any update status, back-moves included, and stamps monitoring_at once', () => {
    const d = threeComponents();
    const inc = declare(d);
    const path = ['identified', 'monitoring', 'identified', 'investigating', 'monitoring', 'resolved'] as const;
    for (const [i, status] of path.entries()) postUpdate(ctx(d, 10 * (i + 1)), inc.id, { status, body: `now ${status}` });
    expect(inc.updates.map((u) => u.status)).toEqual(['investigating', ...path]);
    expect(inc.status).toBe('resolved');
    expect(inc.monitoring_at).toBe('2026-11-22T09:20:00.000Z');
    expect(inc.resolved_at).toBe('2026-11-22T10:00:00.000Z');
  });

  it('refuses postmortem as an update status (publishing a postmortem sets it)', () => {
    const d = threeComponents();
    const inc = declare(d);
    const before = structuredClone(inc);
    refused(() => postUpdate(ctx(d, 5), inc.id, { status: 'postmortem', body: 'x' }), Invalid);
    expect(inc).toEqual(before);
  });

  it('answers NotFound for an unknown incident', () => {
    const err = refused(() => postUpdate(ctx(threeComponents()), 'INC-2026-11-22-9', { status: 'identified', body: 'x' }), NotFound);
    expect(httpStatus(err)).toBe(404);
  });
});

describe('a resolved incident', () => {
  const resolvedIncident = () => {
    const d = threeComponents();
    const inc = declare(d);
    postUpdate(ctx(d, 30), inc.id, { status: 'resolved', body: 'Fixed.' });
    return { d, inc };
  };

  it('accepts a resolved follow-up note that changes no component, keeping its resolution time', () => {
    const { d, inc } = resolvedIncident();
    postUpdate(ctx(d, 90), inc.id, { status: 'resolved', body: 'Root cause confirmed.', components: {} });
    expect(inc.updates.map((u) => u.status)).toEqual(['investigating', 'resolved', 'resolved']);
    expect(inc.status).toBe('resolved');
    expect(inc.resolved_at).toBe('2026-11-22T09:30:00.000Z');
    expect(inc.updates[2]!.affected_components).toEqual([]);
    expect(inc.updates[2]!.notify).toBe(false);
  });

  it.each(['investigating', 'identified', 'monitoring'] as const)('refuses reopening as %s with Conflict', (status) => {
    const { d, inc } = resolvedIncident();
    const before = structuredClone(d);
    const err = refused(() => postUpdate(ctx(d, 60), inc.id, { status, body: 'It is back.' }), Conflict);
    expect([httpStatus(err), err.code, err.field]).toEqual([409, 'incident_resolved', 'status']);
    expect(d).toEqual(before);
  });

  it('refuses a follow-up that changes components', () => {
    const { d, inc } = resolvedIncident();
    const before = structuredClone(d);
    const err = refused(
      () => postUpdate(ctx(d, 60), inc.id, { status: 'resolved', body: 'x', components: { api: 'degraded_performance' } }),
      Conflict,
    );
    expect([err.code, err.field]).toEqual(['incident_resolved', 'components']);
    expect(d).toEqual(before);
  });

  it('keeps a published postmortem when a follow-up note is added', () => {
    const { d, inc } = resolvedIncident();
    inc.status = 'postmortem';
    postUpdate(ctx(d, 120), inc.id, { status: 'resolved', body: 'One more note.' });
    expect(inc.status).toBe('postmortem');
    expect(inc.updates).toHaveLength(3);
  });
});

describe('re-grading an incident (an update naming a severity level)', () => {
  const sev3 = (d: Db) => declare(d, { severity: 'sev3', impact: undefined });

  it('takes the new level and its impact, records the change on the update and in the audit; the same level changes nothing', () => {
    const d = threeComponents();
    const inc = sev3(d);
    const { update } = postUpdate(ctx(d, 20), inc.id, {
      status: 'identified',
      body: 'Now all logins fail.',
      components: { api: 'major_outage' },
      severity: 'sev1',
    });
    expect(inc.severity).toEqual(d.settings.severities[0]);
    expect(inc.impact).toBe('critical');
    // Each with the whole level as it was: a switch of scheme later keeps its cadence and review known.
    expect(update.severity_change).toEqual({
      from: { id: 'sev3', label: 'SEV-3', impact: 'minor', level: d.settings.severities[2] },
      to: { id: 'sev1', label: 'SEV-1', impact: 'critical', level: d.settings.severities[0] },
      direction: 'raised',
    });
    // The audit names the level it left as it always has, without the whole level the update keeps.
    expect(d.audit.at(-1)!.previous).toEqual({ id: 'sev3', label: 'SEV-3', impact: 'minor' });
    expect(d.audit.at(-1)).toMatchObject({
      action: 'incident.severity',
      target: `${inc.id}/${update.id}`,
      previous: { id: 'sev3', label: 'SEV-3', impact: 'minor' },
      detail: { change: 'Severity raised from SEV-3 to SEV-1', severity: 'sev1', impact: 'critical' },
    });

    const lowered = postUpdate(ctx(d, 40), inc.id, { status: 'monitoring', body: 'Partly back.', severity: 'sev2' }).update;
    expect([inc.severity!.id, inc.impact, lowered.severity_change!.direction]).toEqual(['sev2', 'major', 'lowered']);
    expect(d.audit.at(-1)!.detail).toMatchObject({ change: 'Severity lowered from SEV-1 to SEV-2' });

    const events = d.audit.length;
    const same = postUpdate(ctx(d, 50), inc.id, { status: 'monitoring', body: 'Watching.', severity: 'sev2' }).update;
    expect(same.severity_change).toBeUndefined();
    expect(d.audit.length).toBe(events + 1); // the update's own event, no incident.severity
  });

  it('refuses an unknown level (422, field severity) before changing anything', () => {
    const d = threeComponents();
    const inc = sev3(d);
    const before = structuredClone(d);
    const err = refused(
      () => postUpdate(ctx(d, 20), inc.id, { status: 'identified', body: 'x', components: { api: 'major_outage' }, severity: 'sev9' }),
      Invalid,
    );
    expect([httpStatus(err), err.code, err.field, err.message]).toEqual([
      422,
      'invalid',
      'severity',
      'No severity level "sev9" (levels: sev1, sev2, sev3).',
    ]);
    expect(d).toEqual(before);
  });

  it('refuses a follow-up note that changes the severity of a resolved incident (as one that changes components); the same level passes', () => {
    const d = threeComponents();
    const inc = sev3(d);
    postUpdate(ctx(d, 30), inc.id, { status: 'resolved', body: 'Fixed.' });
    const before = structuredClone(d);
    const err = refused(() => postUpdate(ctx(d, 60), inc.id, { status: 'resolved', body: 'It was worse.', severity: 'sev1' }), Conflict);
    expect([httpStatus(err), err.code, err.field]).toEqual([409, 'incident_resolved', 'severity']);
    expect(d).toEqual(before);
    expect(
      postUpdate(ctx(d, 60), inc.id, { status: 'resolved', body: 'A note.', severity: 'sev3' }).update.severity_change,
    ).toBeUndefined();
  });
});

describe('maintenances are not posted to as incidents', () => {
  it.each(['scheduled', 'in_progress', 'completed'] as const)('refuses postUpdate on a %s maintenance', (status) => {
    const d = threeComponents();
    d.maintenances.push(maintenance('MNT-2026-11-22-1', status));
    const before = structuredClone(d);
    const err = refused(() => postUpdate(ctx(d), 'MNT-2026-11-22-1', { status: 'resolved', body: 'x' }), Conflict);
    expect(err.code).toBe('wrong_kind');
    expect(d).toEqual(before);
  });
});

describe('restoreOnResolve: components return to operational on resolution', () => {
  const statuses = (d: Db) => Object.fromEntries(d.components.map((c) => [c.id, c.status]));

  it('restores every component the incident left degraded and records the change', () => {
    const d = threeComponents();
    const inc = declare(d, { components: { api: 'major_outage', dashboard: 'degraded_performance' } });
    postUpdate(ctx(d, 10), inc.id, { status: 'monitoring', body: 'Fix out.', components: { api: 'degraded_performance' } });
    postUpdate(ctx(d, 20), inc.id, { status: 'resolved', body: 'Resolved.' });
    expect(statuses(d)).toEqual({ api: 'operational', dashboard: 'operational', db: 'operational' });
    expect(inc.updates.at(-1)!.affected_components).toEqual([
      { code: 'api', name: 'API', old_status: 'degraded_performance', new_status: 'operational' },
      { code: 'dashboard', name: 'DASHBOARD', old_status: 'degraded_performance', new_status: 'operational' },
    ]);
  });

  it('leaves a component held by another open incident, and restores it when that one resolves', () => {
    const d = threeComponents();
    const a = declare(d, { components: { api: 'partial_outage', dashboard: 'degraded_performance' } });
    const b = declare(d, { name: 'Dashboard slow', impact: 'minor', components: { dashboard: 'degraded_performance' } }, 5);
    expect(b.id).toBe('INC-2026-11-22-2');
    postUpdate(ctx(d, 10), a.id, { status: 'resolved', body: 'A fixed.' });
    expect(statuses(d)).toEqual({ api: 'operational', dashboard: 'degraded_performance', db: 'operational' });
    postUpdate(ctx(d, 20), b.id, { status: 'resolved', body: 'B fixed.' });
    expect(statuses(d).dashboard).toBe('operational');
  });

  it('is not held back by a resolved incident or a maintenance that has not started', () => {
    const d = threeComponents();
    d.incidents.push(incident('INC-2026-11-21-1', 'major', 'resolved', { components: ['api'] }));
    d.maintenances.push(maintenance('MNT-2026-11-23-1', 'scheduled', { components: ['api'] }));
    const inc = declare(d, { components: { api: 'partial_outage' } });
    postUpdate(ctx(d, 10), inc.id, { status: 'resolved', body: 'Fixed.' });
    expect(statuses(d).api).toBe('operational');
  });

  it('keeps what the resolving update sets explicitly, and leaves maintenance alone', () => {
    const d = threeComponents();
    const inc = declare(d, { components: { api: 'partial_outage', dashboard: 'major_outage', db: 'degraded_performance' } });
    editComponent(ctx(d, 5), 'db', { status: 'under_maintenance' });
    postUpdate(ctx(d, 10), inc.id, { status: 'resolved', body: 'Fixed.', components: { dashboard: 'operational' } });
    expect(statuses(d)).toEqual({ api: 'operational', dashboard: 'operational', db: 'under_maintenance' });
  });

  it('refuses a resolution that would leave a component in trouble, with nothing changed', () => {
    // It showed an outage with no incident to explain or end it, counted in no uptime, and no follow-up could clear it.
    const d = threeComponents();
    const inc = declare(d, { components: { api: 'partial_outage', dashboard: 'major_outage' } });
    const before = JSON.stringify(d);
    for (const status of ['degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'] as const) {
      expect(() => postUpdate(ctx(d, 10), inc.id, { status: 'resolved', body: 'Mostly.', components: { dashboard: status } })).toThrow(
        expect.objectContaining({
          field: 'components',
          message: expect.stringMatching(/^Resolving cannot leave \S+ (degraded|partial|major|under)/),
        }),
      );
    }
    expect(JSON.stringify(d)).toBe(before);
    // Still affected, it stays open: Monitoring takes the same statuses.
    postUpdate(ctx(d, 10), inc.id, { status: 'monitoring', body: 'Mostly.', components: { dashboard: 'degraded_performance' } });
    expect(statuses(d).dashboard).toBe('degraded_performance');
  });

  it('gives back a component this incident itself put under maintenance, when no window holds it', () => {
    const d = threeComponents();
    const inc = declare(d, { impact: 'none', status: 'identified', components: { db: 'under_maintenance' } });
    postUpdate(ctx(d, 10), inc.id, { status: 'resolved', body: 'Done.' });
    expect(statuses(d).db).toBe('operational');
    expect(inc.updates.at(-1)!.affected_components).toEqual([
      { code: 'db', name: 'DB', old_status: 'under_maintenance', new_status: 'operational' },
    ]);
  });

  it("gives back maintenance an incident declared when another incident overlaps it: the other's word, then operational", () => {
    const d = threeComponents();
    const y = declare(d, { name: 'Slow', impact: 'minor', components: { db: 'degraded_performance' } });
    const x = declare(d, { name: 'Reindex', impact: 'none', status: 'identified', components: { db: 'under_maintenance' } }, 5);
    postUpdate(ctx(d, 10), x.id, { status: 'resolved', body: 'Done.' });
    expect(statuses(d).db).toBe('degraded_performance');
    postUpdate(ctx(d, 20), y.id, { status: 'resolved', body: 'Fast again.' });
    expect(statuses(d).db).toBe('operational');
  });

  it('gives back under_maintenance, not its outage, while a running window covers the component', () => {
    const d = threeComponents();
    d.maintenances.push(maintenance('MNT-2026-11-22-1', 'in_progress', { components: ['api'] }));
    const inc = declare(d, { components: { api: 'partial_outage', dashboard: 'major_outage' } }, 5);
    postUpdate(ctx(d, 10), inc.id, { status: 'resolved', body: 'Fixed.' });
    expect(statuses(d)).toEqual({ api: 'under_maintenance', dashboard: 'operational', db: 'operational' });
    expect(inc.updates.at(-1)!.affected_components).toEqual([
      { code: 'api', name: 'API', old_status: 'partial_outage', new_status: 'under_maintenance' },
      { code: 'dashboard', name: 'DASHBOARD', old_status: 'major_outage', new_status: 'operational' },
    ]);
  });

  it('gives back what the other open incidents say now (their latest statuses, the worst), not what this one left', () => {
    const d = threeComponents();
    const a = declare(d, { components: { api: 'degraded_performance', dashboard: 'partial_outage' } });
    const b = declare(d, { name: 'Worse', impact: 'critical', components: { api: 'major_outage', dashboard: 'major_outage' } }, 5);
    postUpdate(ctx(d, 8), a.id, { status: 'monitoring', body: 'Dashboard fixed.', components: { dashboard: 'operational' } });
    postUpdate(ctx(d, 10), b.id, { status: 'resolved', body: 'B fixed.' });
    expect(statuses(d)).toEqual({ api: 'degraded_performance', dashboard: 'operational', db: 'operational' });
  });

  it('a milder incident beside an outage does not ease it: the component shows the worst open word until each ends', () => {
    const d = threeComponents();
    const a = declare(d, { components: { api: 'major_outage' } });
    const b = declare(d, { name: 'Slow API', impact: 'minor', components: { api: 'degraded_performance' } }, 5);
    // Before: degraded_performance, under an open outage the page still listed.
    expect(statuses(d).api).toBe('major_outage');
    expect(b.updates[0]!.affected_components).toEqual([
      { code: 'api', name: 'API', old_status: 'major_outage', new_status: 'degraded_performance', shown: 'major_outage' },
    ]);
    postUpdate(ctx(d, 10), b.id, { status: 'resolved', body: 'B fixed.' });
    expect(statuses(d).api).toBe('major_outage');
    postUpdate(ctx(d, 20), a.id, { status: 'resolved', body: 'A fixed.' });
    expect(statuses(d).api).toBe('operational');
  });

  it("another incident's operational does not end an outage: it holds until the incident that gave it says otherwise", () => {
    const d = threeComponents();
    const a = declare(d, { components: { api: 'major_outage' } });
    const b = declare(d, { name: 'Slow API', impact: 'minor', components: { api: 'degraded_performance' } }, 5);
    postUpdate(ctx(d, 10), b.id, { status: 'monitoring', body: 'B fixed.', components: { api: 'operational' } });
    // Before: operational, beside the outage's "investigating".
    expect(statuses(d).api).toBe('major_outage');
    postUpdate(ctx(d, 15), a.id, { status: 'monitoring', body: 'Easing.', components: { api: 'partial_outage' } });
    expect(statuses(d).api).toBe('partial_outage');
    postUpdate(ctx(d, 20), a.id, { status: 'resolved', body: 'A fixed.' });
    // B's own word is operational.
    expect(statuses(d).api).toBe('operational');
    postUpdate(ctx(d, 25), b.id, { status: 'resolved', body: 'B over.' });
    expect(statuses(d).api).toBe('operational');
  });

  it('an incident saying operational of a component a running window covers leaves it under maintenance', () => {
    const d = threeComponents();
    d.maintenances.push(maintenance('MNT-2026-11-22-1', 'in_progress', { components: ['api'] }));
    d.components[0]!.status = 'under_maintenance';
    const inc = declare(d, { components: { api: 'partial_outage' } }, 5);
    expect(statuses(d).api).toBe('partial_outage');
    postUpdate(ctx(d, 10), inc.id, { status: 'monitoring', body: 'Fixed.', components: { api: 'operational' } });
    // Before: operational, while the window still ran.
    expect(statuses(d).api).toBe('under_maintenance');
  });

  it('restores a component whatever its id, even one named like an Object property', () => {
    const d = db([{ id: 'constructor' }, { id: 'api' }]);
    const inc = declare(d, {
      components: Object.fromEntries([
        ['constructor', 'major_outage'],
        ['api', 'partial_outage'],
      ] as const),
    });
    postUpdate(ctx(d, 10), inc.id, { status: 'resolved', body: 'Fixed.' });
    expect(statuses(d)).toEqual({ constructor: 'operational', api: 'operational' });
  });

  it('does not restore again on a follow-up note', () => {
    const d = threeComponents();
    const inc = declare(d, { components: { api: 'partial_outage' } });
    postUpdate(ctx(d, 10), inc.id, { status: 'resolved', body: 'Fixed.' });
    // Someone marks the component degraded by hand later; a note on the old incident must not undo that.
    d.components[0]!.status = 'degraded_performance';
    postUpdate(ctx(d, 20), inc.id, { status: 'resolved', body: 'Postscript.' });
    expect(statuses(d).api).toBe('degraded_performance');
  });
});

describe('updates posted within one millisecond (a script; an in-process test on a memory disk)', () => {
  it('are newest first in the order posted: the later one leads', () => {
    const d = threeComponents();
    const inc = declare(d);
    // ctx(d, 0) each time: the same instant for the declaration and both updates.
    postUpdate(ctx(d, 0), inc.id, { status: 'identified', body: 'Found it.' });
    postUpdate(ctx(d, 0), inc.id, { status: 'monitoring', body: 'A fix is out.' });
    // Before: ['investigating', 'identified', 'monitoring'], the oldest taken for the latest (a flaky API test).
    expect(updatesNewestFirst(inc).map((u) => u.status)).toEqual(['monitoring', 'identified', 'investigating']);
  });
});

describe('a time given a little ahead of Herald’s clock (a sender’s clock up to a minute apart)', () => {
  const ahead = (d: Db, minutes: number, seconds: number) => new Date(ctx(d, minutes).now.getTime() + seconds * 1000).toISOString();

  it('is taken as now: a start 55 s ahead keeps the resolution posted 30 s later after it, and the resolution first', () => {
    const d = threeComponents();
    const inc = declare(d, { started_at: ahead(d, 0, 55) });
    expect(inc.started_at, 'the start, at Herald’s now').toBe(ctx(d, 0).now.toISOString());
    postUpdate(ctx(d, 0.5), inc.id, { status: 'resolved', body: 'Fixed.', components: { api: 'operational' } });
    // Before: started 22:17:35, resolved 22:16:40, and the first update (investigating) sorted as the latest.
    expect(Date.parse(inc.resolved_at!)).toBeGreaterThan(Date.parse(inc.started_at));
    expect(updatesNewestFirst(inc).map((u) => u.status)).toEqual(['resolved', 'investigating']);
  });

  it('an update dated 50 s ahead does not outrank the one posted after it; more than a minute ahead is still refused', () => {
    const d = threeComponents();
    const inc = declare(d);
    postUpdate(ctx(d, 1), inc.id, { status: 'identified', body: 'Found it.', display_at: ahead(d, 1, 50) });
    postUpdate(ctx(d, 1.2), inc.id, { status: 'monitoring', body: 'A fix is out.' });
    expect(updatesNewestFirst(inc).map((u) => u.status)).toEqual(['monitoring', 'identified', 'investigating']);
    const field = refused(
      () => postUpdate(ctx(d, 2), inc.id, { status: 'monitoring', body: 'Later.', display_at: ahead(d, 2, 61) }),
      Invalid,
    );
    expect(field).toMatchObject({ field: 'display_at' });
    expect(inc.updates).toHaveLength(3);
  });

  it('a backfill declared resolved with its end a little ahead ends now, after its start', () => {
    const d = threeComponents();
    const inc = declare(d, {
      status: 'resolved',
      started_at: ahead(d, 0, -3_600),
      resolved_at: ahead(d, 0, 30),
      components: { api: 'operational' },
    });
    expect(inc.resolved_at).toBe(ctx(d, 0).now.toISOString());
    expect(() => declare(d, { status: 'resolved', started_at: ahead(d, 0, -60), resolved_at: ahead(d, 0, 90) })).toThrow(
      'resolved_at cannot be in the future.',
    );
  });
});
