import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { scheduleWindow } from '../helpers/maintenance.ts';

/**
 * The session ends while the Comms Lead writes an update (it expired, a restart on the embedded engine signed
 * everyone out, another tab signed out): the form posted then is not read. Signing in leads back to the form
 * rather than to the dashboard, and with JavaScript what was typed is there again, nothing of it published.
 */
type Json = Record<string, any>;
let h: HeraldProcess;
let browser: Browser;
let incident = '';
const TEXT = 'Card payments fail at the bank’s gateway; we are failing over to the second acquirer.';

beforeAll(async () => {
  h = await startHerald();
  browser = await launchBrowser();
  // Enough components besides the incident's own for the update form to fold them under "Other components".
  for (const id of ['card-payments', ...Array.from({ length: 8 }, (_, i) => `svc-${i + 1}`)])
    expect((await h.admin('/components', { body: { id, name: id } })).status).toBe(201);
  const res = await h.admin('/incidents', {
    body: {
      name: 'Card payments failing',
      impact: 'major',
      body: 'We are investigating.',
      components: { 'card-payments': 'partial_outage' },
      notify: false,
    },
  });
  expect(res.status).toBe(201);
  incident = ((await res.json()) as Json).id;
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await stopAll(h);
});

async function signIn(page: Page, name = 'Dana'): Promise<void> {
  await page.fill('#name', name);
  await page.fill('#secret', h.token);
  await page.click('button[type="submit"]');
}

/** Opens the sign-in page and signs in. */
async function signInFromStart(page: Page): Promise<void> {
  await page.goto(`${h.url}/admin/login`);
  await signIn(page);
}

/** `run` on a page of a browser context of its own (its cookies, its tab's sessionStorage), closed after. */
async function inNewContext(run: (page: Page) => Promise<void>, options?: BrowserContextOptions): Promise<void> {
  const context = await browser.newContext(options);
  try {
    await run(await context.newPage());
  } finally {
    await context.close();
  }
}

/** Signed in, the incident's update form filled in; then the session is gone (its cookie with it). */
async function writeThenLoseSession(page: Page): Promise<void> {
  await signInFromStart(page);
  await page.goto(`${h.url}/admin/incidents/${incident}`);
  await page.check('#update-status-identified');
  await page.fill('#update-body', TEXT);
  await page.click('details.other-components > summary');
  await page.selectOption('#component-svc-3', 'degraded_performance');
  await page.context().clearCookies();
  await page.click('button:has-text("Preview update")');
}

/** Signs in, previews a SEV-3 declare named `name` (nothing published yet) and answers how many incidents there are. */
async function previewDeclare(page: Page, name: string): Promise<number> {
  await signInFromStart(page);
  await page.goto(`${h.url}/admin/incidents/new`);
  await page.fill('#name', name);
  await page.check('input[name="severity"][value="sev3"]');
  await page.click('button:has-text("Preview")');
  expect(new URL(page.url()).pathname).toBe('/admin/preview');
  return ((await (await h.admin('/incidents')).json()) as Json).incidents.length;
}

const updatesOf = async (): Promise<number> =>
  (((await (await h.admin(`/incidents/${incident}`)).json()) as Json).incident_updates as unknown[]).length;

