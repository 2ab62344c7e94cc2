import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formBody, signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { type PgCluster, startPgCluster } from '../helpers/pg.ts';
import { commitCutter } from '../helpers/pg-cut.ts';
import { until } from '../helpers/poll.ts';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';

/**
 * Two real Herald processes (A and B: two replicas behind a load balancer)
 * on one PostgreSQL database: the console's sessions, drafts and sign-in
 * limit are theirs in common (src/store/console/pg.ts).
 */
let cluster: PgCluster;
let a: HeraldProcess;
let b: HeraldProcess;
let dana: ConsoleSession;
let dbUrl = '';
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  cluster = await startPgCluster();
  dbUrl = await cluster.database();
  a = await startHerald({ env: { DATABASE_URL: dbUrl, ADMIN_PASSWORD: PASSWORD } });
  b = await startHerald({ env: { DATABASE_URL: dbUrl, ADMIN_PASSWORD: PASSWORD } });
}, 90_000);
afterAll(async () => {
  await stopAll(a, b, () => cluster?.destroy());
});

/** A console request to replica `h` with `s`'s cookie (the browser's, whichever replica made it). */
const get = (h: HeraldProcess, path: string, s?: ConsoleSession, headers: Record<string, string> = {}) =>
  fetch(`${h.url}${path}`, { redirect: 'manual', headers: { ...(s ? { cookie: s.cookie } : {}), ...headers } });
const post = (h: HeraldProcess, path: string, s: ConsoleSession, fields: Record<string, string>) =>
  fetch(`${h.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: h.url, cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: formBody({ csrf: s.csrf, ...fields }),
  });
const signInPost = (h: HeraldProcess, secret: string) =>
  fetch(`${h.url}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: formBody({ name: 'Dana', secret }),
  });

