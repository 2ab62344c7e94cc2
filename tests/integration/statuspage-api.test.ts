import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startHerald, tempDataDir, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { engineEnvWith } from '../helpers/engine.ts';
import { writeIntegrationsDb } from '../helpers/integrations-fixture.ts';
import { MS_TIMESTAMP, ShapeBook, type CompareOptions } from '../helpers/json-shape.ts';

/**
 * Contract: Herald's /api/v2 documents have the keys, types, enums and
 * ordering of the Statuspage reference examples (tests/fixtures/statuspage-v2, described in docs/statuspage-compat.md).
 */
const REF_DIR = fileURLToPath(new URL('../fixtures/statuspage-v2/', import.meta.url));
const ref = (file: string) => JSON.parse(readFileSync(`${REF_DIR}${file}`, 'utf8')) as Record<string, unknown>;
const ENDPOINTS: Array<[string, string]> = [
  ['summary.json', 'summary.json'],
  ['status.json', 'status.json'],
  ['components.json', 'components.json'],
  ['incidents.json', 'incidents.json'],
  ['incidents/unresolved.json', 'incidents_unresolved.json'],
  ['scheduled-maintenances.json', 'scheduled-maintenances.json'],
  ['scheduled-maintenances/upcoming.json', 'scheduled-maintenances_upcoming.json'],
  ['scheduled-maintenances/active.json', 'scheduled-maintenances_active.json'],
];

// Enums as the reference (docs/statuspage-compat.md, Vocabulary) lists them, not as Herald defines them.
const COMPONENT = ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'];
const OPTIONS: CompareOptions = {
  enums: [
    [/components\[\]\.status$/, COMPONENT],
    [/affected_components\[\]\.(old|new)_status$/, COMPONENT],
    [/^\$\.incidents\[\](\.incident_updates\[\])?\.status$/, ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem']],
    [/^\$\.scheduled_maintenances\[\](\.incident_updates\[\])?\.status$/, ['scheduled', 'in_progress', 'verifying', 'completed']],
    [/^\$\.incidents\[\]\.impact$/, ['none', 'minor', 'major', 'critical']],
    [/^\$\.scheduled_maintenances\[\]\.impact$/, ['none', 'minor', 'major', 'critical', 'maintenance']],
    [/^\$\.status\.indicator$/, ['none', 'minor', 'major', 'critical', 'maintenance']],
  ],
  // docs/statuspage-compat.md, Records: start_date is "YYYY-MM-DD" or null; the examples only show null.
  alsoAllowed: [[/\.start_date$/, ['string']]],
};

// One book learned from every reference document. A component object is the same record in a
// component list and inside an incident, an update the same in incidents and maintenances, so
// what one example shows (a null description, a null affected_components) holds for all.
const canonical = (path: string) =>
  path
    .replace(/^\$\.(incidents|scheduled_maintenances)\[\]\.components\[\]/, 'component')
    .replace(/^\$\.components\[\]/, 'component')
    .replace(/^\$\.(incidents|scheduled_maintenances)\[\]\.incident_updates\[\]/, 'update');
const SHAPE = new ShapeBook(canonical);
for (const f of readdirSync(REF_DIR).filter((f) => f.endsWith('.json'))) SHAPE.learn(ref(f));
const compareShape = (book: ShapeBook, value: unknown, opts: CompareOptions) => book.compare(value, opts);

let herald: HeraldProcess;
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${herald.url}/api/v2/${path}`, { headers });
const json = async (path: string) => (await (await get(path)).json()) as any;
const newestFirst = (stamps: string[]) => stamps.every((s, i) => i === 0 || Date.parse(stamps[i - 1]!) >= Date.parse(s));

beforeAll(async () => {
  const dataDir = tempDataDir();
  writeIntegrationsDb(dataDir);
  herald = await startHerald({
    dataDir,
    env: { ...(await engineEnvWith(dataDir)), SITE_URL: 'https://status.example.com', SITE_NAME: 'Example' },
  });
});

afterAll(() => stopAll(herald));

describe('Statuspage v2 contract', () => {
  it('the reference examples themselves pass the comparer (it is not vacuous)', () => {
    for (const [, file] of ENDPOINTS) expect(compareShape(SHAPE, ref(file), OPTIONS)).toEqual([]);
    const broken = structuredClone(ref('summary.json')) as any;
    broken.components[1].status = 'down';
    delete broken.incidents[0].incident_updates[0].display_at;
    broken.page.updated_at = '2026-01-15T10:05:00Z';
    broken.incidents[0].extra = 1;
    expect(compareShape(SHAPE, broken, OPTIONS)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('$.components[].status: "down"'),
        '$.incidents[].incident_updates[].display_at: missing',
        expect.stringContaining('$.page.updated_at'),
        '$.incidents[].extra: not in the reference',
      ]),
    );
  });

  it.each(ENDPOINTS)('/api/v2/%s has the keys, types and enums of the reference at every level', async (path, file) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toMatch(/stale-while-revalidate/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(Object.keys(ref(file)).sort());
    expect(compareShape(SHAPE, body, OPTIONS)).toEqual([]);
  });

  it('summary: groups carry their children ids, components are ordered by position, groups before their children', async () => {
    const { components, status, page } = await json('summary.json');
    expect(page).toMatchObject({ id: 'page0fixture', name: 'Example', url: 'https://status.example.com', time_zone: 'Etc/UTC' });
    const group = components.find((c: any) => c.group);
    expect(group).toMatchObject({ name: 'Core', group_id: null, components: ['api', 'dashboard'], status: 'partial_outage' });
    for (const c of components.filter((x: any) => !x.group)) expect(c).not.toHaveProperty('components');
    expect(components.map((c: any) => c.id)).toEqual([group.id, 'api', 'dashboard', 'webhooks']);
    expect(components.find((c: any) => c.id === 'api').group_id).toBe(group.id);
    expect(status).toEqual({ indicator: 'major', description: 'Partial System Outage' });
  });

  it('incidents: newest first, updates newest first, null affected_components when nothing changed', async () => {
    const { incidents } = await json('incidents.json');
    expect(incidents.map((i: any) => i.name)).toEqual(['Elevated API error rates', 'Dashboard login failures']);
    expect(newestFirst(incidents.map((i: any) => i.created_at))).toBe(true);
    const resolved = incidents[1];
    expect(resolved.incident_updates.map((u: any) => u.status)).toEqual(['resolved', 'monitoring', 'monitoring', 'investigating']);
    expect(newestFirst(resolved.incident_updates.map((u: any) => u.display_at))).toBe(true);
    expect(resolved.incident_updates[1].affected_components).toBeNull();
    expect(resolved.shortlink).toBe(`https://status.example.com/incidents/${resolved.id}`);
    expect(incidents.every((i: any) => i.impact !== 'maintenance')).toBe(true);
    const { incidents: open } = await json('incidents/unresolved.json');
    expect(open.map((i: any) => i.status)).toEqual(['identified']);
  });

  it('maintenances: newest window first; upcoming = scheduled, active = in_progress/verifying; summary has both', async () => {
    const all = (await json('scheduled-maintenances.json')).scheduled_maintenances;
    expect(newestFirst(all.map((m: any) => m.scheduled_for))).toBe(true);
    expect(all.map((m: any) => m.id)).toEqual(['MNT-moved', 'MNT-off', 'MNT-next', 'MNT-now', 'MNT-done']);
    for (const m of all) {
      expect(m.impact).toBe('maintenance');
      expect(m.scheduled_for).toMatch(MS_TIMESTAMP);
      expect(m.scheduled_until).toMatch(MS_TIMESTAMP);
    }
    const upcoming = (await json('scheduled-maintenances/upcoming.json')).scheduled_maintenances;
    expect(upcoming.map((m: any) => m.id)).toEqual(['MNT-moved', 'MNT-next']);
    const active = (await json('scheduled-maintenances/active.json')).scheduled_maintenances;
    expect(active.map((m: any) => m.id)).toEqual(['MNT-now']);
    expect(active[0].components.map((c: any) => c.status)).toEqual(['under_maintenance']);
    const summary = await json('summary.json');
    expect(summary.scheduled_maintenances.map((m: any) => m.status)).toEqual(['scheduled', 'scheduled', 'in_progress']);
    expect(summary.incidents.map((i: any) => i.status)).toEqual(['identified']);
  });
});

