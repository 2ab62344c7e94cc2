import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
// The polling helper; `until` here names the end of a window.
import { until as eventually } from '../helpers/poll.ts';

type Json = Record<string, any>;

describe('the maintenance timer on a real server', () => {
  let h: HeraldProcess;
  const json = async (path: string) => (await (await h.admin(path)).json()) as Json;
  const component = async (id: string) => (await json(`/components/${id}`)).status as string;

  beforeAll(async () => {
    h = await startHerald({ env: { MAINTENANCE_REMINDER_MINUTES: '0' } });
    for (const id of ['db', 'api']) expect((await h.admin('/components', { body: { id, name: id.toUpperCase() } })).status).toBe(201);
  });
  afterAll(() => stopAll(h));

  it('a window 5 s ahead starts and ends on its own, with no request arriving', async () => {
    const from = new Date(Date.now() + 5000);
    const until = new Date(from.getTime() + 2000);
    const res = await h.admin('/maintenances', {
      body: { name: 'Database failover test', scheduled_for: from.toISOString(), scheduled_until: until.toISOString(), components: ['db'] },
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as Json;
    expect(id).toMatch(/^MNT-\d{4}-\d{2}-\d{2}-1$/);
    const before = await component('db');
    // The precondition, not the property: the window was saved and read back before it began, so its start is the
    // armed timer waking at the due time (a window saved already due is started by the re-arm on the write: another test).
    expect(Date.now(), 'the POST and a read answered within the 5 s lead; a run this slow cannot test the timer waking').toBeLessThan(
      from.getTime(),
    );
    // Saved ahead of its start, the window has not started it early.
    expect(before).toBe('operational');

    // Sleep through the whole window: only the server's own timer can move it.
    await new Promise((r) => setTimeout(r, until.getTime() - Date.now() + 1500));
    const done = await eventually(
      async () => {
        const m = await json(`/maintenances/${id}`);
        return m.status === 'completed' && m;
      },
      `${id} to be completed`,
      20_000,
      100,
    );
    expect(done.incident_updates.map((u: Json) => u.status)).toEqual(['completed', 'in_progress', 'scheduled']);
    const start = done.incident_updates[1];
    expect(start.affected_components).toEqual([{ code: 'db', name: 'DB', old_status: 'operational', new_status: 'under_maintenance' }]);
    expect(start.author).toBe('timer');
    expect(Date.parse(start.display_at)).toBe(from.getTime());
    expect(Date.parse(done.resolved_at)).toBe(until.getTime());
    expect(await component('db')).toBe('operational');
    expect(await component('api')).toBe('operational');
  });

  it('shows a running window on / (above the incidents resolved today) and /maintenance, and its components under maintenance', async () => {
    const declared = await h.admin('/incidents', {
      body: { name: 'Slow search', impact: 'minor', body: 'Slow.', components: {}, notify: false },
    });
    const { id: incident } = (await declared.json()) as Json;
    expect((await h.admin(`/incidents/${incident}/updates`, { body: { status: 'resolved', body: 'Fast again.' } })).status).toBe(201);
    const from = new Date(Date.now() - 60_000);
    const until = new Date(Date.now() + 3_600_000);
    const { id } = (await (
      await h.admin('/maintenances', {
        body: { name: 'Queue migration', scheduled_for: from.toISOString(), scheduled_until: until.toISOString(), components: ['api'] },
      })
    ).json()) as Json;
    await eventually(async () => (await component('api')) === 'under_maintenance', 'the api component under maintenance', 20_000, 100);
    const home = await (await fetch(`${h.url}/`)).text();
    expect(home).toContain('Maintenance in progress');
    expect(home).toContain('Queue migration');
    expect(home).toContain('Service Under Maintenance');
    // What is under way comes before what is over: a window running now is not below a resolved timeline.
    const maintenance = home.indexOf('class="maintenance-list"');
    const recent = home.indexOf('class="recent"');
    expect(recent).toBeGreaterThan(-1);
    expect(maintenance).toBeGreaterThan(-1);
    expect(maintenance).toBeLessThan(recent);
    const page = await (await fetch(`${h.url}/maintenance`)).text();
    expect(page).toContain('Queue migration');
    expect(page).toContain(`href="/incidents/${id}"`);
    // Completed by hand: the component returns at once.
    expect((await h.admin(`/maintenances/${id}/complete`, { method: 'POST' })).status).toBe(201);
    expect(await component('api')).toBe('operational');
  });

  it('after a restart that missed the whole window, starts and completes it at once, dated when due', async () => {
    const from = new Date(Date.now() + 5000);
    const until = new Date(from.getTime() + 1000);
    const { id } = (await (
      await h.admin('/maintenances', {
        body: { name: 'Missed window', scheduled_for: from.toISOString(), scheduled_until: until.toISOString(), components: ['db'] },
      })
    ).json()) as Json;
    await h.stop();
    // The precondition, not the property: the old process stopped before the window began, so it never started it.
    expect(h.output(), 'the old process started the window before its SIGTERM took effect: a run too slow for the 5 s lead').not.toContain(
      `maintenance ${id}: start`,
    );
    await new Promise((r) => setTimeout(r, until.getTime() - Date.now() + 500));
    h = await startHerald({ dataDir: h.dataDir, env: { MAINTENANCE_REMINDER_MINUTES: '0' } });
    const m = await eventually(
      async () => {
        const r = await json(`/maintenances/${id}`);
        return r.status === 'completed' && r;
      },
      `${id} to be completed after the restart`,
      20_000,
      100,
    );
    expect(Date.parse(m.started_at)).toBe(from.getTime());
    expect(Date.parse(m.resolved_at)).toBe(until.getTime());
    expect(await component('db')).toBe('operational');
    expect(h.output()).toContain(`maintenance ${id}: start`);
  });
});
