import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engine } from '../helpers/engine.ts';
import { openInProcess, type InProcess } from '../helpers/app.ts';
import { subscriberByEmail } from '../helpers/subscribers.ts';

/**
 * The public JSON (docs/design.md "HTTP contract"), in process: the
 * Statuspage v2 documents, the banner, subscribing and /healthz. Each
 * describe opens its own Herald with the components `api` (in the group
 * "Core") and `web`.
 */
type Json = Record<string, any>;

let p: InProcess;
const open = async (env: Record<string, string> = {}) => {
  p = await openInProcess(env);
  for (const body of [
    { id: 'api', name: 'API', group: 'Core' },
    { id: 'web', name: 'Web' },
  ]) {
    expect((await p.admin('/components', { body })).status).toBe(201);
  }
};
const get = (path: string, headers: Record<string, string> = {}) => p.request(path, { headers });
const json = async (path: string) => (await (await get(path)).json()) as Json;
const declare = async (body: Json) => {
  const res = await p.admin('/incidents', { body: { impact: 'minor', status: 'investigating', ...body } });
  expect(res.status).toBe(201);
  return (await res.json()) as Json;
};

const DOCS = [
  'summary',
  'status',
  'components',
  'incidents',
  'incidents/unresolved',
  'incidents/resolved',
  'scheduled-maintenances',
  'scheduled-maintenances/upcoming',
  'scheduled-maintenances/active',
];

describe('the Statuspage v2 documents', () => {
  beforeAll(() => open());
  afterAll(() => p?.close());

  it.each(DOCS)('/api/v2/%s.json answers 200 JSON with CORS *, an ETag, and 304 on If-None-Match', async (doc) => {
    const res = await get(`/api/v2/${doc}.json`, { origin: 'https://app.example.com' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toBe('public, max-age=5, stale-while-revalidate=30, stale-if-error=86400');
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(((await res.json()) as Json).page).toMatchObject({ name: 'Herald Status', url: 'https://status.example.test' });

    const again = await get(`/api/v2/${doc}.json`, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('access-control-allow-origin')).toBe('*');
    expect(await again.text()).toBe('');
  });

  it('every document has a new ETag right after a publish, and shows it', async () => {
    const before = new Map<string, string>();
    for (const doc of DOCS) before.set(doc, (await get(`/api/v2/${doc}.json`)).headers.get('etag')!);
    // The page's updated_at is in every document: let the clock pass the last write's millisecond.
    const last = Date.parse((await json('/api/v2/status.json')).page.updated_at);
    while (Date.now() <= last) await new Promise((r) => setTimeout(r, 1));

    const inc = await declare({ name: 'API errors', body: 'Errors on the API.', components: { api: 'partial_outage' } });
    for (const doc of DOCS) {
      const res = await get(`/api/v2/${doc}.json`, { 'if-none-match': before.get(doc)! });
      expect(res.status, doc).toBe(200);
      expect(res.headers.get('etag'), doc).not.toBe(before.get(doc));
    }
    expect((await json('/api/v2/incidents/unresolved.json')).incidents.map((i: Json) => i.id)).toEqual([inc.id]);
    expect((await json('/api/v2/summary.json')).status).toEqual({ indicator: 'major', description: 'Partial System Outage' });
  });

  it("a deletion moves the page's updated_at on, never back (in every document and the feeds)", async () => {
    expect((await p.admin('/components', { body: { id: 'search', name: 'Search', group: 'Search tier' } })).status).toBe(201);
    const withIt = (await json('/api/v2/status.json')).page.updated_at as string;
    while (Date.now() <= Date.parse(withIt)) await new Promise((r) => setTimeout(r, 1));
    expect((await p.admin('/components/search', { method: 'DELETE' })).status).toBe(204);
    const after = (await json('/api/v2/status.json')).page.updated_at as string;
    expect(Date.parse(after)).toBeGreaterThan(Date.parse(withIt));
    const atom = await (await get('/history.atom')).text();
    expect(/<updated>([^<]+)<\/updated>/.exec(atom)![1]).toBe(after.replace(/\.\d{3}Z$/, 'Z'));
  });

  it('/index.json answers the summary (Statuspage serves it; the statuspage-updates client polls it), and incidents/resolved.json the resolved ones', async () => {
    const index = await get('/index.json', { origin: 'https://app.example.com' });
    expect(index.status).toBe(200);
    expect(index.headers.get('access-control-allow-origin')).toBe('*');
    expect(await index.json()).toEqual(await json('/api/v2/summary.json'));

    const open = await declare({ name: 'Still open', body: 'Looking.' });
    const done = await declare({ name: 'Over soon', body: 'Looking.' });
    expect((await p.admin(`/incidents/${done.id}/updates`, { body: { status: 'resolved', body: 'Fixed.' } })).status).toBe(201);
    const resolved = (await json('/api/v2/incidents/resolved.json')).incidents as Json[];
    expect(resolved.map((i) => i.id)).toContain(done.id);
    expect(resolved.map((i) => i.id)).not.toContain(open.id);
    expect(resolved.every((i) => i.status === 'resolved')).toBe(true);
  });

  it("a window's started_at is when it was created, as on Statuspage (its times are scheduled_for and scheduled_until)", async () => {
    const from = new Date(Date.now() + 86_400_000).toISOString();
    const until = new Date(Date.now() + 90_000_000).toISOString();
    const res = await p.admin('/maintenances', { body: { name: 'Upgrade', scheduled_for: from, scheduled_until: until, components: [] } });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as Json;
    const m = ((await json('/api/v2/scheduled-maintenances/upcoming.json')).scheduled_maintenances as Json[]).find((x) => x.id === id)!;
    expect(m.started_at).toBe(m.created_at);
    expect(m.scheduled_for).toBe(from);
  });

  it.each(['/api/v2/summary.json', '/api/banner.json'])(
    'a 500 from %s (served before the middlewares) is readable cross-origin too',
    async (path) => {
      // A fault while the answer is built: the store cannot be read (own properties shadow its getters).
      const store = p.herald.store as unknown as Record<string, unknown>;
      // Own properties on one engine (the embedded store's version), getters of its class on the other.
      const own = { data: Object.getOwnPropertyDescriptor(store, 'data'), version: Object.getOwnPropertyDescriptor(store, 'version') };
      const fault = {
        configurable: true,
        get: () => {
          throw new Error('store unreadable (test)');
        },
      };
      Object.defineProperties(store, { data: fault, version: fault });
      try {
        const res = await get(path, { origin: 'https://app.example.com' });
        expect(res.status).toBe(500);
        expect(res.headers.get('access-control-allow-origin')).toBe('*');
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(await res.json()).toEqual({ error: { code: 'internal', message: 'Something went wrong on our side.' } });
      } finally {
        for (const [name, was] of Object.entries(own)) {
          delete store[name];
          if (was) Object.defineProperty(store, name, was);
        }
      }
      expect(typeof p.herald.store.version).toBe('number');
      expect((await get(path)).status).toBe(200);
    },
  );

  it('an unknown /api/v2 path answers a JSON 404 with CORS', async () => {
    const res = await get('/api/v2/nope.json', { origin: 'https://app.example.com' });
    expect(res.status).toBe(404);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'No API route GET /api/v2/nope.json.' } });
  });

  it.each(['/history.atom', '/history.rss', '/maintenance.ics', '/maintenance.ics?components=api'])(
    'GET %s is readable from any origin, its ETag too (a widget on another site reads the feed)',
    async (path) => {
      // Before: no Access-Control-Allow-Origin on the feeds, which the JSON had.
      const res = await get(path, { origin: 'https://app.example.com' });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-expose-headers')).toBe('ETag');
      const again = await get(path, { origin: 'https://app.example.com', 'if-none-match': res.headers.get('etag')! });
      expect([again.status, again.headers.get('access-control-allow-origin')]).toEqual([304, '*']);
    },
  );

  it.each(['/api/v2/summary.json', '/api/banner.json', '/index.json', '/history.atom', '/maintenance.ics'])(
    'OPTIONS %s (a CORS preflight) answers 204',
    async (path) => {
      // If-None-Match is not a CORS-safelisted header: a browser client that sends it asks first.
      const res = await p.request(path, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example.com',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'if-none-match',
        },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-methods')).toBe('GET,HEAD,OPTIONS');
      expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toBe('if-none-match');
    },
  );
});

