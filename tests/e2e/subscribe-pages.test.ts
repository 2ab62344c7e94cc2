import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { HtmlValidate } from 'html-validate';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, local, outboxSettled, to } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';
import { axeContext, axeViolations, launchBrowser } from '../helpers/browser.ts';
import { engine, engineEnv } from '../helpers/engine.ts';

/**
 * The subscription pages in a real browser, without JavaScript: subscribe
 * through the form, confirm from the email's link, manage, unsubscribe; each
 * page valid HTML, with no serious axe-core violation, at 360 px wide (on the
 * embedded engine; on PostgreSQL the journey alone).
 */
let h: HeraldProcess;
let smtp: TestSmtp;
let browser: Browser;

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startHerald({ env: { ...(await engineEnv()), SMTP_URL: smtp.url, SITE_URL: SITE } });
  for (const [id, name] of [
    ['api', 'API'],
    ['web', 'Website'],
  ])
    await h.admin('/components', { body: { id, name } });
  browser = await launchBrowser();
}, 60_000);
afterAll(() => stopAll(browser, h, smtp));

/** What a form's post was answered with, and the request the page then shown was loaded by (method, path, query). */
async function posted(page: Page, submit: () => Promise<unknown>) {
  const [response] = await Promise.all([page.waitForNavigation(), submit()]);
  const request = response!.request();
  const url = new URL(request.url());
  const post = await request.redirectedFrom()?.response();
  return { post: post?.status() ?? response!.status(), landed: [request.method(), url.pathname, url.search] };
}

describe('subscription pages', () => {
  it('subscribe → confirm → manage → unsubscribe with JavaScript off; every page valid and accessible', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    const scripted = new Map<'light' | 'dark', Page>();
    // Checkboxes sharing a name is how HTML sends a list; the rule allows it when told.
    const validator = new HtmlValidate({
      extends: ['html-validate:recommended'],
      rules: {
        'no-trailing-whitespace': 'off',
        'form-dup-name': ['error', { shared: ['radio', 'checkbox', 'button', 'reset', 'submit'] }],
      },
    });
    const check = async (label: string) => {
      // How the pages look is drawn from the same data on either engine: the postgres project walks the journey only.
      if (engine() === 'postgres') return;
      // The server's bytes, not the browser's re-serialized DOM.
      const report = await validator.validateString(await (await fetch(page.url())).text());
      expect(
        report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`)),
        label,
      ).toEqual([]);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, label).toBeLessThanOrEqual(0);
      // axe needs a script: a second, scripted context (CSP bypassed for axe only) looks at the same URL, light and
      // dark, in one tab each (a new tab costs Chromium a renderer process to start).
      for (const colorScheme of ['light', 'dark'] as const) {
        let p = scripted.get(colorScheme);
        if (!p) scripted.set(colorScheme, (p = await (await axeContext(browser, { colorScheme })).newPage()));
        await p.goto(page.url());
        expect(await axeViolations(p), `${label} (${colorScheme})`).toEqual([]);
      }
    };

    await page.goto(`${h.url}/subscribe`);
    await check('/subscribe');
    await page.fill('#email', 'browser@example.com');
    await page.check('input[value="web"]');
    await page.click('button[type="submit"]');
    await expect(page.textContent('main')).resolves.toContain('Check your inbox');
    // Post/Redirect/Get: the result is a page of its own, without the address, and reloading it posts nothing.
    expect(new URL(page.url()).pathname).toBe('/subscribe/sent');
    await check('/subscribe/sent');
    for (let i = 0; i < 4; i++) await page.reload();
    await expect(page.textContent('main')).resolves.toContain('Check your inbox');

    await until(() => to(smtp, 'browser@example.com').length === 1, 'the confirmation email');
    await outboxSettled(h);
    expect(to(smtp, 'browser@example.com'), 'one email for one post, however often its result is reloaded').toHaveLength(1);
    const mail = await smtp.parse(to(smtp, 'browser@example.com')[0]!);
    const confirm = local(h, /https:\/\/\S+\/subscribe\/confirm\/\S+/.exec(mail.text ?? '')![0]);
    await page.goto(confirm);
    await check('confirm');
    // Post/Redirect/Get: the button's post is answered 303 back to the link, whose GET says what was done.
    const confirmed = await posted(page, () => page.click('button[type="submit"]'));
    expect(confirmed).toEqual({ post: 303, landed: ['GET', new URL(confirm).pathname, ''] });
    await expect(page.textContent('main')).resolves.toContain('You are subscribed');
    await check('confirmed');
    for (let i = 0; i < 2; i++) await page.reload();
    await expect(page.textContent('main')).resolves.toContain('You are subscribed');

    await page.click('text=Choose components');
    await check('manage');
    const manage = new URL(page.url()).pathname;
    expect(await page.isChecked('input[value="web"]')).toBe(true);
    await page.check('input[value="api"]');
    const saved = await posted(page, () => page.click('button[type="submit"]'));
    expect(saved).toEqual({ post: 303, landed: ['GET', manage, '?saved=1'] });
    await expect(page.textContent('main')).resolves.toContain('Saved. You will hear about 2 components.');
    // What a screen reader reads out as the page loads: what the post did, not the form's name (before: "Manage your subscription").
    expect(await page.title()).toBe('Your choice is saved · Herald Status');
    await check('saved');
    for (let i = 0; i < 2; i++) await page.reload();
    await expect(page.textContent('main')).resolves.toContain('Saved. You will hear about 2 components.');
    expect(await page.isChecked('input[value="api"]')).toBe(true);
    expect(await page.isChecked('input[value="web"]')).toBe(true);

    await page.click('text=Unsubscribe from all emails');
    await check('unsubscribe');
    await page.click('button[type="submit"]');
    await expect(page.textContent('main')).resolves.toContain('You are unsubscribed');
    const listed = await (await h.admin('/subscribers?q=browser')).json();
    expect(listed.subscribers[0].state).toBe('unsubscribed');
    expect([...listed.subscribers[0].components].sort()).toEqual(['api', 'web']);
    for (const p of scripted.values()) await p.context().close();
    await context.close();
  }, 120_000);
});
