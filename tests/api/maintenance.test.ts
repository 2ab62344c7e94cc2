import { describe, expect, it } from 'vitest';
import { heraldPerTest, openInProcess, type InProcess } from '../helpers/app.ts';
// The polling helper; `until` here names the end of a window.
import { until as eventually } from '../helpers/poll.ts';

/**
 * The maintenance admin API (README "Maintenance"), in process: scheduling,
 * the hand moves and the ones refused, rescheduling, notes, and how the
 * public v2 documents show a window. Each test gets a fresh Herald with the
 * components `db` and `api` (or shares one with the other tests of its describe
 * where that says oneHerald()); windows lie a day or more ahead, so the timer
 * never moves them during a test.
 */
type Json = Record<string, any>;
type Init = { method?: string; body?: unknown; headers?: Record<string, string> };

let p: InProcess;
const hours = (n: number) => new Date(Date.now() + n * 3_600_000).toISOString();
const call = async (path: string, init?: Init) => {
  const res = await p.admin(path, init);
  return { status: res.status, body: (await res.json()) as Json };
};
const schedule = (extra: Json = {}) =>
  call('/maintenances', {
    body: { name: 'Database upgrade', scheduled_for: hours(24), scheduled_until: hours(26), components: ['db'], ...extra },
  });
const step = (id: string, name: string, body?: Json) => call(`/maintenances/${id}/${name}`, { method: 'POST', body });
const componentStatus = async (id: string) => (await call(`/components/${id}`)).body.status;
const v2 = async (doc: string) => ((await (await p.request(`/api/v2/${doc}.json`)).json()) as Json).scheduled_maintenances as Json[];

/** A Herald in process with the components `db` and `api`. */
const opened = async (): Promise<InProcess> => {
  const herald = await openInProcess();
  for (const id of ['db', 'api']) expect((await herald.admin('/components', { body: { id, name: id.toUpperCase() } })).status).toBe(201);
  return herald;
};
// Each test on a Herald of its own, or one its describe shares (oneHerald): for tests that store nothing, or look
// only at their own window.
const { oneHerald } = heraldPerTest(opened, (h) => {
  p = h;
});

describe('scheduling', () => {
  // The refusals first, on a Herald that then holds no window: the numbering below starts at 1 still.
  oneHerald();
  it.each([
    ['a start without a zone', { scheduled_for: '2030-01-01T02:00:00' }, 'scheduled_for'],
    ['an end before the start', { scheduled_until: hours(23) }, 'scheduled_until'],
    ['an end in the past', { scheduled_for: hours(-3), scheduled_until: hours(-1) }, 'scheduled_until'],
    ['an unknown component', { components: ['db', 'nope'] }, 'components.1'],
    ['an unknown key', { colour: 'red' }, 'colour'],
  ])('refuses %s with 422 naming the field', async (_label, extra, field) => {
    const { status, body } = await schedule(extra);
    expect(status).toBe(422);
    expect(body.error.field).toBe(field);
    expect((await call('/maintenances')).body.scheduled_maintenances).toEqual([]);
  });

  it('answers 201 with MNT-<UTC date of scheduled_for>-<n>, status scheduled, components untouched', async () => {
    const { status, body } = await schedule({ body: 'Expect brief errors.' });
    expect(status).toBe(201);
    expect(body.id).toBe(`MNT-${body.scheduled_for.slice(0, 10)}-1`);
    expect(body).toMatchObject({ status: 'scheduled', impact: 'maintenance', sequence: 0, auto_transitions: true, cancelled_at: null });
    expect(body.components).toMatchObject([{ id: 'db', status: 'operational' }]);
    expect(body.incident_updates).toMatchObject([{ status: 'scheduled', body: 'Expect brief errors.', affected_components: null }]);
    expect(await componentStatus('db')).toBe('operational');
    const second = await schedule({ name: 'Second', scheduled_for: body.scheduled_for, scheduled_until: body.scheduled_until });
    expect(second.body.id).toBe(`MNT-${body.scheduled_for.slice(0, 10)}-2`);
  });

  it('stores its times in UTC whatever offset they were sent with', async () => {
    const from = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 30 * 3_600_000);
    const local = `${new Date(from.getTime() + 2 * 3_600_000).toISOString().slice(0, 19)}+02:00`;
    const { body } = await schedule({ scheduled_for: local, scheduled_until: hours(40) });
    expect(body.scheduled_for).toBe(from.toISOString());
  });
});

