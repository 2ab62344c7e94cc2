import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { engine, engineEnv } from '../helpers/engine.ts';
import { activeSection, banner, componentStatus, facts, groupStatus, main, text, trail } from '../helpers/page.ts';
import { MARKDOWN_ATTACKS } from '../fixtures/markdown-attacks.ts';

// One server for the whole file: the steps build on each other in order.
let h: HeraldProcess;
beforeAll(async () => {
  h = await startHerald({ env: await engineEnv() });
  // The server runs on the engine this vitest project tests (vitest.config.ts), and nothing else.
  expect(((await (await fetch(`${h.url}/healthz`)).json()) as { storage: { engine: string } }).storage.engine).toBe(engine());
  for (const c of [
    { id: 'api', name: 'API', group: 'Core platform' },
    { id: 'dashboard', name: 'Dashboard', group: 'Core platform' },
    { id: 'website', name: 'Website' },
  ]) {
    expect((await h.admin('/components', { body: c })).status).toBe(201);
  }
});
afterAll(() => stopAll(h));

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${h.url}${path}`, { headers });
const page = async (path: string) => {
  const res = await get(path);
  expect(res.status).toBe(200);
  return res.text();
};
async function post(path: string, body: unknown): Promise<any> {
  const res = await h.admin(path, { body });
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json();
}

describe('an incident from declaration to resolution, on / and /incidents/:id at once', () => {
  let id = '';

  it('declare (investigating)', async () => {
    const startedAt = new Date(Date.now() - 90 * 60_000).toISOString();
    const inc = await post('/incidents', {
      name: 'Elevated API errors',
      impact: 'major',
      status: 'investigating',
      body: 'We are investigating **elevated error rates**.',
      components: { api: 'partial_outage' },
      started_at: startedAt,
    });
    id = inc.id;
    expect(id).toMatch(/^INC-\d{4}-\d{2}-\d{2}-1$/);

    const home = await page('/');
    expect(banner(home)).toBe('Partial System Outage');
    const active = activeSection(home)!;
    expect(text(active)).toContain('Elevated API errors');
    expect(trail(active)).toEqual(['Investigating']);
    expect(active).toContain('<strong>elevated error rates</strong>');
    expect(componentStatus(home, 'api')).toEqual({ status: 'partial_outage', label: 'Partial outage' });
    expect(componentStatus(home, 'dashboard').label).toBe('Operational');
    expect(groupStatus(home, 'Core platform')).toBe('partial_outage');

    const detail = await page(`/incidents/${id}`);
    expect(trail(detail)).toEqual(['Investigating']);
    expect(text(detail)).toContain('Affects: API');
    expect(facts(detail)).toMatchObject({
      Status: 'Investigating',
      'Ongoing for': expect.stringMatching(/^1 h 30 min \(at \d\d:\d\d UTC ?\)$/),
    });
  });

  it('identified: a second component degrades', async () => {
    await post(`/incidents/${id}/updates`, {
      status: 'identified',
      body: 'We have identified a bad connection pool.',
      components: { dashboard: 'degraded_performance' },
      // Within the minute's grace the API allows for clocks apart: gone by as soon as it is posted.
      eta: new Date(Date.now() - 30_000).toISOString(),
    });
    const home = await page('/');
    expect(banner(home)).toBe('Partial System Outage');
    expect(trail(activeSection(home)!)).toEqual(['Identified', 'Investigating']);
    expect(componentStatus(home, 'dashboard')).toEqual({ status: 'degraded_performance', label: 'Degraded performance' });

    const detail = await page(`/incidents/${id}`);
    expect(trail(detail)).toEqual(['Identified', 'Investigating']);
    expect(text(detail)).toContain('Affects: API and Dashboard');
    expect(facts(detail).Status).toBe('Identified');
    // Before: the estimate read as if it still held.
    // Dated when the start, 90 minutes back, fell on the day before (src/domain/words.ts etaBeside).
    expect(facts(detail)['Estimated resolution']).toMatch(/^(\d{1,2} [A-Z][a-z]{2} \d{4}, )?\d\d:\d\d UTC ?\(passed\)$/);
  });

  it('monitoring: the API recovers, the incident stays open', async () => {
    await post(`/incidents/${id}/updates`, {
      status: 'monitoring',
      body: 'A fix is deployed; we are monitoring.',
      components: { api: 'operational' },
    });
    const home = await page('/');
    // The banner follows the components while the fix is watched: the Dashboard is still degraded, the API is not.
    expect(banner(home)).toBe('Minor Service Outage');
    expect(trail(activeSection(home)!)).toEqual(['Monitoring', 'Identified', 'Investigating']);
    expect(componentStatus(home, 'api').label).toBe('Operational');
    expect(componentStatus(home, 'dashboard').label).toBe('Degraded performance');
    expect(facts(await page(`/incidents/${id}`)).Status).toBe('Monitoring');
  });

  it('resolved: the banner clears, components are restored, the page shows the whole trail and the duration', async () => {
    await post(`/incidents/${id}/updates`, { status: 'resolved', body: 'This incident has been resolved.' });
    const home = await page('/');
    expect(banner(home)).toBe('All Systems Operational');
    expect(activeSection(home)).toBeNull();
    expect(componentStatus(home, 'dashboard')).toEqual({ status: 'operational', label: 'Operational' });
    expect(groupStatus(home, 'Core platform')).toBe('operational');

    const detail = await page(`/incidents/${id}`);
    expect(trail(detail)).toEqual(['Resolved', 'Monitoring', 'Identified', 'Investigating']);
    expect(text(detail)).toContain('Affects: API and Dashboard');
    expect(facts(detail)).toMatchObject({ Status: 'Resolved', Duration: '1 h 30 min' });
    expect(detail).toMatch(/<dt>Resolved<\/dt><dd><time datetime="\d{4}-\d{2}-\d{2}T[\d:.]+Z">/);
  });

  it('a resolved incident refuses to reopen (409) and the page is unchanged', async () => {
    const before = await page(`/incidents/${id}`);
    const res = await h.admin(`/incidents/${id}/updates`, { body: { status: 'investigating', body: 'It is back.' } });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: { code: 'incident_resolved', field: 'status' } });
    expect(await page(`/incidents/${id}`)).toBe(before);
  });

  it('an unknown incident is an Astro 404 page', async () => {
    const res = await get('/incidents/INC-1999-01-01-1');
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('Incident not found');
    // From a hunt: kept by a CDN as a found page is (and for a day while Herald errs), the 404 of an incident
    // another replica had just published outlived it. A cache now asks again: the 404 again while it is still
    // missing, not a 304 (preconditions apply to a 2xx answer only, RFC 9110 13.2.1).
    expect(res.headers.get('cache-control')).toBe('public, no-cache');
    const again = await get('/incidents/INC-1999-01-01-1', { 'if-none-match': res.headers.get('etag')! });
    expect(again.status).toBe(404);
    expect(await again.text()).toContain('Incident not found');
  });
});

describe('the cached page: ETag and If-None-Match', () => {
  it('answers 304 to a matching If-None-Match, and a new ETag after a publish', async () => {
    const first = await get('/');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(first.headers.get('cache-control')).toMatch(/^public, max-age=\d+, stale-while-revalidate=\d+, stale-if-error=\d+$/);
    await first.text();

    const again = await get('/', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');
    // As a compressing proxy weakens it, and in a list of candidates.
    for (const header of [`W/${etag}`, `"older", ${etag}`, '*']) {
      const res = await get('/', { 'if-none-match': header });
      expect(res.status, header).toBe(304);
      await res.text();
    }

    const edit = await h.admin('/components/website', { method: 'PATCH', body: { status: 'degraded_performance' } });
    expect(edit.status).toBe(200);
    const after = await get('/', { 'if-none-match': etag });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
    expect(banner(await after.text())).toBe('Minor Service Outage');
    await h.admin('/components/website', { method: 'PATCH', body: { status: 'operational' } });
  });
});

describe('the cached bodies, compressed for a client that takes it', () => {
  /** A GET (or HEAD) through node:http, which (unlike fetch) hands over the bytes as sent. */
  const raw = (path: string, headers: Record<string, string>, method = 'GET') =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      httpRequest(`${h.url}${path}`, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res
          .on('data', (d: Buffer) => chunks.push(d))
          .on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      })
        .on('error', reject)
        .end();
    });

  const unpack = { br: brotliDecompressSync, gzip: gunzipSync };

  it.each(['/', '/history', '/api/v2/summary.json', '/history.atom'])(
    '%s: the same bytes compressed, each copy its own ETag and its own 304',
    async (path) => {
      const plain = await raw(path, {});
      expect(plain.status).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers.vary).toBe('Accept-Encoding');
      expect((await raw(path, {}, 'HEAD')).headers['content-length']).toBe(String(plain.body.length));

      const tags = [plain.headers.etag!];
      // A browser's header (Brotli preferred among equals), an older client's, and one that rates Brotli lower.
      for (const [accept, encoding] of [
        ['gzip, deflate, br, zstd', 'br'],
        ['gzip', 'gzip'],
        ['br;q=0.5, gzip', 'gzip'],
      ] as const) {
        const packed = await raw(path, { 'accept-encoding': accept });
        expect(packed.status).toBe(200);
        expect(packed.headers['content-encoding'], accept).toBe(encoding);
        expect(packed.headers.vary).toBe('Accept-Encoding');
        expect(packed.headers['content-type']).toBe(plain.headers['content-type']);
        expect(Number(packed.headers['content-length'])).toBe(packed.body.length);
        expect(unpack[encoding](packed.body).equals(plain.body)).toBe(true);
        expect(packed.body.length).toBeLessThan(plain.body.length / 2);
        expect(packed.headers.etag).toMatch(/^"[^"]+"$/);
        tags.push(packed.headers.etag!);
        // A HEAD says the length the GET sends (a monitor reading the headers only).
        const head = await raw(path, { 'accept-encoding': accept }, 'HEAD');
        expect([head.headers['content-length'], head.headers['content-encoding'], head.body.length]).toEqual([
          String(packed.body.length),
          encoding,
          0,
        ]);
      }
      expect(new Set(tags).size).toBe(3);

      // A 304 for the copy the client holds, with its tag; the tag of another encoding's copy is no match.
      for (const [accept, held] of [
        ['', tags[0]!],
        ['gzip, deflate, br, zstd', tags[1]!],
        ['gzip', tags[2]!],
      ] as Array<[string, string]>) {
        const again = await raw(path, { 'accept-encoding': accept, 'if-none-match': `"x", ${held}` });
        expect(again.status, held).toBe(304);
        expect(again.headers.etag).toBe(held);
        expect(again.headers['content-encoding']).toBeUndefined();
        expect(again.body.length).toBe(0);
      }
      for (const held of [tags[0]!, tags[1]!]) {
        const other = await raw(path, { 'accept-encoding': 'gzip', 'if-none-match': held });
        expect(other.status, held).toBe(200);
        expect(other.headers.etag).toBe(tags[2]);
      }
    },
  );

  it('the embed script and the stylesheets: compressed at build time, Brotli or gzip as the client takes', async () => {
    const css = (await (await get('/')).text()).match(/\/_astro\/[^"]+\.css/)![0];
    for (const path of ['/embed.js', css]) {
      const plain = await raw(path, {});
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers.vary).toBe('Accept-Encoding');
      const br = await raw(path, { 'accept-encoding': 'gzip, deflate, br, zstd' });
      expect(br.headers['content-encoding'], path).toBe('br');
      expect(br.headers['content-type']).toBe(plain.headers['content-type']);
      expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
      const gz = await raw(path, { 'accept-encoding': 'gzip' });
      expect(gz.headers['content-encoding'], path).toBe('gzip');
      expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
      expect(gz.headers.vary).toBe('Accept-Encoding');
    }
    // embed.js is asked again by every page of the product apps once its five minutes are up: a 304 then.
    const tags = [];
    for (const accept of ['br', 'gzip', '']) {
      const first = await raw('/embed.js', { 'accept-encoding': accept });
      expect(first.headers.etag, accept).toMatch(/^"[^"]+"$/);
      tags.push(first.headers.etag);
      const again = await raw('/embed.js', { 'accept-encoding': accept, 'if-none-match': first.headers.etag! });
      expect(again.status, accept).toBe(304);
      expect(again.body.length).toBe(0);
      // A HEAD carries the same tag, and is a 304 on it too.
      expect((await raw('/embed.js', { 'accept-encoding': accept }, 'HEAD')).headers.etag).toBe(first.headers.etag);
      expect((await raw('/embed.js', { 'accept-encoding': accept, 'if-none-match': first.headers.etag! }, 'HEAD')).status).toBe(304);
    }
    expect(new Set(tags).size).toBe(3);
  });

  it('not to a client that refuses it or does not say, nor for a small body (the banner)', async () => {
    for (const accept of ['gzip;q=0, br;q=0', 'identity', 'zstd']) {
      const res = await raw('/', { 'accept-encoding': accept });
      expect(res.headers['content-encoding'], accept).toBeUndefined();
      expect(res.body.toString()).toContain('<!DOCTYPE html>');
    }
    const banner = await raw('/api/banner.json', { 'accept-encoding': 'gzip' });
    expect(banner.headers['content-encoding']).toBeUndefined();
    expect(banner.headers.vary).toBeUndefined();
    expect(JSON.parse(banner.body.toString())).toHaveProperty('active');
  });
});

describe('correcting an update', () => {
  it('keeps the previous text in the audit log and shows the update as edited', async () => {
    const inc = await post('/incidents', {
      name: 'Webhook delays',
      impact: 'minor',
      body: 'Webhooks are delayed by 5 minutes.',
      components: {},
    });
    const updateId = inc.incident_updates[0].id;
    const res = await h.admin(`/incidents/${inc.id}/updates/${updateId}`, {
      method: 'PATCH',
      body: { body: 'Webhooks are delayed by 15 minutes.' },
    });
    expect(res.status).toBe(200);
    expect((await res.json()).incident_updates[0]).toMatchObject({
      body: 'Webhooks are delayed by 15 minutes.',
      edited_at: expect.any(String),
    });

    const audit = await (await h.admin('/audit')).json();
    const event = audit.events.find((e: any) => e.action === 'incident.update.correct' && e.target === `${inc.id}/${updateId}`);
    expect(event).toMatchObject({ previous: 'Webhooks are delayed by 5 minutes.', actor: expect.any(String), at: expect.any(String) });

    const detail = await page(`/incidents/${inc.id}`);
    expect(text(detail)).toContain('Webhooks are delayed by 15 minutes.');
    expect(text(detail)).not.toContain('delayed by 5 minutes');
    expect(detail).toMatch(/<p class="muted edited"[^>]*>Edited <time datetime=/);
    expect(text(activeSection(await page('/'))!)).toContain('Edited');
    await post(`/incidents/${inc.id}/updates`, { status: 'resolved', body: 'Resolved.' });
  });
});

describe('hostile Markdown in an update is inert in the page HTML', () => {
  it('has no script, no event handler and no javascript:/data: URL on / and /incidents/:id', async () => {
    const body = MARKDOWN_ATTACKS.map(([name, md]) => `${name}:\n\n${md}`).join('\n\n');
    const inc = await post('/incidents', { name: 'XSS probe', impact: 'minor', body, components: {} });
    for (const html of [await page('/'), await page(`/incidents/${inc.id}`)]) {
      const m = main(html);
      expect(m).toContain('a javascript: Markdown link'); // the update is there
      expect(html).not.toMatch(/<script(?![^>]*\ssrc="\/)/i); // no inline script anywhere on the page
      expect(m).not.toMatch(/<(script|iframe|object|embed|svg|math|img|style|form|input|meta|base|noscript)\b/i);
      for (const tag of m.matchAll(/<[a-z][^>]*>/gi)) {
        expect(tag[0]).not.toMatch(/\son[a-z]+\s*=/i);
        expect(tag[0]).not.toMatch(/\s(href|src|action)\s*=\s*"?\s*(javascript|vbscript|data):/i);
        expect(tag[0]).not.toMatch(/\sstyle\s*=/i);
      }
    }
    await post(`/incidents/${inc.id}/updates`, { status: 'resolved', body: 'Done.' });
  });
});

describe('components: create, list, edit, delete', () => {
  it('creates, lists, edits and deletes a component, visible on the page each time', async () => {
    const created = await h.admin('/components', {
      body: { name: 'Search Index', description: 'Full-text search', group: 'Core platform' },
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ id: 'search-index', name: 'Search Index', status: 'operational' });

    const list = await (await h.admin('/components')).json();
    expect(list.components.map((c: any) => c.id)).toContain('search-index');
    expect(list.groups.map((g: any) => g.name)).toEqual(['Core platform']);
    expect(text(await page('/'))).toContain('Search Index');

    const edited = await h.admin('/components/search-index', { method: 'PATCH', body: { name: 'Search', status: 'major_outage' } });
    expect(edited.status).toBe(200);
    expect(await edited.json()).toMatchObject({ id: 'search-index', name: 'Search', status: 'major_outage' });
    const home = await page('/');
    expect(componentStatus(home, 'search-index')).toEqual({ status: 'major_outage', label: 'Major outage' });
    expect(banner(home)).toBe('Major Service Outage');

    const del = await h.admin('/components/search-index', { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect((await h.admin('/components/search-index')).status).toBe(404);
    const after = await page('/');
    expect(after).not.toContain('component-search-index');
    expect(banner(after)).toBe('All Systems Operational');
  });

  it('refuses to delete a component that incidents refer to (409), and deletes it only with force once they are resolved', async () => {
    await h.admin('/components', { body: { id: 'cdn', name: 'CDN' } });
    const inc = await post('/incidents', {
      name: 'CDN misses',
      impact: 'minor',
      body: 'Slow assets.',
      components: { cdn: 'degraded_performance' },
    });

    const whileOpen = await h.admin('/components/cdn?force=true', { method: 'DELETE' });
    expect(whileOpen.status).toBe(409);
    expect(await whileOpen.json()).toMatchObject({
      error: { code: 'component_in_use', field: 'id', message: expect.stringContaining(inc.id) },
    });

    await post(`/incidents/${inc.id}/updates`, { status: 'resolved', body: 'Fixed.' });
    const plain = await h.admin('/components/cdn', { method: 'DELETE' });
    expect(plain.status).toBe(409);
    expect((await plain.json()).error.message).toContain('force=true');
    expect((await h.admin('/components/cdn')).status).toBe(200);

    expect((await h.admin('/components/cdn?force=true', { method: 'DELETE' })).status).toBe(204);
    expect((await h.admin('/components/cdn')).status).toBe(404);
    // As the 409 promised: the past incident keeps the component's name.
    expect(text(await page(`/incidents/${inc.id}`))).toContain('Affects: CDN');
  });
});

describe('headers', () => {
  const SECURITY = {
    'content-security-policy': expect.stringContaining("default-src 'self'"),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'permissions-policy': expect.stringContaining('camera=()'),
  };
  const headersOf = (res: Response) => Object.fromEntries(res.headers);

  it.each([
    ['the status page /', '/', 200],
    ['an Astro-rendered 404 page', '/no-such-page', 404],
    ['an incident page', '/incidents/INC-1999-01-01-1', 404],
    ['the health check', '/healthz', 200],
    ['a JSON 404 of the API', '/api/no-such-route', 404],
  ])('security headers on %s', async (_name, path, status) => {
    const res = await get(path);
    expect(res.status).toBe(status);
    expect(headersOf(res)).toMatchObject(SECURITY);
    const body = await res.text();
    if (path === '/no-such-page') expect(body).toContain('Page not found');
  });

  it('security headers and Cache-Control private, no-store on admin answers', async () => {
    for (const res of [
      await h.admin('/components'),
      await h.admin('/components', { body: { name: 'Headers Probe' } }),
      await h.admin('/components/headers-probe', { method: 'DELETE' }),
      await h.admin('/audit'),
    ]) {
      expect(res.status).toBeLessThan(300);
      expect(headersOf(res)).toMatchObject({ ...SECURITY, 'cache-control': 'private, no-store' });
    }
    for (const res of [await h.admin('/components/nope'), await fetch(`${h.url}/api/admin/components`)]) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('cache-control')).toMatch(/no-store/);
    }
  });
});
