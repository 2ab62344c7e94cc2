import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { openInProcess, type InProcess } from '../helpers/app.ts';

/**
 * Every admin JSON route sits behind the one guard (src/api/admin/index.ts):
 * walked from the app's own route table, so a route added later is checked
 * too, and none answers without a valid credential.
 */
let p: InProcess;
let routes: Array<{ method: string; path: string }>;

beforeAll(async () => {
  p = await openInProcess();
  const seen = new Set<string>();
  routes = createApp(p.herald)
    .routes.filter((r) => r.path.startsWith('/api/admin/') && r.method !== 'ALL')
    .filter((r) => !seen.has(`${r.method} ${r.path}`) && seen.add(`${r.method} ${r.path}`));
});
afterAll(() => p?.close());

/** A concrete URL for a route pattern (`:id` and friends filled in, `{a|b}` alternatives take the first). */
const concrete = (path: string) => path.replace(/:(\w+)\{([^|}]+)[^}]*\}/g, '$2').replace(/:(\w+)/g, 'x$1');

describe('the admin API has one guard', () => {
  it('registers the routes design.md lists (the walk below is not empty)', () => {
    const listed = routes.map((r) => `${r.method} ${r.path}`);
    for (const route of [
      'GET /api/admin/components',
      'POST /api/admin/incidents',
      'POST /api/admin/incidents/:id/updates',
      'PATCH /api/admin/incidents/:id/updates/:updateId',
      'PUT /api/admin/incidents/:id/postmortem',
      'POST /api/admin/maintenances',
      'POST /api/admin/preview',
      'GET /api/admin/subscribers',
      'GET /api/admin/deliveries',
      'GET /api/admin/audit',
    ]) {
      expect(listed).toContain(route);
    }
  });

  // Every 401 carries the Bearer challenge (RFC 9110 section 15.5.2), with an error code only when a Bearer
  // credential was sent (RFC 6750 section 3.1: none for a request without credentials or with another scheme).
  it.each([
    ['no credentials', {}, 'Bearer'],
    ['Basic auth', { authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` }, 'Bearer'],
    ['a bare token', { authorization: 'not-the-token-0123456789' }, 'Bearer'],
    ['a wrong bearer token', { authorization: 'Bearer not-the-token-0123456789' }, 'Bearer error="invalid_token"'],
    ['a malformed bearer header', { authorization: 'Bearer a b c' }, 'Bearer error="invalid_request"'],
    ['a session cookie that is not a session', { cookie: 'herald_session=forged' }, 'Bearer'],
  ])('every route answers 401 with %s, with the Bearer challenge, and the answer is never cached', async (_name, headers, challenge) => {
    expect(routes.length).toBeGreaterThan(20);
    for (const r of routes) {
      const res = await p.request(concrete(r.path), {
        method: r.method,
        headers: { 'content-type': 'application/json', ...headers },
        ...(r.method === 'GET' || r.method === 'HEAD' ? {} : { body: '{}' }),
      });
      expect(res.status, `${r.method} ${r.path}`).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code, `${r.method} ${r.path}`).toBe('unauthorized');
      expect(res.headers.get('cache-control'), `${r.method} ${r.path}`).toMatch(/no-store/);
      expect(res.headers.get('www-authenticate'), `${r.method} ${r.path}`).toBe(challenge);
    }
  });

  it('the right token opens them (a GET route answers 200)', async () => {
    const res = await p.admin('/components');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
  });
});

describe('a session is looked up once per request', () => {
  it('an admin API write or a console form with a session cookie: the body limit and the guard share one lookup', async () => {
    const { token, session } = await p.herald.console.sessions.create('Dana', Date.now());
    const sessions = p.herald.console.sessions;
    const get = sessions.get;
    let lookups = 0;
    sessions.get = (...args) => {
      lookups++;
      return get.apply(sessions, args);
    };
    try {
      const res = await p.request('/api/admin/components', {
        method: 'POST',
        headers: {
          cookie: `__Host-herald_session=${token}`,
          'x-csrf-token': session.csrf,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ name: 'Looked up once' }),
      });
      expect(res.status).toBe(201);
      expect(lookups).toBe(1);
      // A console form: the body limit, then the console guard (no pages in this process: 404 past the guard).
      lookups = 0;
      const form = await p.request('/admin/components', {
        method: 'POST',
        headers: {
          origin: 'https://status.example.test',
          cookie: `__Host-herald_session=${token}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: `csrf=${session.csrf}&name=x`,
      });
      expect(form.status).toBe(404);
      expect(lookups).toBe(1);
    } finally {
      sessions.get = get;
    }
  });
});
