import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn } from '../helpers/console-session.ts';

/*
 * What the channel and settings forms say a URL may be, against what is accepted. From a new-operator hunt: the
 * channel form said "https only" while ALLOW_PRIVATE_WEBHOOKS=true took http; without it the refusal did not name
 * the setting; the settings form asked for "an https URL" while http:// was saved.
 */

let strict: HeraldProcess;
let open: HeraldProcess;
beforeAll(async () => {
  [strict, open] = await Promise.all([startHerald(), startHerald({ env: { ALLOW_PRIVATE_WEBHOOKS: 'true' } })]);
}, 60_000);
afterAll(() => stopAll(strict, open));

const hint = async (h: HeraldProcess, path: string, id: string) => {
  const { cookie } = await signIn(h);
  const html = await (await fetch(`${h.url}${path}`, { headers: { cookie } })).text();
  return new RegExp(`<p class="hint" id="${id}">([^<]*)`).exec(html)?.[1];
};
const addChannel = (h: HeraldProcess, url: string) => h.admin('/channels', { body: { kind: 'webhook', name: 'Hook', url } });

describe('what a channel URL may be', () => {
  it('without ALLOW_PRIVATE_WEBHOOKS: the hint and the refusal of http name the setting', async () => {
    expect(await hint(strict, '/admin/channels', 'ch-url-hint')).toBe(
      'https (http needs ALLOW_PRIVATE_WEBHOOKS=true). Kept secret: the console and the API show only its host.',
    );
    const res = await addChannel(strict, 'http://hooks.example.com/x');
    expect([res.status, ((await res.json()) as any).error.message]).toEqual([
      422,
      'url must use https (http needs ALLOW_PRIVATE_WEBHOOKS=true)',
    ]);
  });

  it('with ALLOW_PRIVATE_WEBHOOKS=true: the hint says http is taken, and it is', async () => {
    expect(await hint(open, '/admin/channels', 'ch-url-hint')).toBe(
      'https or http (ALLOW_PRIVATE_WEBHOOKS is on). Kept secret: the console and the API show only its host.',
    );
    expect((await addChannel(open, 'http://hooks.example.com/x')).status).toBe(201);
  });
});

describe('what a support contact may be', () => {
  it('the hint says http(s), as the check and its error do, and an http:// page is saved', async () => {
    expect(await hint(strict, '/admin/settings', 'support-hint')).toMatch(/^An email address or an http\(s\) URL: /);
    const got = await strict.admin('/settings');
    const settings = (await got.json()) as Record<string, unknown>;
    const put = await strict.admin('/settings', {
      method: 'PUT',
      body: { ...settings, support_contact: 'http://support.example.com/help' },
      headers: { 'If-Match': got.headers.get('etag')! },
    });
    expect(put.status).toBe(200);
    expect(((await (await strict.admin('/settings')).json()) as any).support_contact).toBe('http://support.example.com/help');
  });
});