describe('console on two replicas sharing PostgreSQL', () => {
  it('signed in on A, the same cookie and CSRF token work on B (pages and the admin JSON API)', async () => {
    dana = await signIn(a, 'Dana');
    const page = await get(b, '/admin', dana);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`name="csrf" value="${dana.csrf}"`);
    const api = await get(b, '/api/admin/dashboard', dana);
    expect(api.status).toBe(200);
    // Without the cookie B sends you to sign in.
    const none = await get(b, '/admin');
    expect(none.status).toBe(303);
    expect(none.headers.get('location')).toBe('/admin/login');
  });

  it('previewed on A, published from B once: a double click and a retry on A answer the same incident', async () => {
    const preview = await post(a, '/admin/preview', dana, {
      kind: 'declare',
      name: 'Replica checkout errors',
      impact: 'minor',
      body: 'Payments fail for some customers.',
      body_template: '',
      notify_shown: '0',
    });
    expect(preview.status).toBe(200);
    const draft = /name="draft" value="([^"]+)"/.exec(await preview.text())![1]!;
    // The preview's "back to edit" works on B too: it shows the draft's values.
    const edit = await get(b, `/admin/incidents/new?draft=${encodeURIComponent(draft)}`, dana);
    expect(edit.status).toBe(200);
    expect(await edit.text()).toContain('Replica checkout errors');

    const [first, second] = await Promise.all([post(b, '/admin/publish', dana, { draft }), post(b, '/admin/publish', dana, { draft })]);
    expect(first.status).toBe(303);
    expect(second.status).toBe(303);
    const location = first.headers.get('location')!;
    expect(location).toMatch(/^\/admin\/incidents\/[^/?]+\?published=1$/);
    expect(second.headers.get('location')).toBe(location);
    const retry = await post(a, '/admin/publish', dana, { draft });
    expect(retry.status).toBe(303);
    expect(retry.headers.get('location')).toBe(location);

    const id = decodeURIComponent(location.split('/')[3]!.split('?')[0]!);
    const named = async (h: HeraldProcess) => {
      const { incidents } = (await (await h.admin('/incidents')).json()) as { incidents: Array<{ id: string; name: string }> };
      return incidents.filter((i) => i.name === 'Replica checkout errors');
    };
    // A sees B's write once PostgreSQL tells it; either way there is exactly one.
    await until(async () => (await named(a)).length > 0, 'the incident published on B to reach A', 30_000);
    expect((await named(a)).map((i) => i.id)).toEqual([id]);
    expect((await named(b)).map((i) => i.id)).toEqual([id]);

    // Another session (signed in on B) that learns the draft id publishes nothing.
    const sam = await signIn(b, 'Sam');
    const stolen = await post(a, '/admin/publish', sam, { draft });
    expect(stolen.status).toBe(410);
  });

  it('a publish whose commit PostgreSQL never confirmed, pressed again, lands on the one incident it made', async () => {
    // Replica C reaches the database through a proxy that loses the answer to one commit of the document.
    const cutter = await commitCutter(dbUrl);
    const c = await startHerald({ env: { DATABASE_URL: cutter.url } });
    try {
      const lee = await signIn(c, 'Lee');
      const preview = await post(c, '/admin/preview', lee, {
        kind: 'declare',
        name: 'Cut at commit',
        impact: 'major',
        body: 'Logins fail.',
        body_template: '',
        notify_shown: '0',
      });
      expect(preview.status).toBe(200);
      const draft = /name="draft" value="([^"]+)"/.exec(await preview.text())![1]!;

      cutter.arm();
      const lost = await post(c, '/admin/publish', lee, { draft });
      await cutter.cut;
      expect(lost.status).toBe(503);
      const said = await lost.text();
      expect(said).toContain('may or may not have been saved');
      expect(said).toContain('published once either way');
      expect(said).not.toContain('Nothing was published');

      // The commit did happen: pressed again (on C, then on A), the same incident, not a second one.
      const again = await post(c, '/admin/publish', lee, { draft });
      expect(again.status).toBe(303);
      const location = again.headers.get('location')!;
      expect((await post(a, '/admin/publish', lee, { draft })).headers.get('location')).toBe(location);
      const id = decodeURIComponent(location.split('/')[3]!.split('?')[0]!);
      const { incidents } = (await (await a.admin('/incidents')).json()) as { incidents: Array<{ id: string; name: string }> };
      expect(incidents.filter((i) => i.name === 'Cut at commit').map((i) => i.id)).toEqual([id]);
    } finally {
      await stopAll(c, () => cutter.close());
    }
  });

  it('PostgreSQL down: the guard, the admin API, sign-in and sign-out answer 503, nobody is signed in or out', async () => {
    await cluster.stop();
    try {
      const page = await get(b, '/admin', dana);
      expect(page.status).toBe(503);
      expect(await page.text()).toContain('cannot reach its database');
      const api = await get(a, '/api/admin/dashboard', dana, { accept: 'application/json' });
      expect(api.status).toBe(503);
      expect(((await api.json()) as { error: { code: string } }).error.code).toBe('storage_unavailable');
      const login = await signInPost(a, a.token);
      expect(login.status).toBe(503);
      expect(login.headers.get('set-cookie')).toBeNull();
      expect(await login.text()).toContain('cannot reach its database');
      const logout = await post(b, '/admin/logout', dana, {});
      expect(logout.status).toBe(503);
      expect(logout.headers.get('set-cookie')).toBeNull();
    } finally {
      await cluster.start();
    }
    // Back: the session survived (the pools reconnect on their own).
    await until(async () => (await get(a, '/admin', dana)).status === 200, 'the console to answer again after PostgreSQL came back');
    expect((await get(b, '/admin', dana)).status).toBe(200);
  });

  it('signed out on B, the session is over on A too', async () => {
    const out = await post(b, '/admin/logout', dana, {});
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/admin/login?signed_out=1');
    const page = await get(a, '/admin', dana);
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/admin/login');
    expect((await get(a, '/api/admin/dashboard', dana)).status).toBe(401);
  });

  it('a replica started with another admin token or password takes no session signed in with the old one; the other stays', async () => {
    // Sessions live in PostgreSQL and outlive restarts: changing a leaked secret must still sign its holder out.
    const byToken = await signIn(a, 'Lee');
    const signedIn = await signInPost(a, PASSWORD);
    expect(signedIn.status).toBe(303);
    const byPassword = { cookie: signedIn.headers.get('set-cookie')!.split(';')[0]! } as ConsoleSession;
    const started: HeraldProcess[] = [];
    try {
      for (const [env, tokenLive, passwordLive] of [
        [{ ADMIN_TOKEN: 'rotated-admin-token-0123456789abcdefgh' }, false, true],
        [{ ADMIN_PASSWORD: 'a brand new passphrase' }, true, false],
        [{}, true, true],
      ] as const) {
        const h = await startHerald({ env: { DATABASE_URL: dbUrl, ADMIN_PASSWORD: PASSWORD, ...env } });
        started.push(h);
        const what = JSON.stringify(env);
        expect((await get(h, '/admin', byToken)).status, `token session, ${what}`).toBe(tokenLive ? 200 : 303);
        expect((await get(h, '/api/admin/dashboard', byPassword)).status, `password session, ${what}`).toBe(passwordLive ? 200 : 401);
        if (tokenLive) continue;
        const declare = await fetch(`${h.url}/api/admin/incidents`, {
          method: 'POST',
          headers: { origin: h.url, cookie: byToken.cookie, 'x-csrf-token': byToken.csrf, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'Declared with an old session', status: 'investigating', impact: 'minor', body: 'x' }),
        });
        expect(declare.status).toBe(401);
        // Signed in anew with the token it takes, it works there.
        expect((await get(h, '/admin', await signIn(h, 'Lee'))).status).toBe(200);
      }
      // A replica not yet restarted still takes both, as it still takes the old secrets.
      expect((await get(a, '/admin', byToken)).status).toBe(200);
      expect((await get(a, '/admin', byPassword)).status).toBe(200);
      const { incidents } = (await (await a.admin('/incidents')).json()) as { incidents: Array<{ name: string }> };
      expect(incidents.filter((i) => i.name === 'Declared with an old session')).toHaveLength(0);
    } finally {
      await stopAll(...started);
    }
  });

  it('failed sign-ins on A and B count against one limit: after 5 (3 on A, 2 on B) both answer 429, even to the right password', async () => {
    for (const h of [a, b, a, b, a]) expect((await signInPost(h, 'wrong-secret')).status).toBe(401);
    for (const h of [b, a]) {
      const res = await signInPost(h, PASSWORD);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    // The admin token is checked first and uncounted: a flood of failures cannot lock the Comms Lead out.
    for (const h of [b, a]) expect((await signInPost(h, h.token)).status).toBe(303);
  });
});
