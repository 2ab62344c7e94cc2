import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { closeWithin, launchBrowser } from '../helpers/browser.ts';
import { MINUTE, adminOrThrow, ago } from '../helpers/status-page-seed.ts';

/**
 * A long incident on a phone (from a defect hunt): an incident of 30 updates at 320 px put its Status, Started and
 * Estimated resolution box at 10,098 px of a 10,672 px incident page, and `/` listed all 30 updates, so the
 * components began at 12,724 px. Now `/` shows an incident's latest updates and links to the rest, and the
 * incident page puts its facts under the title, before the trail. Read with JavaScript off: nothing here needs it.
 */
type Json = Record<string, any>;

const WIDTH = 320;
// An iPhone SE's screen: the smallest phone in common use.
const HEIGHT = 568;
const UPDATES = 30;
/** What `/` shows of an incident's trail (src/pages/index.astro). */
const LATEST = 3;
const NAME = 'Card payments failing for some customers';

let h: HeraldProcess;
let browser: Browser;
let context: BrowserContext;
let id = '';
const admin = (path: string, body: unknown, method = 'POST'): Promise<Json> => adminOrThrow(h, path, body, method);

/** An update as a long incident's are: a few sentences on what was tried and what comes next. */
const body = (n: number): string =>
  `Update ${n}: we are still working on the card payment failures. About one payment in ten is declined with a ` +
  `processing error; retrying usually succeeds. Our engineers are rolling the change out region by region and ` +
  `watching the error rate after each step. Next update within 30 minutes.`;

beforeAll(async () => {
  h = await startHerald({ env: { STATIC_SNAPSHOT: 'false', HERALD_SEED: 'none', MAINTENANCE_REMINDER_MINUTES: '0' } });
  for (const [cid, name, description, group] of [
    ['website', 'Website', 'Marketing site', null],
    ['card-payments', 'Card payments', 'Checkout and card authorisation', 'Payments'],
    ['payouts', 'Payouts', 'Transfers to bank accounts', 'Payments'],
    ['api', 'API', 'Public REST API', 'Core platform'],
  ] as const) {
    await admin('/components', { id: cid, name, description, group });
  }
  const start = (UPDATES + 1) * 30;
  const inc = await admin('/incidents', {
    name: NAME,
    impact: 'major',
    body: body(1),
    components: { 'card-payments': 'partial_outage' },
    started_at: ago(start),
    notify: false,
  });
  id = inc.id;
  for (let n = 2; n <= UPDATES; n++) {
    await admin(`/incidents/${id}/updates`, {
      status: n < 5 ? 'investigating' : 'identified',
      body: body(n),
      display_at: ago(start - n * 30),
      ...(n === UPDATES ? { eta: new Date(Date.now() + 120 * MINUTE).toISOString() } : {}),
      notify: false,
    });
  }
  // Resolved within the last day, in five updates: "Recently resolved" shows it as `/` shows an open one.
  const done = await admin('/incidents', {
    name: 'Payouts delayed',
    impact: 'minor',
    body: 'Payouts are delayed.',
    components: { payouts: 'degraded_performance' },
    started_at: ago(300),
    notify: false,
  });
  for (const [n, status] of (['identified', 'identified', 'monitoring', 'resolved'] as const).entries()) {
    await admin(`/incidents/${done.id}/updates`, { status, body: `Payouts, step ${n + 2}.`, display_at: ago(240 - n * 60), notify: false });
  }
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: WIDTH, height: HEIGHT }, javaScriptEnabled: false });
}, 60_000);

afterAll(() => stopAll(context && closeWithin(context), browser, h));

async function open(page: Page, path: string): Promise<void> {
  const res = await page.goto(`${h.url}${path}`);
  expect(res?.status(), path).toBe(200);
}

/** Where an element starts, in CSS px from the top of the page. */
const top = (page: Page, selector: string): Promise<number> =>
  page
    .locator(selector)
    .first()
    .evaluate((el) => el.getBoundingClientRect().top + window.scrollY);

describe(`an incident of ${UPDATES} updates at ${WIDTH} px`, () => {
  it(`/ shows an incident's latest ${LATEST} updates, open or resolved today, and links to all ${UPDATES}, which its page shows`, async () => {
    const page = await context.newPage();
    try {
      await open(page, '/');
      const card = page.locator('section.active article.incident');
      expect(await card.count()).toBe(1);
      expect.soft(await card.locator('li.update').count(), 'updates shown on /').toBe(LATEST);
      // The newest first, as on the incident page.
      expect(await card.locator('li.update .update-body').first().textContent()).toContain(`Update ${UPDATES}:`);
      const resolved = page.locator('section.recent article.incident');
      expect.soft(await resolved.locator('li.update').count(), 'updates of the resolved incident shown on /').toBe(LATEST);
      expect
        .soft(
          await resolved.getByRole('link', { name: 'View all 5 updates of Payouts delayed', exact: true }).count(),
          'a link "View all 5 updates"',
        )
        .toBe(1);
      // Named for its incident, for a screen reader's list of links (the incident's name hidden on screen).
      const more = card.getByRole('link', { name: `View all ${UPDATES} updates of ${NAME}`, exact: true });
      expect(await more.count(), `a link "View all ${UPDATES} updates"`).toBe(1);
      await Promise.all([page.waitForURL(`**/incidents/${id}`), more.click()]);
      expect(await page.locator('h1').textContent()).toContain(NAME);
      expect(await page.locator('li.update').count(), 'updates on the incident page').toBe(UPDATES);
    } finally {
      await closeWithin(page)();
    }
  });

  it('the incident page shows its status and estimated resolution within the first two screens', async () => {
    const page = await context.newPage();
    try {
      await open(page, `/incidents/${id}`);
      const eta = await top(page, 'dl.facts dt:text-is("Estimated resolution")');
      expect(eta, '"Estimated resolution" from the top of the page (px)').toBeLessThan(2 * HEIGHT);
      expect(await top(page, 'dl.facts dt:text-is("Status")'), '"Status" from the top of the page (px)').toBeLessThan(2 * HEIGHT);
      // Before the trail, in reading order as on screen.
      expect(eta).toBeLessThan(await top(page, 'li.update'));
    } finally {
      await closeWithin(page)();
    }
  });

  it('the components on / start within four screens', async () => {
    const page = await context.newPage();
    try {
      await open(page, '/');
      expect(await top(page, '#components-title'), 'the Components heading from the top of / (px)').toBeLessThan(4 * HEIGHT);
    } finally {
      await closeWithin(page)();
    }
  });
});
