import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';

/**
 * Behind a proxy that appends to X-Forwarded-For (nginx's
 * $proxy_add_x_forwarded_for), the client writes whatever it likes to the left
 * of the entry the proxy appended. With TRUST_PROXY the rate limits must key on
 * the appended entry (or the TRUST_PROXY_HOPS-th from the right), so rotating
 * the left part does not make one client look like many.
 */

const LIMIT_PER_IP = 5;
/** Failed sign-ins allowed per address and window (src/console/state.ts). */
const SIGN_IN_MAX_FAILURES = 5;
const PASSWORD = 'correct horse battery staple';

/** What an appending proxy forwards for a client that sent `X-Forwarded-For: <forged>`. */
const forwarded = (forged: string, ...appended: string[]) => [forged, ...appended].join(', ');

function signIn(h: HeraldProcess, xff: string, secret: string): Promise<Response> {
  return fetch(`${h.url}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': xff },
    body: new URLSearchParams({ name: 'Mallory', secret }).toString(),
  });
}

function subscribeJson(h: HeraldProcess, xff: string, email: string): Promise<Response> {
  return fetch(`${h.url}/api/subscribers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': xff },
    body: JSON.stringify({ email }),
  });
}

function subscribeForm(h: HeraldProcess, xff: string, email: string): Promise<Response> {
  return fetch(`${h.url}/subscribe`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': xff },
    body: new URLSearchParams({ email }).toString(),
  });
}

/** Sends `n` requests one after another (the limit counts them in order) and returns their statuses. */
async function statuses(n: number, send: (i: number) => Promise<Response>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await send(i);
    await res.arrayBuffer();
    out.push(res.status);
  }
  return out;
}

describe('TRUST_PROXY=true behind one appending proxy', () => {
  let h: HeraldProcess;
  beforeAll(async () => {
    h = await startHerald({
      env: {
        TRUST_PROXY: 'true',
        ADMIN_PASSWORD: PASSWORD,
        SUBSCRIBE_LIMIT_PER_IP: String(LIMIT_PER_IP),
        SUBSCRIBE_LIMIT_PER_ADDRESS: '3',
      },
    });
  });
  afterAll(() => stopAll(h));

  it('failed sign-ins with a rotating forged first entry are counted as one client: 429 after 5 failures, even with the right password', async () => {
    const client = '203.0.113.7';
    const got = await statuses(SIGN_IN_MAX_FAILURES, (i) => signIn(h, forwarded(`198.51.100.${i + 1}`, client), `wrong-guess-${i}`));
    expect(got).toEqual(Array(SIGN_IN_MAX_FAILURES).fill(401));
    const limited = await signIn(h, forwarded('198.51.100.200', client), 'wrong-guess-again');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Blocked before the password is even tried.
    expect((await signIn(h, forwarded('192.0.2.250', client), PASSWORD)).status).toBe(429);
    // Another client (another appended address) is not affected.
    expect((await signIn(h, forwarded('198.51.100.1', '203.0.113.99'), PASSWORD)).status).toBe(303);
  });

  it('the admin token signs in uncounted, also from a limited address: a flood of sign-ins cannot lock the Comms Lead out', async () => {
    const client = '203.0.113.8';
    await statuses(SIGN_IN_MAX_FAILURES + 1, (i) => signIn(h, forwarded('x', client), `wrong-${i}`));
    expect((await signIn(h, forwarded('x', client), PASSWORD)).status).toBe(429);
    // Before: 429 here too ("Too many failed sign-ins from your address").
    expect((await signIn(h, forwarded('x', client), h.token)).status).toBe(303);
  });

  it('an IPv6 client rotating through its /64 is one client; the next /64 is another', async () => {
    const got = await statuses(SIGN_IN_MAX_FAILURES + 1, (i) => signIn(h, forwarded('x', `2001:db8:77:1::${i + 1}`), `v6-${i}`));
    // Before: every address its own client, six 401s.
    expect(got).toEqual([...Array(SIGN_IN_MAX_FAILURES).fill(401), 429]);
    expect((await signIn(h, forwarded('x', '2001:db8:77:1:ffff:ffff:ffff:9'), PASSWORD)).status).toBe(429);
    expect((await signIn(h, forwarded('x', '2001:db8:77:2::1'), PASSWORD)).status).toBe(303);
  });

  it('an empty secret is answered at once and not counted: it costs no password check, so it must not use up the limit', async () => {
    const client = '203.0.113.9';
    const empty = await signIn(h, forwarded('x', client), '');
    expect(empty.status).toBe(401);
    expect(await empty.text()).toContain('Enter the admin token or password.');
    await statuses(SIGN_IN_MAX_FAILURES + 5, () => signIn(h, forwarded('x', client), ''));
    // Before: 429, the empty tries having used up the limit.
    expect((await signIn(h, forwarded('x', client), PASSWORD)).status).toBe(303);
  });

  it('JSON subscribes (distinct addresses) with a rotating forged first entry get 429 after SUBSCRIBE_LIMIT_PER_IP', async () => {
    const client = '203.0.113.17';
    const got = await statuses(LIMIT_PER_IP + 3, (i) => subscribeJson(h, forwarded(`junk-${i}.example`, client), `json-${i}@example.com`));
    expect(got).toEqual([...Array(LIMIT_PER_IP).fill(202), 429, 429, 429]);
    // Another client behind the same proxy still subscribes.
    expect((await subscribeJson(h, forwarded('junk-x', '203.0.113.18'), 'someone-else@example.com')).status).toBe(202);
  });

  it('form subscribes (distinct addresses) with a rotating forged first entry get 429 after SUBSCRIBE_LIMIT_PER_IP', async () => {
    const client = '203.0.113.27';
    const got = await statuses(LIMIT_PER_IP + 2, (i) => subscribeForm(h, forwarded(`10.9.${i}.1`, client), `form-${i}@example.com`));
    // An accepted form post is sent on to its result page (303); a refused one answers with the form.
    expect(got).toEqual([...Array(LIMIT_PER_IP).fill(303), 429, 429]);
    expect((await subscribeForm(h, forwarded('10.9.0.1', '203.0.113.28'), 'form-other@example.com')).status).toBe(303);
  });

  it('the form and the JSON API count the same client against one limit', async () => {
    const client = '203.0.113.37';
    const got = await statuses(LIMIT_PER_IP + 1, (i) =>
      i % 2 === 0
        ? subscribeJson(h, forwarded(`rot-${i}`, client), `mixed-${i}@example.com`)
        : subscribeForm(h, forwarded(`rot-${i}`, client), `mixed-${i}@example.com`),
    );
    expect(got.slice(0, LIMIT_PER_IP).every((s) => s === 303 || s === 202)).toBe(true);
    expect(got[LIMIT_PER_IP]).toBe(429);
  });
});

