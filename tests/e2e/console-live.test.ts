import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn } from '../helpers/console-session.ts';
import { closeWithin, launchBrowser } from '../helpers/browser.ts';
import { until } from '../helpers/poll.ts';
import { at } from '../../src/console/format.ts';
import { formatTimeNear } from '../../src/domain/time-text.ts';
import { morePostmortemsText } from '../../src/domain/words.ts';

/**
 * The console's scripts keep a page current with what others do, in real Chromium against a real
 * Herald in New York: the incident page's "Next update due" line and the dashboard follow an update
 * posted elsewhere (GET /api/admin/dashboard), the dashboard's clock names the zone as the server
 * writes it, and the maintenance form's notice follows the components ticked. The pages' timers run
 * on a clock the test moves (page.clock); the server's runs as ever, at cadences of real length.
 */
type Json = Record<string, any>;
const ZONE = 'America/New_York';

let h: HeraldProcess;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  h = await startHerald({ env: { SITE_TIMEZONE: ZONE } });
  for (const [id, name] of [
    ['api', 'API'],
    ['db', 'Database'],
  ]) {
    expect((await h.admin('/components', { body: { id, name } })).status).toBe(201);
  }
  const [name, ...value] = (await signIn(h, 'Dana')).cookie.split('=');
  browser = await launchBrowser();
  context = await browser.newContext();
  await context.addCookies([{ name: name!, value: value.join('='), url: h.url }]);
}, 60_000);

afterAll(async () => {
  if (context) await closeWithin(context)();
  await stopAll(browser, h);
});

