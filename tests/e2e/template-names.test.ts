import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { closeWithin, launchBrowser, signInWithForm } from '../helpers/browser.ts';

/**
 * Components whose names look like Markdown ("Billing <beta>", "API *v2*"), named by the runbook templates
 * as the console's script fills them in while the Comms Lead picks components, in real Chromium. The text
 * is then edited, so what is published is the script's text and not the server's own fill. Before, the
 * script put the names in raw: the page said "problems with Billing  and API v2" (the tag taken by the
 * sanitizer, the asterisks read as emphasis).
 */
const PASSWORD = 'correct horse battery staple';
const BILLING = 'Billing <beta>';
const API = 'API *v2*';

let h: HeraldProcess;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  h = await startHerald({ env: { ADMIN_PASSWORD: PASSWORD, SITE_NAME: 'Acme Status' } });
  for (const [id, name] of [
    ['billing', BILLING],
    ['api', API],
  ])
    expect((await h.admin('/components', { body: { id, name } })).status).toBe(201);
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  await signInWithForm(page, h.url, 'Dana', PASSWORD);
}, 90_000);

afterAll(() => stopAll(closeWithin(page), browser, h));

const bodyText = () => page.inputValue('textarea[name="body"]');

describe('names that look like Markdown, filled in by the console script', () => {
  it('the declare form: the preview, its email and the published page name them as they are', async () => {
    await page.goto(`${h.url}/admin/incidents/new`);
    await page.fill('#name', 'Invoices failing');
    await page.check('input[name="severity"][value="sev1"]');
    await page.selectOption('#component-billing', 'major_outage');
    await page.selectOption('#component-api', 'degraded_performance');
    expect(await bodyText()).toContain('problems with Billing \\<beta> and API \\*v2\\*.');
    await page.fill('textarea[name="body"]', `${await bodyText()}\n\nRetries are paused.`);
    await page.click('button:has-text("Preview")');
    expect(new URL(page.url()).pathname).toBe('/admin/preview');

    const said = `problems with ${BILLING} and ${API}.`;
    expect(await page.locator('#page-preview').textContent()).toContain(said);
    expect(await page.locator('#page-preview em').count()).toBe(0);
    // The email states the affected services as a field of its own: the body's line saying the same goes.
    const email = (await page.locator('#email-text').textContent())!;
    expect(email).toContain(said);
    expect(email.split(`Affected services: ${BILLING} and ${API}`)).toHaveLength(2);

    await Promise.all([page.waitForEvent('load'), page.click('button:has-text("Publish")')]);
    const home = await (await fetch(`${h.url}/`)).text();
    expect(home).toContain('problems with Billing &lt;beta&gt; and API *v2*.');
  });

  it('the maintenance form: the notice names the ticked components as they are', async () => {
    await page.goto(`${h.url}/admin/maintenance`);
    await page.fill('#m-name', 'Billing upgrade');
    await page.check('input[name="components"][value="billing"]');
    await page.check('input[name="components"][value="api"]');
    expect(await bodyText()).toContain('maintenance on Billing \\<beta> and API \\*v2\\*.');
    await page.fill('textarea[name="body"]', `${await bodyText()}\n\nNo action is needed.`);
    await page.click('button:has-text("Schedule maintenance")');
    expect(page.url()).toMatch(/\/admin\/incidents\/MNT-[\d-]+\?done=1$/);
    expect(await page.locator('.update-body').first().textContent()).toContain(`maintenance on ${BILLING} and ${API}.`);
    expect(await page.locator('.update-body em').count()).toBe(0);
  });
});