describe('TRUST_PROXY=true with TRUST_PROXY_HOPS=2 (two appending proxies)', () => {
  let h: HeraldProcess;
  beforeAll(async () => {
    h = await startHerald({ env: { TRUST_PROXY: 'true', TRUST_PROXY_HOPS: '2', SUBSCRIBE_LIMIT_PER_IP: String(LIMIT_PER_IP) } });
  });
  afterAll(() => stopAll(h));

  // The outer proxy appends the client, the inner one appends the outer proxy (here: one of several nodes).
  const viaTwoProxies = (i: number, client: string) => forwarded(`forged-${i}`, client, `10.0.0.${(i % 3) + 2}`);

  it('the second entry from the right is the client: subscribes get 429 after the limit whatever the forged entry and the proxy node', async () => {
    const client = '203.0.113.47';
    const got = await statuses(LIMIT_PER_IP + 2, (i) => subscribeJson(h, viaTwoProxies(i, client), `hops-${i}@example.com`));
    expect(got).toEqual([...Array(LIMIT_PER_IP).fill(202), 429, 429]);
    expect((await subscribeJson(h, viaTwoProxies(0, '203.0.113.48'), 'hops-other@example.com')).status).toBe(202);
  });

  it('the second entry from the right is the client: sign-ins get 429 after 5 failures', async () => {
    const client = '203.0.113.57';
    const got = await statuses(SIGN_IN_MAX_FAILURES, (i) => signIn(h, viaTwoProxies(i, client), `nope-${i}`));
    expect(got).toEqual(Array(SIGN_IN_MAX_FAILURES).fill(401));
    expect((await signIn(h, viaTwoProxies(99, client), 'nope')).status).toBe(429);
  });
});