describe('/api/banner.json', () => {
  beforeAll(() => open());
  afterAll(() => p?.close());

  it('is inactive while nothing is open', async () => {
    const res = await get('/api/banner.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('etag')).toMatch(/^"[\w-]+"$/);
    expect(await res.json()).toMatchObject({
      active: false,
      indicator: 'none',
      title: 'All Systems Operational',
      message: '',
      url: 'https://status.example.test',
      incident_id: null,
    });
  });

  it("after a declare is active with the incident's title and its update as plain text", async () => {
    const inc = await declare({
      name: 'Checkout errors',
      body: 'We are **investigating** [errors](https://example.com) on <em>checkout</em> & <script>alert(1)</script>payments.',
      components: { api: 'degraded_performance' },
    });
    expect(await json('/api/banner.json')).toMatchObject({
      active: true,
      indicator: 'minor',
      title: 'Checkout errors',
      // A tag the pages do not keep reads as typed (text, set with textContent by the embed).
      message: 'We are investigating errors on checkout & <script>alert(1)</script>payments.',
      url: `https://status.example.test/incidents/${inc.id}`,
      incident_id: inc.id,
      components: ['api'],
    });
  });

  it('?components= shows only what concerns those components (a group id stands for its own)', async () => {
    const { groups } = (await (await p.admin('/components')).json()) as Json;
    const core = groups.find((g: Json) => g.name === 'Core').id;
    expect((await json('/api/banner.json?components=web')).active).toBe(false);
    // Unknown ids alone (a typo, a deleted component) filter nothing: the outage still shows.
    expect((await json('/api/banner.json?components=nope')).active).toBe(true);
    expect((await json('/api/banner.json?components=web,api')).active).toBe(true);
    expect((await json('/api/banner.json?components=web&components=api')).active).toBe(true);
    expect((await json(`/api/banner.json?components=${core}`)).title).toBe('Checkout errors');
  });
});

describe('POST /api/subscribers', () => {
  beforeAll(() => open());
  afterAll(() => p?.close());

  const subscribe = async (body: unknown, headers: Record<string, string> = {}) => {
    const res = await p.request('/api/subscribers', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
  };
  const ACCEPTED = {
    status: 'accepted',
    message:
      'If this address can receive email, a confirmation link is on its way, or, if the address is already subscribed, a link to manage its subscription. No notice is sent until the address is confirmed.',
  };
  const stored = async () => ((await (await p.admin('/subscribers')).json()) as Json).subscribers as Json[];

  it('answers 202 with the same body for a new, a pending and an already confirmed address', async () => {
    const fresh = await subscribe({ email: 'new@example.com' });
    const pending = await subscribe({ email: 'new@example.com' });
    await subscribe({ email: 'known@example.com', components: ['api'] });
    const book = p.herald.notify.subscribers;
    const known = (await subscriberByEmail(p.herald.notify, 'known@example.com'))!;
    await book.confirm(book.link('confirm', known), new Date());
    const confirmed = await subscribe({ email: 'known@example.com', components: ['api'] });
    for (const res of [fresh, pending, confirmed]) {
      expect(res.status).toBe(202);
      expect(res.body).toEqual(ACCEPTED);
      expect(res.headers.get('cache-control')).toBe('private, no-store');
    }
    const states = Object.fromEntries((await stored()).map((s) => [s.email, s.state]));
    expect(states).toEqual({ 'new@example.com': 'pending', 'known@example.com': 'confirmed' });
  });

  it("lists them for the admin API with empty or non-numeric paging taken as unset (the README's ?q=&state=&page=&per_page=)", async () => {
    const listed = (await (await p.admin('/subscribers?q=&state=&page=&per_page=')).json()) as Json;
    expect(listed).toMatchObject({ total: 2, page: 1, per_page: 50 });
    expect(listed.subscribers.map((s: Json) => s.email).sort()).toEqual(['known@example.com', 'new@example.com']);
    expect(await (await p.admin('/subscribers?page=first&per_page=abc')).json()).toMatchObject({ total: 2, page: 1, per_page: 50 });
  });

  it('accepts a request from its own origin', async () => {
    expect((await subscribe({ email: 'own@example.com' }, { origin: 'https://status.example.test' })).status).toBe(202);
  });

  it('answers 415 for text/plain (a simple cross-site request) and stores nothing', async () => {
    const before = (await stored()).length;
    const res = await p.request('/api/subscribers', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ email: 'plain@example.com' }),
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as Json).error.code).toBe('unsupported_media_type');
    expect((await stored()).length).toBe(before);
  });

  it.each([
    ['a foreign Origin', { origin: 'https://evil.example' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
  ])('answers 403 for %s', async (_label, headers) => {
    const res = await subscribe({ email: 'victim@example.com' }, headers);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('cross_site');
    expect((await stored()).map((s) => s.email)).not.toContain('victim@example.com');
  });

  it.each([
    ['a bad address', { email: 'not an address' }, 'email'],
    ['a line break in the address', { email: 'a@example.com\r\nBcc: b@example.com' }, 'email'],
    ['an unknown component', { email: 'c@example.com', components: ['nope'] }, 'components'],
    ['an unknown key', { email: 'd@example.com', admin: true }, 'admin'],
  ])('answers 422 for %s', async (_label, body, field) => {
    const res = await subscribe(body);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'invalid', field });
  });

  it('answers 400 for malformed JSON', async () => {
    const res = await subscribe('{"email":');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
  });
});

describe('the subscribe rate limit', () => {
  beforeAll(() => open({ SUBSCRIBE_LIMIT_PER_IP: '3' }));
  afterAll(() => p?.close());

  it('answers 429 with Retry-After past SUBSCRIBE_LIMIT_PER_IP requests from one client', async () => {
    const send = (n: number) =>
      p.request('/api/subscribers', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `reader${n}@example.com` }),
      });
    for (const n of [1, 2, 3]) expect((await send(n)).status).toBe(202);
    const res = await send(4);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await res.json()) as Json).error.code).toBe('rate_limited');
  });
});

describe('GET /healthz', () => {
  beforeAll(() => open());
  afterAll(() => p?.close());

  it('answers 200 while serving, never cached', async () => {
    const res = await get('/healthz');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toMatchObject({ status: 'ok', version: p.herald.store.version });
  });

  it('names the engine this project runs on (both projects run these suites; see vitest.config.ts)', async () => {
    const body = (await (await get('/healthz')).json()) as { storage: { engine: string; healthy: boolean; leader: boolean } };
    expect(body.storage).toMatchObject({ engine: engine(), healthy: true, leader: true });
  });
});
