import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, local, subscribe, to, until } from '../helpers/mail-flow.ts';
import { launchBrowser, focusMoved } from '../helpers/browser.ts';

/**
 * A refused form's page, in real Chromium without JavaScript, as a screen reader meets it: a role=alert on
 * a page just loaded is seldom announced, so the title says "Error:" first and the focus starts on the
 * field in error, or on the error itself when it is about no one field; a group of choices in error is
 * marked and points at it. The console's sign-in and settings, /subscribe and the manage page.
 */
let h: HeraldProcess;
let smtp: TestSmtp;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  smtp = await startSmtp();
  // One subscribe request per address per window: the second is refused (429) at once.
  h = await startHerald({ env: { SMTP_URL: smtp.url, SITE_URL: SITE, SUBSCRIBE_LIMIT_PER_ADDRESS: '1' } });
  for (const [id, name] of [
    ['api', 'API'],
    ['reports', 'Reports'],
  ]) {
    expect((await h.admin('/components', { body: { id, name } })).status).toBe(201);
  }
  browser = await launchBrowser();
  context = await browser.newContext({ javaScriptEnabled: false });
}, 60_000);
afterAll(() => stopAll(context, browser, h, smtp));

/** What a screen reader starts on: the title, the focused element, and which elements are marked invalid and what they point at. */
async function landing(page: Page) {
  await focusMoved(page);
  return {
    title: await page.title(),
    ...(await page.evaluate(() => {
      const a = document.activeElement!;
      return {
        focus: a.id ? `#${a.id}` : a.tagName.toLowerCase(),
        invalid: [...document.querySelectorAll('[aria-invalid="true"]')].map((e) => ({
          what: e.id ? `#${e.id}` : `${e.tagName.toLowerCase()}.${e.className}`,
          describedBy: e.getAttribute('aria-describedby') ?? '',
        })),
      };
    })),
  };
}

async function submit(page: Page, button = 'button[type="submit"]'): Promise<number> {
  const [res] = await Promise.all([page.waitForNavigation(), page.click(button)]);
  return res!.status();
}

