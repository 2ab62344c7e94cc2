import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';

/**
 * A status set by hand that the component shows already (README "Incident rules": "a status set by hand
 * holds it"): the PATCH naming it is the operator's hand whether or not the status changes, so it is
 * recorded, once, and holds maintenance past the incident's resolution.
 */
type Json = Record<string, any>;
let h: HeraldProcess;
const admin = async (path: string, body?: unknown, init: { method?: string; headers?: Record<string, string> } = {}) => {
  const res = await h.admin(path, { body, ...init });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as Json };
};
const component = async (id: string) => (await admin(`/components/${id}`)).body;
const handSet = async (id: string) => ((await component(id)).hand_set ?? []) as Json[];

beforeAll(async () => {
  h = await startHerald({ env: { HERALD_SEED: 'none' } });
});
afterAll(() => stopAll(h));

describe('a status set by hand that the component already shows', () => {
  it('is recorded, and holds maintenance after the incident that gave it resolves', async () => {
    expect((await admin('/components', { id: 'search', name: 'Search' })).status).toBe(201);
    const declared = await admin('/incidents', {
      name: 'Search reindex',
      impact: 'minor',
      body: 'Reindexing.',
      components: { search: 'under_maintenance' },
    });
    expect(declared.status).toBe(201);
    const patch = { method: 'PATCH', headers: { 'idempotency-key': 'hand-1' } };
    expect((await admin('/components/search', { status: 'under_maintenance' }, patch)).status).toBe(200);
    // Before: no hand_set at all, and search went operational at the resolution.
    expect(await handSet('search')).toEqual([expect.objectContaining({ status: 'under_maintenance', to: null })]);
    // Retried (same key, then same body without one): one period still.
    expect((await admin('/components/search', { status: 'under_maintenance' }, patch)).status).toBe(200);
    expect((await admin('/components/search', { status: 'under_maintenance' }, { method: 'PATCH' })).status).toBe(200);
    expect(await handSet('search')).toHaveLength(1);

    const resolved = await admin(`/incidents/${declared.body.id}/updates`, { status: 'resolved', body: 'Done.' });
    expect(resolved.status).toBe(201);
    expect((await component('search')).status).toBe('under_maintenance');
  });

  it('is recorded while a running window holds it under maintenance', async () => {
    expect((await admin('/components', { id: 'index', name: 'Index' })).status).toBe(201);
    const from = Date.now() + 60_000;
    const made = await admin('/maintenances', {
      name: 'Index rebuild',
      scheduled_for: new Date(from).toISOString(),
      scheduled_until: new Date(from + 3_600_000).toISOString(),
      components: ['index'],
    });
    expect(made.status).toBe(201);
    expect((await admin(`/maintenances/${made.body.id}/start`, { body: 'Started.' })).status).toBeLessThan(300);
    expect((await component('index')).status).toBe('under_maintenance');
    const before = (await component('index')).updated_at;
    expect((await admin('/components/index', { status: 'under_maintenance' }, { method: 'PATCH' })).status).toBe(200);
    // Before: nothing recorded.
    expect(await handSet('index')).toEqual([expect.objectContaining({ status: 'under_maintenance', to: null })]);
    // The page shows no change: the component's updated_at stays.
    expect((await component('index')).updated_at).toBe(before);
  });
});
