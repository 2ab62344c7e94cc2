import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHerald, stopAll, TEST_TOKEN, type HeraldProcess } from '../helpers/server.ts';
import { launchBrowser, signInWithForm } from '../helpers/browser.ts';
import { signIn } from '../helpers/console-session.ts';

/*
 * Text pasted past a field's limit, in real Chromium. From a hunt on the Comms Lead's words: every console field
 * carried a maxlength, so the browser cut a pasted 22,437-character update to 20,000 mid-word, with no word said,
 * and the preview offered to publish it. Now the whole text reaches Herald, which refuses it, says how long it is
 * and keeps every character in the form.
 */
let h: HeraldProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  h = await startHerald();
  expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
  browser = await launchBrowser();
  context = await browser.newContext();
  page = await context.newPage();
  await signInWithForm(page, h.url, 'Dana', TEST_TOKEN);
}, 60_000);
afterAll(() => stopAll(context, browser, h));

const careful = `${'Paragraph of careful words. '.repeat(800)}THE END: contact support@example.com.`;

describe('text pasted past a limit in the console', () => {
  it('the declare form: kept whole and refused with its length, not cut and offered for publishing', async () => {
    await page.goto(`${h.url}/admin/incidents/new`);
    await page.focus('#name');
    await page.keyboard.insertText('N'.repeat(205));
    await page.check('input[name="severity"] >> nth=0');
    await page.fill('#body', '');
    await page.focus('#body');
    await page.keyboard.insertText(careful);
    // Before: the box held 20,000 characters ending "… Paragrap", and the name 200.
    expect(await page.inputValue('#body')).toBe(careful);
    expect(await page.inputValue('#name')).toHaveLength(205);
    const [res] = await Promise.all([page.waitForNavigation(), page.click('button:has-text("Preview")')]);
    expect(res!.status()).toBe(422);
    expect(await page.textContent('#body-error')).toBe(`Body must be at most 20000 characters (this has ${careful.length})`);
    expect(await page.textContent('#name-error')).toContain('must be at most 200 characters (this has 205)');
    expect(await page.inputValue('#body')).toBe(careful);
    expect(await page.inputValue('#name')).toHaveLength(205);
  });

  it('no console form and not /subscribe has a field that would cut what is pasted into it', async () => {
    const res = await h.admin('/incidents', {
      body: { name: 'Slow API', impact: 'minor', body: 'Looking.', components: { api: 'degraded_performance' } },
    });
    const { id, incident_updates } = (await res.json()) as { id: string; incident_updates: Array<{ id: string }> };
    const s = await signIn(h);
    const paths = [
      '/admin/incidents/new',
      `/admin/incidents/${id}`,
      `/admin/incidents/${id}/name`,
      `/admin/incidents/${id}/correct?update=${incident_updates[0]!.id}`,
      `/admin/incidents/${id}/postmortem`,
      '/admin/maintenance',
      '/admin/components',
      '/admin/settings',
      '/admin/channels',
      '/subscribe',
    ];
    for (const path of paths) {
      const r = await fetch(`${h.url}${path}`, { headers: { cookie: s.cookie } });
      expect(r.status, path).toBe(200);
      const html = await r.text();
      expect(html, path).toMatch(/<(textarea|input)[^>]* name="/);
      expect(html.match(/<(?:input|textarea)[^>]*maxlength[^>]*>/g) ?? [], path).toEqual([]);
    }
  });
});