describe('hand moves', () => {
  it('start puts the components under maintenance, verify stops automatic completion, complete restores them', async () => {
    const { body: m } = await schedule();
    const started = await step(m.id, 'start', { body: 'Work has begun.' });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ status: 'in_progress', auto_transitions: true });
    expect(started.body.incident_updates[0]).toMatchObject({ status: 'in_progress', body: 'Work has begun.' });
    expect(await componentStatus('db')).toBe('under_maintenance');
    expect(await componentStatus('api')).toBe('operational');
    const status = ((await (await p.request('/api/v2/status.json')).json()) as Json).status;
    expect(status).toEqual({ indicator: 'maintenance', description: 'Service Under Maintenance' });

    const verifying = await step(m.id, 'verify');
    expect(verifying.body).toMatchObject({ status: 'verifying', auto_transitions: false });
    const completed = await step(m.id, 'complete');
    expect(completed.status).toBe(201);
    expect(completed.body).toMatchObject({ status: 'completed', cancelled_at: null });
    expect(completed.body.resolved_at).toBe(completed.body.incident_updates[0].display_at);
    expect(await componentStatus('db')).toBe('operational');
  });

  it('cancel before the start: completed with cancelled_at, sequence raised, components never touched', async () => {
    const { body: m } = await schedule();
    const { status, body } = await step(m.id, 'cancel');
    expect(status).toBe(201);
    expect(body).toMatchObject({ status: 'completed', sequence: 1 });
    expect(body.cancelled_at).toEqual(expect.any(String));
    expect(body.incident_updates[0].affected_components).toBeNull();
    expect(await componentStatus('db')).toBe('operational');
  });

  const refused = async (id: string, moves: string[]) => {
    for (const move of moves) {
      const res = await step(id, move);
      expect(res.status, move).toBe(409);
      expect(res.body.error, move).toMatchObject({ code: 'maintenance_state', field: 'status' });
    }
  };

  it('refuses verify and complete before the start (409 maintenance_state)', async () => {
    const { body: m } = await schedule();
    await refused(m.id, ['verify', 'complete']);
    expect((await call(`/maintenances/${m.id}`)).body.status).toBe('scheduled');
  });

  it('refuses start and cancel once started (409 maintenance_state)', async () => {
    const { body: m } = await schedule();
    await step(m.id, 'start');
    await refused(m.id, ['start', 'cancel']);
    expect((await call(`/maintenances/${m.id}`)).body.status).toBe('in_progress');
  });

  it('refuses every move and a reschedule once completed or cancelled (409 maintenance_state)', async () => {
    const { body: done } = await schedule();
    await step(done.id, 'start');
    await step(done.id, 'complete');
    await refused(done.id, ['start', 'verify', 'complete', 'cancel']);
    const { body: cancelled } = await schedule({ name: 'Called off' });
    await step(cancelled.id, 'cancel');
    await refused(cancelled.id, ['start', 'verify', 'complete', 'cancel']);
    const moved = await call(`/maintenances/${cancelled.id}/reschedule`, { body: { scheduled_until: hours(30) } });
    expect(moved.status).toBe(409);
    expect(moved.body.error.code).toBe('maintenance_state');
  });
});

describe('rescheduling and notes', () => {
  // Each test looks only at its own window.
  oneHerald();
  it('moves both ends while scheduled, raising sequence', async () => {
    const { body: m } = await schedule();
    const [from, until] = [hours(48), hours(50)];
    const { status, body } = await call(`/maintenances/${m.id}/reschedule`, { body: { scheduled_for: from, scheduled_until: until } });
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'scheduled', scheduled_for: from, scheduled_until: until, sequence: 1 });
    expect(body.incident_updates[0].body).toMatch(/^This maintenance has been rescheduled to /);
  });

  it('once started moves only the end (422 for the start), raising sequence again', async () => {
    const { body: m } = await schedule();
    await step(m.id, 'start');
    const start = await call(`/maintenances/${m.id}/reschedule`, { body: { scheduled_for: hours(25) } });
    expect(start.status).toBe(422);
    expect(start.body.error.field).toBe('scheduled_for');
    const until = hours(28);
    const end = await call(`/maintenances/${m.id}/reschedule`, { body: { scheduled_until: until } });
    expect(end.status).toBe(200);
    expect(end.body).toMatchObject({ status: 'in_progress', sequence: 1, scheduled_for: m.scheduled_for, scheduled_until: until });
    expect(end.body.incident_updates[0].body).toMatch(/^This maintenance has been extended until /);
  });

  it('a note adds an update and leaves the status where it was', async () => {
    const { body: m } = await schedule();
    const { status, body } = await call(`/maintenances/${m.id}/updates`, { body: { body: 'Half of the databases are done.' } });
    expect(status).toBe(201);
    expect(body.status).toBe('scheduled');
    expect(body.incident_updates).toHaveLength(2);
    expect(body.incident_updates[0]).toMatchObject({ status: 'scheduled', body: 'Half of the databases are done.' });
  });
});