/** A SEV-1 (an update every 30 min) declared through the API, no email. */
async function declareSev1(name: string): Promise<string> {
  const res = await h.admin('/incidents', {
    body: { name, severity: 'sev1', body: 'Looking.', components: { api: 'major_outage' }, notify: false },
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as Json).id;
}

/**
 * An update from elsewhere (the admin API) re-grading it to SEV-3 (every 4 hours): its next update falls due
 * much later. Its times as the console writes them (in New York, the zone named as people there write it).
 */
async function regradeToSev3(id: string): Promise<{ lastUpdateAt: string; lastText: string; dueText: string }> {
  const res = await h.admin(`/incidents/${id}/updates`, {
    body: { status: 'identified', severity: 'sev3', body: 'Found it; slower now.', notify: false },
  });
  expect(res.status).toBe(201);
  const update = ((await res.json()) as Json).incident_updates[0];
  const now = new Date();
  const due = new Date(Date.parse(update.created_at) + 4 * 3_600_000).toISOString();
  return {
    lastUpdateAt: update.created_at,
    lastText: at(update.created_at, ZONE, now),
    dueText: at(due, ZONE, now),
  };
}

/** Waits (real time, the page's fetch answering) until `what` holds, saying what the page showed else. */
const shows = (check: () => Promise<boolean>, what: string, showing: () => Promise<string | null>) => {
  let last: string | null = '';
  return until(
    async () => {
      last = await showing();
      return check();
    },
    () => `${what}; the page showed ${JSON.stringify(last)}`,
    10_000,
  );
};

/** A page of Dana's session on `path`, its timers on a clock the test moves. */
async function openPage(path: string): Promise<Page> {
  const page = await context.newPage();
  await page.clock.install();
  const res = await page.goto(`${h.url}${path}`);
  expect(res?.status(), path).toBe(200);
  return page;
}

describe('the console follows what others do, without a reload', () => {
  it("the incident page's due line follows an update posted elsewhere, says it was posted and by whom, and is not overdue by the old time", async () => {
    const id = await declareSev1('Checkout slow');
    const page = await openPage(`/admin/incidents/${id}`);
    try {
      const line = page.locator('#update-due');
      const loaded = await line.textContent();
      // A time past midnight in New York is written with its date (a run between 04:30 and 05:00 UTC failed here).
      expect(loaded).toMatch(/^Next update due (?:\d{1,2} [A-Z][a-z]{2,3} \d{4}, )?\d\d:\d\d E[SD]T \(in (29|30) min\)\.$/);
      await page.fill('textarea[name="body"]', 'Still typing.');
      const { lastText, dueText } = await regradeToSev3(id);

      // The page asks within 20 s (its clock): the line takes the new due time. Before: it kept the old one.
      await page.clock.fastForward(21_000);
      const due = line.locator('p').first();
      await shows(
        async () => ((await due.textContent()) ?? '').startsWith(`Next update due ${dueText} `),
        `the due line to name ${dueText}`,
        () => line.textContent(),
      );
      expect(await due.textContent()).toMatch(new RegExp(`^Next update due ${dueText} \\(in 3 h (59|5\\d) min\\)\\.$`));
      // And a note says an update was posted, by whom and when, with a link that opens the page afresh
      // in another tab (a reload would drop what is being typed).
      const note = page.locator('#update-posted');
      expect(await note.textContent()).toBe(
        `A new update was posted by the API at ${lastText}. Open this page in a new tab to see it; what you are writing here stays.`,
      );
      // A screen reader is told of it once, and of the due time it moved, in a region of its own: the box (its
      // minutes) is no live region.
      expect(await line.getAttribute('role')).toBeNull();
      expect(await page.locator('#update-due-said').textContent()).toBe(
        `A new update was posted by the API at ${lastText}. Next update due ${dueText}.`,
      );
      const link = note.locator('a');
      expect(await link.getAttribute('href')).toBe(`/admin/incidents/${id}`);
      expect(await link.getAttribute('target')).toBe('_blank');
      // The line changes in place as the minutes pass: the link keeps the focus of a keyboard user on it.
      await link.focus();
      await page.clock.fastForward(61_000);
      expect(await link.evaluate((a) => a === document.activeElement), 'the link still has the focus').toBe(true);

      // 31 minutes on (the page's clock): past the old due time, far from the new one. Before: "Update overdue: it was due …".
      await page.clock.fastForward(31 * 60_000);
      expect(await due.textContent()).toMatch(new RegExp(`^Next update due ${dueText} \\(in (2|3) h \\d+ min\\)\\.$`));
      expect(await page.title()).not.toMatch(/^Update overdue/);
      expect(await line.getAttribute('class')).toBe('notice');
      expect(await page.inputValue('textarea[name="body"]'), 'nothing reloaded').toBe('Still typing.');
    } finally {
      await closeWithin(page)();
    }
  });

  // From a hunt: a page opened while the incident's level had no cadence never followed later updates, and one whose
  // level lost its cadence and got it back showed "Update overdue" in the tab's title with no line saying so.
  it('an incident page opened at a level with no cadence follows a re-grade elsewhere to one with a cadence, and back and forth', async () => {
    const settings = (await (await h.admin('/settings')).json()) as Json;
    const quiet = { ...settings.severities.at(-1), id: 'quiet', label: 'Quiet', update_every_minutes: null };
    const saved = await h.admin('/settings', { method: 'PUT', body: { ...settings, severities: [...settings.severities, quiet] } });
    expect(saved.status).toBe(200);
    const declared = await h.admin('/incidents', {
      body: { name: 'Docs slow', severity: 'quiet', body: 'Looking.', components: { db: 'degraded_performance' }, notify: false },
    });
    const id = ((await declared.json()) as Json).id as string;
    const regrade = async (severity: string) =>
      expect(
        (await h.admin(`/incidents/${id}/updates`, { body: { status: 'identified', severity, body: 'Regraded.', notify: false } })).status,
      ).toBe(201);
    const page = await openPage(`/admin/incidents/${id}`);
    try {
      const box = page.locator('#update-due');
      const due = box.locator('p').first();
      expect(await box.isHidden(), 'no cadence: nothing is due').toBe(true);
      await regrade('sev1');
      await page.clock.fastForward(21_000);
      await shows(
        async () => /^Next update due .* \(in (29|30) min\)\.$/.test((await due.textContent()) ?? ''),
        'a due line',
        () => box.textContent(),
      );
      expect(await box.isVisible()).toBe(true);
      await regrade('quiet');
      await page.clock.fastForward(21_000);
      await shows(
        async () => await due.isHidden(),
        'the due line hidden',
        () => box.textContent(),
      );
      await regrade('sev1');
      await page.clock.fastForward(21_000);
      await shows(
        async () => await due.isVisible(),
        'the due line back',
        () => box.textContent(),
      );
      // What a screen reader is told: each change once, never the minutes. Before: the whole box, a live region, every minute.
      const said = page.locator('#update-due-said');
      // (After the note, when the re-grade's time read another minute than the one before: both changed.)
      expect(await said.textContent()).toMatch(/(^|\. )Next update due (?:\d{1,2} [A-Z][a-z]{2,3} \d{4}, )?\d\d:\d\d E[SD]T\.$/);
      await said.evaluate((el) => {
        const w = window as unknown as { told: string[] };
        w.told = [];
        new MutationObserver(() => w.told.push(el.textContent ?? '')).observe(el, { childList: true, characterData: true, subtree: true });
      });
      await page.clock.fastForward(31 * 60_000);
      expect(await due.textContent()).toMatch(/^Update overdue: it was due /);
      expect(await page.title()).toMatch(/^Update overdue · /);
      expect(await page.evaluate(() => (window as unknown as { told: string[] }).told)).toEqual([
        expect.stringMatching(/^Update overdue: it was due (?:\d{1,2} [A-Z][a-z]{2,3} \d{4}, )?\d\d:\d\d E[SD]T\.$/),
      ]);
    } finally {
      await closeWithin(page)();
      await h.admin('/settings', { method: 'PUT', body: settings });
    }
  });

  it('the dashboard redraws a row whose incident got an update elsewhere, tells a screen reader once, and its clock names the zone as New York writes it', async () => {
    const id = await declareSev1('Search down');
    const page = await openPage('/admin');
    try {
      const clock = page.locator('#dash-now');
      expect(await clock.textContent()).toMatch(/^\d{1,2} [A-Z][a-z]{2,3} \d{4}, \d\d:\d\d E[SD]T$/);
      const li = page.locator(`li[data-incident="${id}"]`);
      expect(await li.locator('.meta .pill').textContent()).toBe('SEV-1');
      const { lastUpdateAt, lastText, dueText } = await regradeToSev3(id);
      // A keyboard user on the row's "Post update" link when it is redrawn.
      await li.locator('a.btn').focus();

      const loadedAt = await clock.getAttribute('datetime');
      await page.clock.fastForward(21_000);
      await shows(
        async () => (await clock.getAttribute('datetime')) !== loadedAt,
        'the clock set by a poll',
        () => clock.textContent(),
      );
      // Before: "4 Dec 2026, 04:28 GMT-5" once the page had polled (en-GB's name for the zone). Soft: the row's check follows.
      expect.soft(await clock.textContent()).toMatch(/^\d{1,2} [A-Z][a-z]{2,3} \d{4}, \d\d:\d\d E[SD]T$/);
      // Before: the row stayed as loaded (SEV-1, due in 30 min) and "New activity" offered a reload.
      await shows(
        async () => (await li.getAttribute('data-last-update')) === lastUpdateAt,
        'the row redrawn with the new update',
        () => li.textContent(),
      );
      expect(await li.locator('.meta .pill').textContent()).toBe('SEV-3');
      expect(await li.locator('.meta span').last().textContent()).toBe(`Identified · API · last update ${lastText}`);
      expect(await li.locator('.due time').textContent()).toBe(dueText);
      expect(await li.locator('.due [data-rel]').textContent()).toMatch(/^in 3 h (59|5\d) min$/);
      // Told once in the page's live region, in the incident page's words. Before: nothing (the region was empty).
      const live = page.locator('#dashboard-live');
      expect(await live.textContent()).toBe(
        `${id} Search down: a new update was posted by the API at ${lastText}. Next update due ${dueText}.`,
      );
      expect(await li.locator('a.btn').evaluate((a) => a === document.activeElement), 'the focus on the redrawn row\'s "Post update"').toBe(
        true,
      );
      // The next poll, nothing new: nothing said again.
      await live.evaluate((el) => {
        const w = window as unknown as { told: string[] };
        w.told = [];
        new MutationObserver(() => w.told.push(el.textContent ?? '')).observe(el, { childList: true, characterData: true, subtree: true });
      });
      const polled = await clock.getAttribute('datetime');
      await page.clock.fastForward(21_000);
      await shows(
        async () => (await clock.getAttribute('datetime')) !== polled,
        'the next poll',
        () => clock.textContent(),
      );
      expect(await page.evaluate(() => (window as unknown as { told: string[] }).told)).toEqual([]);
    } finally {
      await closeWithin(page)();
    }
  });

  // Before: a row was redrawn only for a new update or due time, so after New York's midnight an open dashboard
  // kept "23:20 EST" for a time of the day before, which then read as later today.
  it("the dashboard writes a row's times with their date once the server does (past the site's midnight), telling nothing", async () => {
    const id = await declareSev1('Invoices late');
    const page = await openPage('/admin');
    try {
      const li = page.locator(`li[data-incident="${id}"]`);
      const loaded = { last: await li.getAttribute('data-last-update-text'), due: await li.getAttribute('data-due-text') };
      // The server's answer as it reads a day later: the same instants, written as they read from tomorrow
      // (dated, or the time alone for a due time that is itself tomorrow); nothing else changes.
      const served = { last: '', due: '' };
      await page.route('**/api/admin/dashboard', async (route) => {
        const response = await route.fetch();
        const json = (await response.json()) as Json;
        const row = (json.active as Json[]).find((r) => r.id === id)!;
        const tomorrow = new Date(Date.parse(json.now) + 86_400_000);
        served.last = row.last_update_text = formatTimeNear(row.last_update_at, ZONE, tomorrow);
        served.due = row.due_text = formatTimeNear(row.due_at, ZONE, tomorrow);
        await route.fulfill({ response, json });
      });
      const said = page.locator('#dashboard-said');
      await page.evaluate(() => {
        const w = window as unknown as { told: string[] };
        w.told = [];
        const live = document.getElementById('dashboard-live')!;
        new MutationObserver(() => w.told.push(live.textContent ?? '')).observe(live, {
          childList: true,
          characterData: true,
          subtree: true,
        });
      });
      await page.clock.fastForward(21_000);
      await shows(
        async () => served.last !== '' && (await li.locator('.meta span').last().textContent())!.endsWith(`last update ${served.last}`),
        'the row with its last update dated',
        () => li.textContent(),
      );
      expect(served.last).toMatch(/^\d{1,2} [A-Z][a-z]{2,3} \d{4}, \d\d:\d\d E[SD]T$/);
      expect([served.last, served.due]).not.toEqual([loaded.last, loaded.due]);
      expect(await li.locator('.due time').textContent()).toBe(served.due);
      // Nothing happened to the incident: a screen reader is told nothing, and no "New activity" is offered.
      expect(await page.evaluate(() => (window as unknown as { told: string[] }).told)).toEqual([]);
      expect(await said.textContent()).toBe('');
    } finally {
      await closeWithin(page)();
    }
  });

  it('the dashboard\'s "and 1,299 more postmortems owed" follows the answer\'s total, and hides when none are left over', async () => {
    const id = await declareSev1('Uploads lost');
    expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.', notify: false } })).status).toBe(201);
    const page = await openPage('/admin');
    try {
      const more = page.locator('#postmortems-more');
      expect(await more.isHidden(), 'ten or fewer owed: no line').toBe(true);
      let extra = 1299;
      await page.route('**/api/admin/dashboard', async (route) => {
        const response = await route.fetch();
        const json = (await response.json()) as Json;
        json.postmortems_total = (json.postmortems as Json[]).length + extra;
        json.postmortems_more_text = morePostmortemsText(extra);
        await route.fulfill({ response, json });
      });
      await page.clock.fastForward(21_000);
      await shows(
        async () => await more.isVisible(),
        'the line shown',
        () => more.textContent(),
      );
      expect(await more.textContent()).toBe('and 1,299 more postmortems owed');
      expect(await more.locator('a').getAttribute('href')).toBe('/admin/incidents?postmortem=owed');
      extra = 0;
      await page.clock.fastForward(21_000);
      await shows(
        async () => await more.isHidden(),
        'the line hidden',
        () => more.textContent(),
      );
      expect(await page.locator('#dashboard-said').textContent()).toBe('');
    } finally {
      await closeWithin(page)();
    }
  });

  // As the dashboard's rows: its due line takes the server's dated words, and that is no news. Before: a screen reader
  // heard "Next update due 8 Dec 2026, 02:51 EST." after the site's midnight, as if the due time had moved.
  it("the incident page's due line writes its time with its date once the server does, telling nothing", async () => {
    const id = await declareSev1('Receipts late');
    const page = await openPage(`/admin/incidents/${id}`);
    try {
      let served = '';
      await page.route('**/api/admin/dashboard', async (route) => {
        const response = await route.fetch();
        const json = (await response.json()) as Json;
        const row = (json.active as Json[]).find((r) => r.id === id)!;
        served = row.due_text = formatTimeNear(row.due_at, ZONE, new Date(Date.parse(json.now) + 86_400_000));
        await route.fulfill({ response, json });
      });
      const line = page.locator('#update-due p').first();
      await page.clock.fastForward(21_000);
      await shows(
        async () => served !== '' && ((await line.textContent()) ?? '').startsWith(`Next update due ${served} (`),
        'the due line with the served words',
        () => line.textContent(),
      );
      expect(await page.locator('#update-due-said').textContent()).toBe('');
    } finally {
      await closeWithin(page)();
    }
  });

  // From a hunt: the dashboard kept the resolved incident's row ("Next update due … in under a minute"), and its
  // page, having told of an update before, kept saying "A new update was posted…" and never that it had closed.
  it('an incident resolved elsewhere leaves the dashboard, and its page says it is no longer open after an update it told of', async () => {
    const id = await declareSev1('Exports failing');
    const dash = await openPage('/admin');
    const row = dash.locator(`li[data-incident="${id}"]`);
    expect(await row.count()).toBe(1);
    // A keyboard user on the row when it goes lands on the list's heading, not the page's start.
    await row.locator('a.title').focus();
    const incident = await openPage(`/admin/incidents/${id}`);
    try {
      const note = incident.locator('#update-posted');
      await regradeToSev3(id);
      await incident.clock.fastForward(21_000);
      await shows(
        async () => ((await note.textContent()) ?? '').startsWith('A new update was posted'),
        'the update told',
        () => incident.locator('#update-due').textContent(),
      );
      const resolved = await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.', notify: false } });
      expect(resolved.status).toBe(201);

      await incident.clock.fastForward(21_000);
      await shows(
        async () => ((await note.textContent()) ?? '').startsWith('This incident was updated and is no longer open. '),
        'the page to say the incident closed',
        () => note.textContent(),
      );
      expect(await incident.locator('#update-due p').first().isHidden()).toBe(true);

      await dash.clock.fastForward(21_000);
      await shows(
        async () => (await row.count()) === 0,
        'the row gone',
        async () => `${await row.count()} rows`,
      );
      expect(await dash.evaluate(() => document.activeElement?.id)).toBe('active-title');
      // The postmortem it now owes is news: a reload shows it. And a screen reader is told the row went, in the incident
      // page's words. Before: only "New activity" (the focus on the heading said nothing of the row).
      const live = dash.locator('#dashboard-live');
      expect(await live.textContent()).toContain('New activity');
      expect(await live.textContent()).toContain(`${id} Exports failing was updated and is no longer open.`);
    } finally {
      await closeWithin(incident)();
      await closeWithin(dash)();
    }
  });

  it('the incident page says it stopped updating once the session has ended, as the dashboard does', async () => {
    const id = await declareSev1('Login page slow');
    const [name, ...value] = (await signIn(h, 'Ana')).cookie.split('=');
    const own = await browser.newContext();
    try {
      await own.addCookies([{ name: name!, value: value.join('='), url: h.url }]);
      const page = await own.newPage();
      await page.clock.install();
      await page.goto(`${h.url}/admin/incidents/${id}`);
      await page.fill('textarea[name="body"]', 'Still typing.');
      // The session gone (signed out in another tab, expired): the page's next ask is answered 401.
      await own.clearCookies();
      await page.clock.fastForward(21_000);
      const stopped = page.locator('#update-due-stopped');
      // Before: nothing said so; the page looked live while it saw nothing posted since.
      await shows(
        async () => (await stopped.count()) === 1,
        'the note that the page stopped updating',
        () => page.locator('#update-due').textContent(),
      );
      expect(await stopped.textContent()).toBe(
        'This page stopped updating: your session has ended. Sign in again in a new tab; what you are writing here stays.',
      );
      expect(await stopped.locator('a').getAttribute('href')).toBe(`/admin/login?next=${encodeURIComponent(`/admin/incidents/${id}`)}`);
      expect(await stopped.locator('a').getAttribute('target')).toBe('_blank');
      expect(await page.locator('#update-due-said').textContent()).toBe('This page stopped updating: your session has ended.');
      expect(await page.inputValue('textarea[name="body"]')).toBe('Still typing.');
    } finally {
      await closeWithin(own)();
    }
  });

  it('the maintenance notice names the components ticked while it is the template; edited, only its untouched Affected services line follows', async () => {
    const page = await openPage('/admin/maintenance');
    try {
      const body = () => page.inputValue('#m-body');
      expect(await body()).toContain('maintenance on our services.');
      expect(await body()).toContain('**Affected services:** being assessed');
      await page.check('#m-component-db');
      await page.check('#m-component-api');
      // Before: still "on our services" and "being assessed".
      expect(await body()).toContain('maintenance on API and Database.');
      expect(await body()).toMatch(/\*\*Affected services:\*\* API and Database$/);
      expect(await page.inputValue('input[name="body_template"]')).toBe(await body());
      await page.uncheck('#m-component-db');
      expect(await body()).toMatch(/maintenance on API\.[\s\S]*\*\*Affected services:\*\* API$/);
      // Edited by hand: the text is the Comms Lead's, but for the template's "Affected services" line while it is
      // still as the template wrote it (as an update's does): it follows the ticks.
      const edited = (await body()).replace('briefly', 'very briefly');
      await page.fill('#m-body', edited);
      await page.check('#m-component-db');
      expect(await body()).toBe(edited.replace(/\*\*Affected services:\*\* API$/, '**Affected services:** API and Database'));
      // A line changed by hand stays as written.
      const own = (await body()).replace('API and Database', 'the API (EU only)');
      await page.fill('#m-body', own);
      await page.uncheck('#m-component-db');
      expect(await body()).toBe(own);
    } finally {
      await closeWithin(page)();
    }
  });
});
