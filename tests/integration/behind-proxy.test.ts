import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startHerald, stopAll, TEST_TOKEN, type HeraldProcess } from '../helpers/server.ts';

/**
 * Behind a TLS-terminating proxy the browser's Origin is https://status… while
 * Herald hears plain http on loopback. Astro's origin check (the public forms'
 * CSRF guard) must then see the public origin — but only from a proxy you
 * declared with TRUST_PROXY, never from any client.
 */
describe('form posts behind a reverse proxy', () => {
  let h: HeraldProcess | undefined;
  afterEach(async () => {
    await stopAll(h);
    h = undefined;
  });
  /**
   * One Herald with TRUST_PROXY for the three tests that run behind the proxy, started by the first: none
   * depends on what another did there (a subscribe, a refused post, a sign-in). A start costs about 0.7 s of CPU.
   */
  let trusted: HeraldProcess | undefined;
  const behindProxy = async () => {
    trusted ??= await startHerald({ env: { TRUST_PROXY: 'true', SITE_URL: 'https://status.example.com' } });
    return trusted;
  };
  afterAll(() => stopAll(trusted));

  const post = (url: string, headers: Record<string, string>) =>
    fetch(`${url}/subscribe`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: 'email=reader%40example.com',
    });

  const proxied = {
    origin: 'https://status.example.com',
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'status.example.com',
  };

  it('with TRUST_PROXY, a same-site form post through the proxy is accepted', async () => {
    const h = await behindProxy();
    const res = await post(h.url, proxied);
    // Accepted: the form's own answer (303 to "Check your inbox"), not a refusal (403) nor a rejected field (422).
    // The Location is a path, so the browser stays on the proxy's origin.
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/subscribe/sent');
    expect(await (await fetch(`${h.url}/subscribe/sent`)).text()).toContain('Check your inbox');
  });

  it('with TRUST_PROXY, a cross-site post through the proxy is still refused', async () => {
    const h = await behindProxy();
    const res = await post(h.url, { ...proxied, origin: 'https://evil.example' });
    expect(res.status).toBe(403);
  });

  it('without TRUST_PROXY, a client cannot claim the public origin with forwarded headers', async () => {
    h = await startHerald({ env: { SITE_URL: 'https://status.example.com' } });
    const res = await post(h.url, proxied);
    expect(res.status).toBe(403);
  });

  // From a hunt: the console's own check compared the Origin with the address Herald hears (http, loopback), so a
  // browser that sends Origin but no Sec-Fetch-Site (Safari before 16.4) could not sign in behind the proxy.
  it('with TRUST_PROXY, the console signs in through the proxy on the Origin alone, and still refuses another', async () => {
    const h = await behindProxy();
    const signIn = (origin: string) =>
      fetch(`${h.url}/admin/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...proxied, origin },
        body: new URLSearchParams({ name: 'Rosa', secret: TEST_TOKEN }).toString(),
      });
    const res = await signIn('https://status.example.com');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin');
    expect(res.headers.get('set-cookie')).toContain('__Host-');
    expect((await signIn('https://evil.example')).status).toBe(403);
  });
});
