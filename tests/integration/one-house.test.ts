import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeDir, startHerald, type HeraldProcess } from '../helpers/server.ts';
import { signIn } from '../helpers/console-session.ts';

/**
 * One copy of each module at run time: the pages Astro built import Herald's
 * modules from src/ (through `#herald/`), so the services a page uses are the
 * very objects the API changes, with no registry between them; and every
 * console page sits behind the one console guard.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));

let h: HeraldProcess;
beforeAll(async () => {
  h = await startHerald({ env: { SUBSCRIBE_LIMIT_PER_IP: '100' } });
  expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
});
afterAll(async () => {
  await h?.stop();
  if (h) removeDir(h.dataDir);
});

describe('one copy of each module', () => {
  it('the Astro build carries none of src/: it imports them through #herald/', () => {
    const server = join(ROOT, process.env.HERALD_DIST ?? 'dist', 'server');
    // herald.mjs: the bundle `npm run serve` runs, tested below.
    const built = files(server).filter((f) => f.endsWith('.mjs') && !f.endsWith('herald.mjs') && !f.endsWith('smtp-worker.mjs'));
    const text = built.map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(text).toMatch(/from ["']#herald\/console\/guard\.ts["']/);
    for (const copy of ['class HeraldError', 'class SubscriberBook', 'class DraftStore', 'class SessionStore', 'class PageCache']) {
      expect(text, copy).not.toContain(copy);
    }
  });

  it('the bundled server (the pages and the server in one file) holds each class once', () => {
    const bundle = readFileSync(join(ROOT, process.env.HERALD_DIST ?? 'dist', 'server', 'herald.mjs'), 'utf8');
    for (const name of ['HeraldError', 'SubscriberBook', 'DraftStore', 'SessionStore', 'PageCache']) {
      // esbuild writes `class X` as `X = class`, and a second copy under a numbered name (X2).
      const copies = bundle.match(new RegExp(`\\b${name}\\d* = class\\b|\\bclass ${name}\\d*\\b`, 'g')) ?? [];
      expect(copies, name).toHaveLength(1);
    }
  });

  it('what the API changes, a page shows at once: a subscriber, an incident, a session', async () => {
    const email = 'seen-by-the-console@example.com';
    const subscribed = await fetch(`${h.url}/api/subscribers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    expect(subscribed.status).toBe(202);
    const declared = await h.admin('/incidents', { body: { name: 'Seen by the dashboard', impact: 'minor', body: 'Looking.' } });
    expect(declared.status).toBe(201);
    const s = await signIn(h);
    const subscribers = await (await fetch(`${h.url}/admin/subscribers`, { headers: { cookie: s.cookie } })).text();
    expect(subscribers).toContain(email);
    const dashboard = await (await fetch(`${h.url}/admin`, { headers: { cookie: s.cookie } })).text();
    expect(dashboard).toContain('Seen by the dashboard');
    // The session the page made is the one the JSON API checks.
    const viaSession = await fetch(`${h.url}/api/admin/components`, { headers: { cookie: s.cookie } });
    expect(viaSession.status).toBe(200);
  });

  it('a domain error thrown under a page is recognised by its class: a refused form answers 422 with its message', async () => {
    const s = await signIn(h);
    const res = await s.post('/admin/components', { action: 'create', name: '' });
    expect(res.status).toBe(422);
    expect(await res.text()).toMatch(/Name must not be empty/);
  });
});

describe('every console page is behind the one guard', () => {
  const pages = files(join(ROOT, 'src', 'pages', 'admin'))
    .filter((f) => f.endsWith('.astro'))
    .map((f) => `/admin/${relative(join(ROOT, 'src', 'pages', 'admin'), f).replace(/\.astro$/, '')}`)
    .map((p) => p.replace(/\/index$/, '').replace(/\[(\w+)\]/g, 'x$1'));

  it('walks the pages the build has (so the checks below are not empty)', () => {
    expect(pages).toContain('/admin');
    expect(pages).toContain('/admin/preview');
    expect(pages.length).toBeGreaterThan(15);
  });

  it('without a session, every page but sign-in answers 303 to it, for GET and for a same-origin POST', async () => {
    for (const path of pages.filter((p) => p !== '/admin/login')) {
      for (const method of ['GET', 'POST']) {
        const res = await fetch(`${h.url}${path}`, {
          method,
          redirect: 'manual',
          headers: method === 'POST' ? { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' } : {},
          ...(method === 'POST' ? { body: 'csrf=x' } : {}),
        });
        expect(res.status, `${method} ${path}`).toBe(303);
        // A form posted without a session is not read, and the sign-in page says so (signing out loses nothing).
        const posted = path === '/admin/logout' ? /^\/admin\/login$/ : /^\/admin\/login\?unsent=1$/;
        expect(res.headers.get('location'), `${method} ${path}`).toMatch(method === 'GET' ? /^\/admin\/login(\?next=|$)/ : posted);
      }
    }
  });

  it('a cross-site POST to any console page is refused (403) before anything runs', async () => {
    for (const path of pages) {
      const res = await fetch(`${h.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
        body: 'csrf=x',
      });
      expect(res.status, path).toBe(403);
    }
  });
});