describe('Statuspage v2 transport', () => {
  it('answers a CORS preflight from any origin', async () => {
    const res = await fetch(`${herald.url}/api/v2/summary.json`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example.org',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'if-none-match',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('GET');
    expect(res.headers.get('access-control-allow-headers')).toBe('if-none-match');
  });

  it('answers If-None-Match with 304 and the same ETag', async () => {
    const first = await get('summary.json');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    const again = await get('summary.json', { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');
    expect((await get('summary.json', { 'If-None-Match': '"other"' })).status).toBe(200);
  });

  it('a cross-origin script may read the ETag, and follow another spelling of a path to the document', async () => {
    const res = await get('summary.json', { Origin: 'https://app.example.org' });
    expect(res.headers.get('access-control-expose-headers')).toBe('ETag');
    const again = await get('summary.json', { Origin: 'https://app.example.org', 'If-None-Match': res.headers.get('etag')! });
    expect(again.status).toBe(304);
    expect(again.headers.get('access-control-expose-headers')).toBe('ETag');
    const moved = await fetch(`${herald.url}/api/v2/summary.json/`, { redirect: 'manual', headers: { Origin: 'https://app.example.org' } });
    expect(moved.status).toBe(308);
    expect(moved.headers.get('location')).toBe('/api/v2/summary.json');
    expect(moved.headers.get('access-control-allow-origin')).toBe('*');
    // Only the public documents: a console path's redirect stays closed to other origins.
    const admin = await fetch(`${herald.url}/admin/settings/`, { redirect: 'manual' });
    expect(admin.status).toBe(308);
    expect(admin.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('unknown /api/v2 paths are a JSON 404 readable cross-origin', async () => {
    for (const path of ['nope.json', 'incidents/resolved-ish.json', 'components']) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(((await res.json()) as any).error.code).toBe('not_found');
    }
  });

  it('admin JSON does not get the public CORS header', async () => {
    const res = await herald.admin('/incidents');
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('is fresh immediately after a publish: new ETag, new content', async () => {
    const before = await get('incidents/unresolved.json');
    const etag = before.headers.get('etag')!;
    const created = await herald.admin('/incidents', {
      body: {
        name: 'Webhook delays',
        impact: 'minor',
        status: 'investigating',
        body: 'Looking into it.',
        components: { webhooks: 'degraded_performance' },
      },
    });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as any).id;
    const after = await get('incidents/unresolved.json', { 'If-None-Match': etag });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
    const { incidents } = (await after.json()) as any;
    expect(incidents[0].id).toBe(id);
    const status = await json('status.json');
    expect(status.page.updated_at).toBe(incidents[0].updated_at);
  });
});