/** Subscribes `email` and confirms it from its email; the manage page's path. */
async function confirmed(email: string): Promise<string> {
  expect((await subscribe(h, { email })).status).toBe(202);
  await until(() => to(smtp, email).length === 1, `the confirmation email to ${email}`);
  const text = (await smtp.parse(to(smtp, email)[0]!)).text ?? '';
  const link = local(h, /https?:\/\/\S+\/subscribe\/confirm\/[A-Za-z0-9._-]+/.exec(text)![0]);
  const page = await (
    await fetch(link, { method: 'POST', headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' } })
  ).text();
  return /\/subscribe\/manage\/[A-Za-z0-9._-]+/.exec(page)![0];
}

describe('a refused form points a screen reader at its error', () => {
  it('the console sign-in, wrong token: the title says Error, the focus is in the secret field, read with its error', async () => {
    const page = await context.newPage();
    await page.goto(`${h.url}/admin/login`);
    expect(await page.title()).toBe('Sign in · Herald Status console');
    await page.fill('#name', 'Eve');
    await page.fill('#secret', 'not-the-token');
    expect(await submit(page)).toBe(401);
    expect(await landing(page)).toEqual({
      title: 'Error: Sign in · Herald Status console',
      focus: '#secret',
      invalid: [{ what: '#secret', describedBy: 'signin-error' }],
    });
    await page.close();
  });

  it("the console settings: a scheme's button keeps what was typed; Enter in a field saves, and refused, the summary takes the focus", async () => {
    const own = await browser.newContext({ javaScriptEnabled: false });
    const page = await own.newPage();
    await page.goto(`${h.url}/admin/login`);
    await page.fill('#name', 'Dana');
    await page.fill('#secret', h.token);
    await submit(page);
    await page.goto(`${h.url}/admin/settings`);
    await page.fill('#signoff', 'The Acme on-call team');
    await page.fill('#support_contact', 'nope');
    expect(await submit(page, 'button[name="scheme"][value="p1-p4"]')).toBe(200);
    expect([await page.inputValue('#signoff'), await page.inputValue('#support_contact'), await page.inputValue('#level-0-id')]).toEqual([
      'The Acme on-call team',
      'nope',
      'p1',
    ]);
    // Enter presses the form's first submit button: "Save", not the first scheme's.
    const [res] = await Promise.all([page.waitForNavigation(), page.press('#support_contact', 'Enter')]);
    expect(res!.status()).toBe(422);
    expect(await landing(page)).toEqual({
      title: 'Error: Settings · Herald Status console',
      focus: 'div',
      invalid: [{ what: '#support_contact', describedBy: 'support-hint' }],
    });
    expect(await page.evaluate(() => document.activeElement!.getAttribute('role')), 'the summary').toBe('alert');
    await own.close();
  });

  it('/subscribe, a ticked component removed meanwhile: the error takes the focus, the components group is marked and points at it', async () => {
    const page = await context.newPage();
    await page.goto(`${h.url}/subscribe`);
    await page.fill('#email', 'dan@example.com');
    await page.check('input[value="reports"]');
    expect((await h.admin('/components/reports', { method: 'DELETE' })).status).toBe(204);
    expect(await submit(page)).toBe(422);
    expect(await landing(page)).toEqual({
      title: 'Error: Subscribe to updates · Herald Status',
      focus: '#subscribe-error',
      invalid: [{ what: 'fieldset.component-choices', describedBy: 'subscribe-error choices-hint' }],
    });
    expect(await page.textContent('#subscribe-error')).toContain('A component you ticked was removed from this status page meanwhile');
    await page.close();
  });

  it('/subscribe, too many requests (429): the error takes the focus, and no field is called invalid', async () => {
    const page = await context.newPage();
    for (const expected of [200, 429]) {
      await page.goto(`${h.url}/subscribe`);
      await page.fill('#email', 'erin@example.com');
      expect(await submit(page)).toBe(expected);
    }
    expect(await landing(page)).toEqual({ title: 'Error: Subscribe to updates · Herald Status', focus: '#subscribe-error', invalid: [] });
    expect(await page.textContent('#subscribe-error')).toContain('Too many requests');
    await page.close();
  });

  it('the manage page, asked again too often (429): the title says Error and the error takes the focus', async () => {
    const manage = await confirmed('fay@example.com');
    const page = await context.newPage();
    await page.goto(`${h.url}${manage}`);
    await page.click('text=Unsubscribe from all emails');
    expect(await submit(page)).toBe(200);
    await page.goto(`${h.url}${manage}`);
    // Subscribing again is a subscribe request: the address used its one (the first subscribe).
    expect(await submit(page, 'button:has-text("Subscribe again")')).toBe(429);
    expect(await landing(page)).toEqual({ title: 'Error: Manage your subscription · Herald Status', focus: '#manage-error', invalid: [] });
    await page.close();
  });

  it('the manage page, a choice it refuses (more components than there can be): the components group is marked and points at the error', async () => {
    const manage = await confirmed('gus@example.com');
    const page = await context.newPage();
    await page.goto(`${h.url}${manage}`);
    // More ticked than a page can offer (a forged form): the page's scripts are off, the test's DOM access is not.
    await page.evaluate(() => {
      const list = document.querySelector('.component-choices ul')!;
      for (let i = 0; i < 201; i++)
        list.insertAdjacentHTML('beforeend', `<li><input type="checkbox" name="components" value="c${i}" checked></li>`);
    });
    expect(await submit(page)).toBe(422);
    expect(await landing(page)).toEqual({
      title: 'Error: Manage your subscription · Herald Status',
      focus: '#manage-error',
      invalid: [{ what: 'fieldset.component-choices', describedBy: 'manage-error choices-hint' }],
    });
    await page.close();
  });
});