describe('a form posted after the session ended', () => {
  it('signing in again leads back to the form, with what was typed put back and nothing published', async () => {
    await inNewContext(async (page) => {
      await writeThenLoseSession(page);
      const login = new URL(page.url());
      expect(login.pathname).toBe('/admin/login');
      expect(login.searchParams.get('next')).toBe(`/admin/incidents/${incident}`);
      await expect(page.locator('#signin-unsent').textContent()).resolves.toContain('not saved or published');

      // A wrong secret first: the sign-in page still knows where it leads and what is waiting.
      await page.fill('#secret', 'not-the-token');
      await page.click('button[type="submit"]');
      await expect(page.locator('#signin-unsent').count()).resolves.toBe(1);
      await signIn(page);
      expect(new URL(page.url()).pathname).toBe(`/admin/incidents/${incident}`);
      await expect(page.locator('#update-body').inputValue()).resolves.toBe(TEXT);
      await expect(page.locator('#update-status-identified').isChecked()).resolves.toBe(true);
      // A component set under the folded others is put back, and shown: the fold is open.
      await expect(page.locator('#component-svc-3').inputValue()).resolves.toBe('degraded_performance');
      await expect(page.locator('details.other-components').evaluate((d) => (d as HTMLDetailsElement).open)).resolves.toBe(true);
      await expect(page.locator('#unsent-restored').textContent()).resolves.toContain('none of it was saved or published');
      expect(await updatesOf(), 'nothing was published').toBe(1);

      // Sent again, it goes through; the text is not put back on a later visit.
      await page.click('button:has-text("Preview update")');
      expect(new URL(page.url()).pathname).toBe('/admin/preview');
      await expect(page.locator('main').textContent()).resolves.toContain('failing over to the second acquirer');
      await page.goto(`${h.url}/admin/incidents/${incident}`);
      await expect(page.locator('#unsent-restored').count()).resolves.toBe(0);
      await expect(page.locator('#update-body').inputValue()).resolves.not.toBe(TEXT);
    });
  });

  it('what one person typed goes back to them alone: another name signing in does not get it, and signing out forgets it', async () => {
    await inNewContext(async (page) => {
      await writeThenLoseSession(page);
      // Before: Lee found Dana's text in the form, "what you were writing when your session ended".
      await signIn(page, 'Lee');
      expect(new URL(page.url()).pathname).toBe(`/admin/incidents/${incident}`);
      await expect(page.locator('#unsent-restored').count()).resolves.toBe(0);
      await expect(page.locator('#update-body').inputValue()).resolves.not.toBe(TEXT);

      await page.goto(`${h.url}/admin/incidents/new`);
      await page.fill('#name', 'Confidential: acquirer breach');
      await page.check('input[name="severity"][value="sev3"]');
      await page.click('button:has-text("Preview")');
      const edit = await page.locator('a:has-text("Back to edit")').first().getAttribute('href');
      await page.click('button:has-text("Sign out")');
      await page.waitForURL(/signed_out/);
      // Before: the form as sent for the preview stayed in the tab after signing out.
      const kept = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('herald:')));
      expect(kept).toEqual([]);
      await signIn(page);
      await page.goto(`${h.url}${edit}`);
      await expect(page.locator('#name').inputValue()).resolves.toBe('');
    });
  });

  it('"Publish now" on a preview leads back to the form the preview was made from, filled in as it was sent', async () => {
    await inNewContext(async (page) => {
      const before = await previewDeclare(page, 'Exports stuck');
      await page.context().clearCookies();
      await page.click('#publish');
      // Before: the sign-in led to GET /admin/preview, which leads to the dashboard, and the text was gone.
      await expect(page.locator('#signin-unsent').count()).resolves.toBe(1);
      await signIn(page);
      expect(new URL(page.url()).pathname).toBe('/admin/incidents/new');
      await expect(page.locator('#name').inputValue()).resolves.toBe('Exports stuck');
      await expect(page.locator('input[name="severity"][value="sev3"]').isChecked()).resolves.toBe(true);
      await expect(page.locator('#unsent-restored').count()).resolves.toBe(1);
      expect(((await (await h.admin('/incidents')).json()) as Json).incidents.length, 'nothing was published').toBe(before);
    });
  });

  it('"Publish now" of a preview sent from a refused form leads back to the form, its box unticked by hand still so', async () => {
    await inNewContext(async (page) => {
      await signInFromStart(page);
      await page.goto(`${h.url}/admin/incidents/new`);
      await page.fill('#name', 'Drill: exports, do not email');
      await page.uncheck('input[name="notify"]');
      // Refused (no severity): the form is drawn again at /admin/preview, and sent from there.
      await page.click('button:has-text("Preview")');
      await expect(page.locator('#name').inputValue()).resolves.toBe('Drill: exports, do not email');
      await page.check('input[name="severity"][value="sev1"]');
      await page.click('button:has-text("Preview")');
      await expect(page.locator('#email-summary').textContent()).resolves.toBe('No email will be sent');
      await page.context().clearCookies();
      await page.click('#publish');
      await signIn(page);
      // Before: the script led the sign-in to /admin/preview, that is to the dashboard, and the text was gone.
      expect(new URL(page.url()).pathname).toBe('/admin/incidents/new');
      await expect(page.locator('#name').inputValue()).resolves.toBe('Drill: exports, do not email');
      expect(await page.isChecked('input[name="notify"]')).toBe(false);
      // Before: put back unticked, but as the fresh form's "as shown": the severity decided ("No email will be sent: no
      // subscriber follows…", a disruption notice for any who did), not the Comms Lead.
      await page.click('button:has-text("Preview")');
      await expect(page.locator('#email-summary').textContent()).resolves.toBe('No email will be sent');
    });
  });

  it("a correction's page (its update in the query) is found again, the corrected text put back", async () => {
    await inNewContext(async (page) => {
      await signInFromStart(page);
      const first = (((await (await h.admin(`/incidents/${incident}`)).json()) as Json).incident_updates as Json[]).at(-1)!.id;
      const correct = `/admin/incidents/${incident}/correct?update=${first}`;
      await page.goto(`${h.url}${correct}`);
      await page.fill('#body', 'We are investigating failed card payments.');
      await page.context().clearCookies();
      await page.click('button:has-text("Save correction")');
      await signIn(page);
      const back = new URL(page.url());
      expect(back.pathname + back.search).toBe(correct);
      await expect(page.locator('#body').inputValue()).resolves.toBe('We are investigating failed card payments.');
      await page.click('button:has-text("Save correction")');
      const updates = ((await (await h.admin(`/incidents/${incident}`)).json()) as Json).incident_updates as Json[];
      expect(updates.find((u) => u.id === first)?.body).toBe('We are investigating failed card payments.');
    });
  });

  it('a browser that sends no Referer is led back all the same: the script names the page to the sign-in form', async () => {
    await inNewContext(async (page) => {
      await writeThenLoseSession(page);
      // Chromium sends one; without it the server answers the sign-in page with no way back, as here.
      await page.goto(`${h.url}/admin/login?unsent=1`);
      await signIn(page);
      expect(new URL(page.url()).pathname).toBe(`/admin/incidents/${incident}`);
      await expect(page.locator('#update-body').inputValue()).resolves.toBe(TEXT);
    });
  });

  it('without JavaScript, signing in still leads back to the form', async () => {
    await inNewContext(
      async (page) => {
        await writeThenLoseSession(page);
        await expect(page.locator('#signin-unsent').count()).resolves.toBe(1);
        await signIn(page);
        expect(new URL(page.url()).pathname).toBe(`/admin/incidents/${incident}`);
        expect(await updatesOf()).toBe(1);
        // "Publish now" on a preview: to the update form its draft was made from, not to the dashboard.
        await page.check('#update-status-identified');
        await page.fill('#update-body', TEXT);
        await page.click('button:has-text("Preview update")');
        expect(new URL(page.url()).pathname).toBe('/admin/preview');
        await page.context().clearCookies();
        await page.click('#publish');
        await expect(page.locator('#signin-unsent').count()).resolves.toBe(1);
        await signIn(page);
        expect(new URL(page.url()).pathname).toBe(`/admin/incidents/${incident}`);
        expect(await updatesOf()).toBe(1);
      },
      { javaScriptEnabled: false },
    );
  });

  it('a page asked for without a session leads back to it; a Referer elsewhere leads to the dashboard', async () => {
    const get = await fetch(`${h.url}/admin/incidents/${incident}`, { redirect: 'manual' });
    expect(get.headers.get('location')).toBe(`/admin/login?next=${encodeURIComponent(`/admin/incidents/${incident}`)}`);
    const correct = `/admin/incidents/${incident}/correct?update=upd_1`;
    const withQuery = await fetch(`${h.url}${correct}`, { redirect: 'manual' });
    expect(withQuery.headers.get('location')).toBe(`/admin/login?next=${encodeURIComponent(correct)}`);
    const post = (referer: string) =>
      fetch(`${h.url}/admin/preview`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin: h.url, referer, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'body=x',
      });
    for (const referer of [`${h.url}/`, `${h.url}/admin/../history`, 'https://elsewhere.example/%2F%2Fevil']) {
      const res = await post(referer);
      expect(res.status, referer).toBe(303);
      expect(res.headers.get('location'), referer).toBe('/admin/login?unsent=1');
    }
    // A search's query (a space written "+") is kept; a one-time notice ("Draft saved.") is not shown again.
    const search = await fetch(`${h.url}/admin/incidents?q=card+payments`, { redirect: 'manual' });
    expect(search.headers.get('location')).toBe(`/admin/login?next=${encodeURIComponent('/admin/incidents?q=card+payments')}`);
    const saved = await post(`${h.url}/admin/incidents/${incident}/postmortem?saved=save`);
    expect(saved.headers.get('location')).toBe(
      `/admin/login?next=${encodeURIComponent(`/admin/incidents/${incident}/postmortem`)}&unsent=1`,
    );
    // Signing out of an ended session loses nothing: no "not saved" on the sign-in page.
    const out = await fetch(`${h.url}/admin/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(out.headers.get('location')).not.toContain('unsent');
  });
});

/** In another tab of the same browser: sign out, then in again (what the dashboard's "Sign in again" leads to). A new session, a new token. */
async function signInAgainElsewhere(page: Page): Promise<void> {
  const other = await page.context().newPage();
  await other.goto(`${h.url}/admin`);
  await other.click('button:has-text("Sign out")');
  await signIn(other);
  // Left open (the context closes it): closing a page that has just navigated hung now and then in Chromium
  // until the browser closed.
}

describe('a form sent from a page opened before signing in again (a stale token)', () => {
  it('is refused with a console page leading back to the form, where what was typed is put back', async () => {
    await inNewContext(
      async (page) => {
        await signInFromStart(page);
        await page.goto(`${h.url}/admin/incidents/${incident}`);
        await page.check('#update-status-identified');
        await page.fill('#update-body', TEXT);
        await signInAgainElsewhere(page);
        // Together: a click that fails is the error reported, not the wait left pending when the page closes.
        const [res] = await Promise.all([
          page.waitForResponse((r) => r.request().method() === 'POST'),
          page.click('button:has-text("Preview update")'),
        ]);
        // Before: 403 text/plain "…Go back, reload the page and try again.", and reloading lost the text.
        expect(res.status()).toBe(403);
        expect(res.headers()['content-type']).toContain('text/html');
        await expect(page.locator('#form-refused').textContent()).resolves.toContain('nothing in it was saved, published or changed');
        expect(await page.title()).toMatch(/^Error: /);
        await page.click('#form-refused-back');
        expect(new URL(page.url()).pathname).toBe(`/admin/incidents/${incident}`);
        await expect(page.locator('#update-body').inputValue()).resolves.toBe(TEXT);
        await expect(page.locator('#update-status-identified').isChecked()).resolves.toBe(true);
        await expect(page.locator('#unsent-restored').count()).resolves.toBe(1);
        expect(await updatesOf(), 'nothing was published').toBe(1);
        // The form put back carries the new session's token: sent again, it goes through.
        await page.click('button:has-text("Preview update")');
        expect(new URL(page.url()).pathname).toBe('/admin/preview');
        await expect(page.locator('main').textContent()).resolves.toContain('failing over to the second acquirer');
      },
      { viewport: { width: 360, height: 740 } },
    );
  });

  it('"Publish now" of a preview made before signing in again leads back to its form, filled in as sent', async () => {
    await inNewContext(async (page) => {
      const before = await previewDeclare(page, 'Search results stale');
      await signInAgainElsewhere(page);
      await page.click('#publish');
      await expect(page.locator('#form-refused').count()).resolves.toBe(1);
      await page.click('#form-refused-back');
      expect(new URL(page.url()).pathname).toBe('/admin/incidents/new');
      await expect(page.locator('#name').inputValue()).resolves.toBe('Search results stale');
      await expect(page.locator('input[name="severity"][value="sev3"]').isChecked()).resolves.toBe(true);
      expect(((await (await h.admin('/incidents')).json()) as Json).incidents.length, 'nothing was published').toBe(before);
    });
  });

  it('without JavaScript: a console page at 360 px naming the way back to the form, no "reload"', async () => {
    await inNewContext(
      async (page) => {
        await signInFromStart(page);
        await page.goto(`${h.url}/admin/incidents/${incident}`);
        await page.fill('#update-body', TEXT);
        await signInAgainElsewhere(page);
        await page.click('button:has-text("Preview update")');
        await expect(page.locator('meta[name="viewport"]').count()).resolves.toBe(1);
        const text = (await page.locator('main').textContent()) ?? '';
        expect(text).toContain('Back button to copy what you typed');
        expect(text).not.toMatch(/reload/i);
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
        await expect(page.locator('#form-refused-back').getAttribute('href')).resolves.toBe(`/admin/incidents/${incident}`);
        // Signing out from the stale page's own header works: the layout's form has the new token.
        await page.click('button:has-text("Sign out")');
        expect(new URL(page.url()).pathname).toBe('/admin/login');
        expect(await updatesOf()).toBe(1);
      },
      { javaScriptEnabled: false, viewport: { width: 360, height: 740 } },
    );
  });
});

describe('a form drawn again after a refusal, sent after the session ended', () => {
  it('a refused declare (at /admin/preview) leads back to the declare form, with what was typed', async () => {
    await inNewContext(async (page) => {
      await signInFromStart(page);
      await page.goto(`${h.url}/admin/incidents/new`);
      await page.check('input[name="severity"][value="sev3"]');
      await page.click('button:has-text("Preview")');
      // Refused for its missing name: drawn again at /admin/preview.
      expect(new URL(page.url()).pathname).toBe('/admin/preview');
      await page.fill('#name', 'Invoices not sent');
      await page.context().clearCookies();
      await page.click('button:has-text("Preview")');
      await expect(page.locator('#signin-unsent').count()).resolves.toBe(1);
      await signIn(page);
      // Before: /admin/preview, which led to the dashboard; the text was gone.
      expect(new URL(page.url()).pathname).toBe('/admin/incidents/new');
      await expect(page.locator('#name').inputValue()).resolves.toBe('Invoices not sent');
      await expect(page.locator('input[name="severity"][value="sev3"]').isChecked()).resolves.toBe(true);
    });
  });

  it("a window's step refused (cancelled meanwhile): its note leads back to the window's page, the note put back", async () => {
    expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
    const id = await scheduleWindow(h, 'Database upgrade');
    await inNewContext(async (page) => {
      await signInFromStart(page);
      await page.goto(`${h.url}/admin/incidents/${id}`);
      expect((await h.admin(`/maintenances/${id}/cancel`, { body: {} })).status).toBe(201);
      await page.fill('form:has(button[value="start"]) textarea[name="body"]', 'Starting the database upgrade now.');
      await page.click('button[value="start"]');
      expect(new URL(page.url()).pathname).toBe(`/admin/maintenance/${id}`);
      await expect(page.locator('#note-body').inputValue()).resolves.toBe('Starting the database upgrade now.');
      await page.context().clearCookies();
      await page.click('button:has-text("Post the note")');
      await signIn(page);
      expect(new URL(page.url()).pathname).toBe(`/admin/incidents/${id}`);
      // Before: the page was reached but the note box was empty (the form had been kept as /admin/maintenance/…'s).
      await expect(page.locator('#note-body').inputValue()).resolves.toBe('Starting the database upgrade now.');
    });
  });
});

describe('"Back to edit" after the session ended', () => {
  it('says the draft expired and puts back the form as it was sent for the preview', async () => {
    await inNewContext(async (page) => {
      await signInFromStart(page);
      await page.goto(`${h.url}/admin/incidents/${incident}`);
      await page.check('#update-status-identified');
      await page.fill('#update-body', TEXT);
      await page.click('button:has-text("Preview update")');
      expect(new URL(page.url()).pathname).toBe('/admin/preview');
      await page.context().clearCookies();
      await page.click('a:has-text("Back to edit")');
      await signIn(page);
      const back = new URL(page.url());
      expect(back.pathname).toBe(`/admin/incidents/${incident}`);
      expect(back.searchParams.get('draft')).not.toBeNull();
      // Before: the runbook template, and nothing said the draft had expired.
      await expect(page.locator('#draft-expired').count()).resolves.toBe(1);
      await expect(page.locator('#update-body').inputValue()).resolves.toBe(TEXT);
      await expect(page.locator('#update-status-identified').isChecked()).resolves.toBe(true);
      expect(await updatesOf()).toBe(1);
    });
  });
});
