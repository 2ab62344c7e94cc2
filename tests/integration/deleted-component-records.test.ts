import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';

/**
 * A component deleted with force after incidents and windows named it (README "Incidents and components":
 * "they keep its name"): every reader keeps it, the JSON ones too, in the v2 component shape with the name it
 * had and the status the event gave it. An event naming no component reads as page-wide to a v2 client.
 */
type Json = Record<string, any>;
let h: HeraldProcess;
const json = async (path: string) => (await (await fetch(`${h.url}${path}`)).json()) as Json;
const admin = async (path: string, body?: unknown, method?: string) => {
  const res = await h.admin(path, { body, method });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as Json };
};

beforeAll(async () => {
  h = await startHerald({ env: { HERALD_SEED: 'none', SITE_NAME: 'Acme' } });
  expect((await admin('/components', { id: 'keep', name: 'Keep' })).status).toBe(201);
});
afterAll(() => stopAll(h));

describe('a component deleted with force, in the JSON records of the events that named it', () => {
  it('stays in a past incident: v2 incidents.json and the admin API, with its name and the outage the incident gave it', async () => {
    expect((await admin('/components', { id: 'card-payments', name: 'Card payments', group: 'Money', description: 'Cards' })).status).toBe(
      201,
    );
    const day = 86_400_000;
    const declared = await admin('/incidents', {
      name: 'Old card outage',
      impact: 'major',
      status: 'resolved',
      body: 'Cards failed for an hour.',
      components: { 'card-payments': 'major_outage' },
      started_at: new Date(Date.now() - 2 * day).toISOString(),
      resolved_at: new Date(Date.now() - 2 * day + 3_600_000).toISOString(),
    });
    expect(declared.status).toBe(201);
    const id = declared.body.id as string;
    expect((await admin('/components/card-payments?force=true', undefined, 'DELETE')).status).toBe(204);

    const page = await (await fetch(`${h.url}/incidents/${id}`)).text();
    expect(page).toContain('Card payments');
    const v2 = (await json('/api/v2/incidents.json')).incidents.find((i: Json) => i.id === id);
    // Before: `components: []`, an incident of the whole page to a v2 client.
    expect(v2.components).toHaveLength(1);
    expect(v2.components[0]).toMatchObject({
      id: 'card-payments',
      name: 'Card payments',
      status: 'major_outage',
      description: 'Cards',
      showcase: true,
      group: false,
      // Its group went with it (groups exist only while they hold components).
      group_id: null,
      only_show_if_degraded: false,
    });
    // The keys of a live component's record, no more, no fewer.
    const live = (await json('/api/v2/components.json')).components.find((c: Json) => c.id === 'keep');
    expect(Object.keys(v2.components[0]).sort()).toEqual(Object.keys(live).sort());
    const listed = (await admin('/incidents')).body.incidents.find((i: Json) => i.id === id);
    expect(listed.components).toEqual(v2.components);
    expect((await admin(`/incidents/${id}`)).body.components).toEqual(v2.components);
  });

  it('stays in a past window: v2 scheduled-maintenances.json and the admin API, under maintenance', async () => {
    expect((await admin('/components', { id: 'search', name: 'Search' })).status).toBe(201);
    const from = Date.now() + 60_000;
    const made = await admin('/maintenances', {
      name: 'Index rebuild',
      scheduled_for: new Date(from).toISOString(),
      scheduled_until: new Date(from + 3_600_000).toISOString(),
      components: ['search'],
    });
    expect(made.status).toBe(201);
    const id = made.body.id as string;
    expect((await admin(`/maintenances/${id}/start`, { body: 'Started.' })).status).toBeLessThan(300);
    expect((await admin(`/maintenances/${id}/complete`, { body: 'Done.' })).status).toBeLessThan(300);
    expect((await admin('/components/search?force=true', undefined, 'DELETE')).status).toBe(204);

    const v2 = (await json('/api/v2/scheduled-maintenances.json')).scheduled_maintenances.find((m: Json) => m.id === id);
    // Before: `components: []`.
    expect(v2.components).toEqual([expect.objectContaining({ id: 'search', name: 'Search', status: 'under_maintenance', group_id: null })]);
    expect((await admin(`/maintenances/${id}`)).body.components).toEqual(v2.components);
  });
});