describe('a maintenance is not an incident', () => {
  it('incident routes refuse a window (409 wrong_kind), and maintenance routes refuse an incident', async () => {
    const { body: m } = await schedule();
    const asIncident = await call(`/incidents/${m.id}/updates`, { body: { status: 'identified', body: 'x' } });
    expect(asIncident.status).toBe(409);
    expect(asIncident.body.error).toMatchObject({ code: 'wrong_kind', field: 'id' });
    const { body: inc } = await call('/incidents', { body: { name: 'Outage', impact: 'minor', body: 'x' } });
    const asWindow = await step(inc.id, 'start');
    expect(asWindow.status).toBe(409);
    // Before: no field, where the incident routes name the id.
    expect(asWindow.body.error).toMatchObject({ code: 'wrong_kind', field: 'id' });
  });

  it('answers 404 for an unknown window', async () => {
    const res = await step('MNT-2001-01-01-1', 'start');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'not_found', field: 'id' });
  });

  it('the v2 scheduled-maintenances documents list it with impact "maintenance", never the incident ones', async () => {
    const { body: m } = await schedule();
    const ids = (list: Json[]) => list.map((x) => x.id);
    expect(ids(await v2('scheduled-maintenances'))).toEqual([m.id]);
    expect(ids(await v2('scheduled-maintenances/upcoming'))).toEqual([m.id]);
    expect(ids(await v2('scheduled-maintenances/active'))).toEqual([]);
    expect((await v2('scheduled-maintenances'))[0]).toMatchObject({
      impact: 'maintenance',
      status: 'scheduled',
      scheduled_for: m.scheduled_for,
      scheduled_until: m.scheduled_until,
    });
    const incidents = ((await (await p.request('/api/v2/incidents.json')).json()) as Json).incidents;
    expect(incidents).toEqual([]);

    await step(m.id, 'start');
    expect(ids(await v2('scheduled-maintenances/upcoming'))).toEqual([]);
    expect(await v2('scheduled-maintenances/active')).toMatchObject([{ id: m.id, impact: 'maintenance', status: 'in_progress' }]);
    expect(ids(await v2('summary'))).toEqual([m.id]);
  });
});

describe('incidents during a window', () => {
  const minutes = (n: number) => new Date(Date.now() + n * 60_000).toISOString();
  const summary = async () => (await (await p.request('/api/v2/summary.json')).json()) as Json;
  const banner = async () => (await (await p.request('/api/banner.json')).json()) as Json;
  const declare = (components: Json) =>
    call('/incidents', { body: { name: 'API errors', severity: 'sev2', status: 'investigating', body: 'Looking.', components } });

  it('an incident resolved while the window runs leaves the component under maintenance, and the end gives operational', async () => {
    // Started by the timer at once: its start is already past.
    const { body: m } = await schedule({ scheduled_for: minutes(-1), scheduled_until: minutes(6), components: ['api'] });
    await eventually(async () => (await componentStatus('api')) === 'under_maintenance', 'the timer to start the window', 10_000);
    const { body: inc } = await declare({ api: 'partial_outage' });
    expect(await componentStatus('api')).toBe('partial_outage');
    expect((await call(`/incidents/${inc.id}/updates`, { body: { status: 'resolved', body: 'ok' } })).status).toBe(201);
    expect(await componentStatus('api')).toBe('under_maintenance');
    expect((await step(m.id, 'complete')).status).toBe(201);

    const s = await summary();
    expect(s.components.find((c: Json) => c.id === 'api').status).toBe('operational');
    expect(s.status.indicator).toBe('none');
    expect(s.incidents).toEqual([]);
    expect(s.scheduled_maintenances).toEqual([]);
    expect(await banner()).toMatchObject({ active: false, indicator: 'none' });
  });

  it("overlapping windows keep the open incident's status, worse than maintenance, and it stays when the last one ends", async () => {
    const { body: inc } = await declare({ api: 'degraded_performance' });
    await call(`/incidents/${inc.id}/updates`, { body: { status: 'identified', body: 'Found it.' } });
    const { body: a } = await schedule({ components: ['api'] });
    const { body: b } = await schedule({ name: 'B', scheduled_for: hours(25), scheduled_until: hours(28), components: ['api'] });
    await step(a.id, 'start');
    // Before: under_maintenance, the open incident's degraded hidden by the window's start.
    expect(await componentStatus('api')).toBe('degraded_performance');
    await step(b.id, 'start');
    await step(a.id, 'complete');
    expect(await componentStatus('api')).toBe('degraded_performance');
    await step(b.id, 'complete');
    expect(await componentStatus('api')).toBe('degraded_performance');
    expect((await summary()).status.indicator).toBe('major'); // sev2, still open
    await call(`/incidents/${inc.id}/updates`, { body: { status: 'resolved', body: 'Fixed.' } });
    expect(await componentStatus('api')).toBe('operational');
  });
});
