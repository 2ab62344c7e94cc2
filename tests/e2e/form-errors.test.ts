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

  it("the console settings: a scheme's button keeps what was typed and the focus by the table; Enter in a field saves, and refused, the summary takes the focus; saved, the notice does", async () => {
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
    // The focus is where the button was, on the notice above the table it filled, read out. Before: on the body, the top.
    expect(await landing(page)).toEqual({ title: 'Settings · Herald Status console', focus: '#scheme-shown', invalid: [] });
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
    // Fixed (reached from the summary's link, the address now ends in #support_contact) and saved: the redirect's page
    // has its notice focused, read out. Before: the focus on the body, the notice not said.
    await page.click('a[href="#support_contact"]');
    await page.fill('#support_contact', 'help@acme.example');
    const [saved] = await Promise.all([page.waitForNavigation(), page.press('#support_contact', 'Enter')]);
    expect(saved!.status()).toBe(200);
    expect(await landing(page)).toEqual({ title: 'Settings · Herald Status console', focus: '#done-notice', invalid: [] });
    expect(await page.locator('#done-notice').textContent()).toMatch(/^Settings saved\. /);
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

/**
 * The console's refused forms, as the README promises: the title says "Error:" before the page's own title, the
 * summary takes the focus, and each field in error is marked, points at its error and keeps its hint; each
 * summary link leads to a control marked invalid.
 */
describe("the console's refused forms point a screen reader at their errors", () => {
  let lead: BrowserContext;
  const TITLE = ' · Herald Status console';
  const ids = { resolved: '', open: '' };

  beforeAll(async () => {
    lead = await browser.newContext({ javaScriptEnabled: false });
    lead.setDefaultTimeout(5_000);
    const page = await lead.newPage();
    await page.goto(`${h.url}/admin/login`);
    await page.fill('#name', 'Dana');
    await page.fill('#secret', h.token);
    await submit(page);
    for (const [id, name] of [
      ['search', 'Search'],
      ['billing', 'Billing'],
      ['exports', 'Exports'],
    ]) {
      expect((await h.admin('/components', { body: { id, name } })).status).toBe(201);
    }
    const made = async (name: string, components: Record<string, string>) =>
      (
        (await (await h.admin('/incidents', { body: { name, impact: 'minor', body: 'Slow.', components, notify: false } })).json()) as {
          id: string;
        }
      ).id;
    ids.resolved = await made('Slow search', { search: 'degraded_performance' });
    expect(
      (await h.admin(`/incidents/${ids.resolved}/updates`, { body: { status: 'resolved', body: 'Fixed.', notify: false } })).status,
    ).toBe(201);
    ids.open = await made('Slow billing', { billing: 'degraded_performance' });
  }, 30_000);

  /** The summary's links whose target is missing or not marked invalid (none expected). */
  const unmarkedLinks = (page: Page) =>
    page.$$eval('[role="alert"] a[href^="#"]', (links) =>
      links
        .map((a) => a.getAttribute('href')!.slice(1))
        .filter((id) => document.getElementById(id)?.getAttribute('aria-invalid') !== 'true'),
    );

  it('the postmortem: a publish refused (blanks left) or written after another save, and its preview, take the reader there', async () => {
    const page = await lead.newPage();
    const path = `${h.url}/admin/incidents/${ids.resolved}/postmortem`;
    await page.goto(path);
    expect(await submit(page, 'button[value="publish"]')).toBe(422);
    expect(await landing(page)).toEqual({
      title: `Error: Postmortem: Slow search${TITLE}`,
      focus: 'div',
      invalid: [{ what: '#pm-body', describedBy: 'pm-body-error pm-hint' }],
    });
    expect(await page.textContent('#pm-body-error')).toContain("Fill in the template's blanks");
    expect(await unmarkedLinks(page)).toEqual([]);

    // Saved from elsewhere meanwhile: what it now reads takes the focus.
    await page.goto(path);
    expect((await h.admin(`/incidents/${ids.resolved}/postmortem`, { method: 'PUT', body: { body: 'Written elsewhere.' } })).status).toBe(
      200,
    );
    expect(await submit(page, 'button[value="save"]')).toBe(409);
    expect(await landing(page)).toMatchObject({ title: `Error: Postmortem: Slow search${TITLE}`, focus: '#postmortem-since' });

    // The preview, far below the form, takes the focus (and the screen).
    await page.goto(path);
    expect(await submit(page, 'button[value="preview"]')).toBe(200);
    expect(await landing(page)).toEqual({ title: `Postmortem: Slow search${TITLE}`, focus: '#pm-preview-title', invalid: [] });
    await page.close();
  });

  it("an update refused: its fields keep their hints beside their errors, the components' error is the group's, the title is the incident's", async () => {
    const page = await lead.newPage();
    await page.goto(`${h.url}/admin/incidents/${ids.open}`);
    // Every hint of the form is there and read, the "What happened" ones too.
    expect(await page.getAttribute('#told-root_cause', 'aria-describedby')).toBe('told-root_cause-hint');
    expect(await page.getAttribute('#components', 'aria-describedby')).toBe('components-hint');
    await page.selectOption('#component-exports', 'major_outage');
    // A component removed meanwhile: its change is refused, and said by the group of changes.
    expect((await h.admin('/components/exports', { method: 'DELETE' })).status).toBe(204);
    const preview = 'button:has-text("Preview update")';
    expect(await submit(page, preview)).toBe(422);
    const landed = await landing(page);
    expect(landed).toMatchObject({ title: `Error: Slow billing${TITLE}`, focus: 'div' });
    // Each component's select (the others of this file's components too), read with the group's error.
    expect(landed.invalid).toContainEqual({ what: '#component-billing', describedBy: 'components-error' });
    expect(landed.invalid.filter((i) => !i.what.startsWith('#component-') || i.describedBy !== 'components-error')).toEqual([]);
    expect(await page.getAttribute('#components', 'aria-describedby')).toBe('components-error components-hint');
    expect(await page.$$eval('[role="alert"]', (a) => a.length), 'one alert: the summary').toBe(1);
    expect(await unmarkedLinks(page)).toEqual([]);
    // The text left empty: its error and its hint.
    await page.fill('#update-body', '');
    expect(await submit(page, preview)).toBe(422);
    expect(await landing(page)).toMatchObject({ invalid: [{ what: '#update-body', describedBy: 'update-body-error update-body-hint' }] });
    expect(await unmarkedLinks(page)).toEqual([]);
    await page.close();
  });

  it('declare, maintenance, channels, a component deletion, a window move and a name correction refused: "Error:" and the page\'s title, the summary focused', async () => {
    const page = await lead.newPage();
    const refused = async (path: string, act: () => Promise<void>, button: string, title: string) => {
      await page.goto(`${h.url}${path}`);
      await act();
      expect(await submit(page, button), path).toBeGreaterThanOrEqual(400);
      expect(await landing(page), path).toMatchObject({ title: `${title}${TITLE}`, focus: 'div' });
      expect(await page.evaluate(() => document.activeElement!.getAttribute('role')), `${path}: the summary`).toBe('alert');
      expect(await unmarkedLinks(page), path).toEqual([]);
    };
    await refused(
      '/admin/incidents/new',
      async () => {},
      'form[action="/admin/preview"] button[type="submit"]',
      'Error: Declare an incident',
    );
    await refused('/admin/maintenance', async () => {}, 'form[action="/admin/maintenance"] button[type="submit"]', 'Error: Maintenance');
    await refused(
      '/admin/channels',
      async () => {
        await page.fill('#ch-name', 'War room');
        await page.fill('#ch-url', 'http://hooks.slack.com/services/T0/B0/x');
      },
      'button:has-text("Add channel")',
      'Error: Channels',
    );
    // Billing is part of an open incident: its deletion is refused.
    await refused('/admin/components', async () => {}, 'button[aria-label="Delete Billing"]', 'Error: Components');
    expect(await page.textContent('[role="alert"]')).toContain('still open');

    // A window's move refused (its times unchanged): the title is the window's page's.
    const day = Date.now() + 2 * 86_400_000;
    const window = (await (
      await h.admin('/maintenances', {
        body: {
          name: 'Router swap',
          scheduled_for: new Date(day).toISOString(),
          scheduled_until: new Date(day + 3_600_000).toISOString(),
          notify: false,
        },
      })
    ).json()) as { id: string };
    await refused(`/admin/incidents/${window.id}`, async () => {}, 'button:has-text("Move the window")', 'Error: Router swap');

    // A name corrected elsewhere meanwhile: what it reads now takes the focus.
    await page.goto(`${h.url}/admin/incidents/${ids.open}/name`);
    await page.fill('#name', 'Slow billing pages');
    expect((await h.admin(`/incidents/${ids.open}`, { method: 'PATCH', body: { name: 'Slow invoices' } })).status).toBe(200);
    expect(await submit(page, 'button:has-text("Save the name")')).toBe(409);
    expect(await landing(page)).toEqual({ title: `Error: Correct the name · Slow invoices${TITLE}`, focus: '#renamed-since', invalid: [] });
    await page.close();
  });

  it('a withdrawal, a retry of a delivery and a publish refused: "Error:" and the page\'s title, the summary focused', async () => {
    const page = await lead.newPage();
    /** Lands on the refused page: its status, then the title and focus a screen reader starts on. */
    const refusedHere = async (button: string, status: number, title: string, says: string) => {
      expect(await submit(page, button), title).toBe(status);
      expect(await landing(page), title).toEqual({ title: `Error: ${title}${TITLE}`, focus: 'div', invalid: [] });
      expect(await page.evaluate(() => document.activeElement!.getAttribute('role')), `${title}: the summary`).toBe('alert');
      expect(await page.textContent('[role="alert"]'), title).toContain(says);
    };
    const made = async (name: string) =>
      ((await (await h.admin('/incidents', { body: { name, impact: 'minor', body: 'Slow.', notify: false } })).json()) as { id: string })
        .id;

    // A withdrawal posted without its confirmation (a form from elsewhere): nothing is withdrawn.
    const drill = await made('Drill');
    await page.goto(`${h.url}/admin/incidents/${drill}/withdraw`);
    await page.evaluate(() => document.querySelector<HTMLInputElement>('input[name="confirm"]')!.setAttribute('value', '0'));
    await refusedHere('button:has-text("Withdraw Drill")', 400, 'Withdraw Drill?', 'confirm with the button');

    // A retry of a delivery there is none of (a form from an older page): the page's own retry form, naming it.
    await page.goto(`${h.url}/admin/deliveries`);
    await page.evaluate(() => {
      const csrf = document.querySelector<HTMLInputElement>('input[name="csrf"]')!.value;
      document
        .querySelector('#failed-title')!
        .insertAdjacentHTML(
          'afterend',
          `<form method="post"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="action" value="retry"><input type="hidden" name="id" value="no-such-delivery"><button type="submit" id="retry-gone">Retry</button></form>`,
        );
    });
    await refusedHere('#retry-gone', 404, 'Deliveries', 'No delivery');

    // An update previewed, its incident withdrawn meanwhile: "Publish now" is refused, the text kept to copy.
    const gone = await made('Gone soon');
    await page.goto(`${h.url}/admin/incidents/${gone}`);
    await page.fill('#update-body', 'Found it.');
    expect(await submit(page, 'button:has-text("Preview update")')).toBe(200);
    expect((await h.admin(`/incidents/${gone}`, { method: 'DELETE' })).status).toBe(204);
    await refusedHere('button:has-text("Publish now")', 409, 'Not published', 'was withdrawn since your preview');

    // A step posted for a window no one has (maintenance is never deleted): not found, not a form to fix.
    await page.goto(`${h.url}/admin/maintenance`);
    await page.evaluate(() =>
      document.body.insertAdjacentHTML(
        'beforeend',
        `<form method="post" action="/admin/maintenance/no-such-window"><input type="hidden" name="csrf" value="${document.querySelector<HTMLInputElement>('input[name="csrf"]')!.value}"><input type="hidden" name="step" value="bogus"><button type="submit" id="step-gone">Start</button></form>`,
      ),
    );
    expect(await submit(page, '#step-gone')).toBe(404);
    expect(await page.title()).toBe(`No such maintenance${TITLE}`);
    expect(await page.$$('[role="alert"]')).toEqual([]);
    await page.close();
  });

  it('an update whose status is refused: the group points at the error once, each radio is only marked, the summary lands on one', async () => {
    const page = await lead.newPage();
    await page.goto(`${h.url}/admin/incidents/${ids.open}`);
    // A status no incident can take (a form from elsewhere).
    await page.evaluate(() => {
      const radio = document.querySelector<HTMLInputElement>('input[name="status"]')!;
      radio.value = 'sleeping';
      radio.checked = true;
    });
    expect(await submit(page, 'button:has-text("Preview update")')).toBe(422);
    const landed = await landing(page);
    expect(landed.focus).toBe('div');
    expect(landed.invalid.length).toBeGreaterThan(0);
    expect(landed.invalid.filter((i) => !i.what.startsWith('#update-status-') || i.describedBy !== '')).toEqual([]);
    expect(await page.getAttribute('fieldset:has(#status-error)', 'aria-describedby')).toBe('status-error status-hint');
    expect(await unmarkedLinks(page)).toEqual([]);
    await page.close();
  });
});
