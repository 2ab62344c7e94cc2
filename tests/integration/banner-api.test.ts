import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, tempDataDir, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { engineEnvWith } from '../helpers/engine.ts';
import { writeIntegrationsDb } from '../helpers/integrations-fixture.ts';

/** GET /api/banner.json over a real server: shape, filter, CORS, ETag/304, freshness. */
let herald: HeraldProcess;
const get = (q = '', headers: Record<string, string> = {}) => fetch(`${herald.url}/api/banner.json${q}`, { headers });
const KEYS = [
  'active',
  'components',
  'dismiss_key',
  'eta',
  'incident_id',
  'indicator',
  'kind',
  'message',
  'others',
  'status',
  'title',
  'updated_at',
  'url',
];

beforeAll(async () => {
  const dataDir = tempDataDir();
  writeIntegrationsDb(dataDir);
  herald = await startHerald({ dataDir, env: { ...(await engineEnvWith(dataDir)), SITE_URL: 'https://status.example.com' } });
});

afterAll(() => stopAll(herald));

describe('/api/banner.json', () => {
  it('always has the same keys; shows the open incident; CORS for any origin', async () => {
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+, stale-while-revalidate=\d+/);
    const b = (await res.json()) as any;
    expect(Object.keys(b).sort()).toEqual(KEYS);
    expect(b).toMatchObject({ active: true, indicator: 'major', title: 'Elevated API error rates', components: ['api'] });
    // Only the dashboard, which nothing affects (an unknown id alone would be no filter: the outage shows).
    const quiet = (await (await get('?components=dashboard')).json()) as any;
    expect(Object.keys(quiet).sort()).toEqual(KEYS);
    expect(quiet).toMatchObject({ active: false, incident_id: null, kind: null, dismiss_key: null, message: '' });
  });

  it('filters by component; the same filter in any order shares one cached body', async () => {
    const hooks = (await (await get('?components=webhooks')).json()) as any;
    expect(hooks).toMatchObject({ active: true, incident_id: 'MNT-now', kind: 'maintenance', indicator: 'maintenance' });
    const a = await get('?components=webhooks,api');
    const b = await get('?components=api,%20webhooks,api');
    expect(a.headers.get('etag')).toBe(b.headers.get('etag'));
  });

  it('answers a preflight and If-None-Match', async () => {
    const pre = await fetch(`${herald.url}/api/banner.json`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.org', 'Access-Control-Request-Method': 'GET' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    const etag = (await get()).headers.get('etag')!;
    const again = await get('', { 'If-None-Match': `W/${etag}` });
    expect(again.status).toBe(304);
  });

  it('is fresh right after a publish: a new update changes dismiss_key and message', async () => {
    const before = (await (await get()).json()) as any;
    const res = await herald.admin(`/incidents/${before.incident_id}/updates`, {
      body: { status: 'monitoring', body: 'A fix is deployed; we are **monitoring**.' },
    });
    expect(res.status).toBe(201);
    const after = (await (await get()).json()) as any;
    expect(after.dismiss_key).not.toBe(before.dismiss_key);
    expect(after.message).toBe('A fix is deployed; we are monitoring.');
    const resolved = await herald.admin(`/incidents/${before.incident_id}/updates`, { body: { status: 'resolved', body: 'Resolved.' } });
    expect(resolved.status).toBe(201);
    // The in-progress maintenance remains.
    expect((await (await get()).json()) as any).toMatchObject({ active: true, incident_id: 'MNT-now' });
  });
});
