import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';

/*
 * SITE_URL written with capitals: every reader gets the one form loadConfig gives (scheme and host in lower case),
 * so what turns on HSTS (an https SITE_URL) holds however it was typed, and the API names the site as browsers do.
 */

let herald: HeraldProcess;
beforeAll(async () => {
  herald = await startHerald({ env: { SITE_URL: 'HTTPS://Status.Example.COM', STATIC_SNAPSHOT: 'false' } });
});
afterAll(() => stopAll(herald));

describe('SITE_URL=HTTPS://Status.Example.COM', () => {
  it('sends HSTS, as for https://status.example.com', async () => {
    const res = await fetch(`${herald.url}/`);
    expect(res.status).toBe(200);
    // Before: no Strict-Transport-Security (the check was startsWith('https:')).
    expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
  });

  it('the v2 API names the site in lower case', async () => {
    const summary = (await (await fetch(`${herald.url}/api/v2/summary.json`)).json()) as { page: { url: string } };
    // Before: 'HTTPS://Status.Example.COM', as typed.
    expect(summary.page.url).toBe('https://status.example.com');
  });
});
