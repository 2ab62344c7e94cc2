import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { closeWithin, launchBrowser } from '../helpers/browser.ts';
import { adminOrThrow } from '../helpers/status-page-seed.ts';

/**
 * An incident page and its postmortem printed (or saved as PDF) for a customer's vendor review or an auditor,
 * at 718 px, the usable width of A4. From a defect hunt: the update's wide table and the postmortem's timeline
 * were still scroll boxes, their last column cut off on paper; the site's navigation and footer printed; links
 * printed as bare text with no address; and from a dark screen the body text printed pale grey on white.
 */
type Json = Record<string, any>;

const GRAFANA = 'https://grafana.example.com/d/queue-latency/checkout-queue-latency?orgId=1&from=now-6h&to=now&var-region=ap-southeast-2';
const UPDATE = [
  'Card payments are failing in two regions. See the [latency dashboard](https://grafana.example.com/d/queue-latency).',
  '',
  '| Region | Status | Error rate | Affected endpoint | Dashboard |',
  '|---|---|---|---|---|',
  `| ap-southeast-2 | Degraded | 12 % | POST /v2/payments/authorisations/card-present | ${GRAFANA} |`,
  '| eu-west-1 | Recovering | 3 % | POST /v2/payments/authorisations/wallets | — |',
].join('\n');
const POSTMORTEM = [
  '## Timeline',
  '',
  '| Time (UTC) | Event | Who |',
  '|---|---|---|',
  '| 09:58 | Deploy of payments-gateway 4.18.2 to ap-southeast-2 and eu-west-1 started by the release pipeline | Release automation |',
  '| 10:04 | Error rate on POST /v2/payments/authorisations/card-present above 10 % paged the on-call engineer | PagerDuty |',
  '| 10:12 | Runbook https://runbooks.example.com/payments/gateway/rollback-procedure-for-card-authorisation-failures followed | Payments on-call |',
  '| 10:31 | Rollback of payments-gateway to 4.18.1 completed in both regions and error rate back under 0.1 % | Payments on-call |',
  '',
  '## Follow-ups',
  '',
  'Tracked in [the review ticket](https://tracker.example.com/browse/PAY-1234); see also [the history](/history).',
].join('\n');

/** --text and the card of the light scheme. */
const INK = 'rgb(27, 31, 36)';
const PAPER = 'rgb(255, 255, 255)';

let h: HeraldProcess;
let browser: Browser;
let incident = '';
let reviewed = '';
const admin = (path: string, body: unknown, method = 'POST'): Promise<Json> => adminOrThrow(h, path, body, method);

beforeAll(async () => {
  h = await startHerald({ env: { STATIC_SNAPSHOT: 'false', HERALD_SEED: 'none', MAINTENANCE_REMINDER_MINUTES: '0' } });
  await admin('/components', { id: 'cards', name: 'Card payments' });
  incident = (
    await admin('/incidents', {
      name: 'Card payments failing',
      impact: 'major',
      body: UPDATE,
      components: { cards: 'major_outage' },
      notify: false,
    })
  ).id;
  reviewed = (
    await admin('/incidents', {
      name: 'Checkout errors after a deploy',
      impact: 'critical',
      body: 'Investigating.',
      components: { cards: 'major_outage' },
      notify: false,
    })
  ).id;
  await admin(`/incidents/${reviewed}/updates`, { status: 'resolved', body: 'Fixed by a rollback.', notify: false });
  await admin(`/incidents/${reviewed}/postmortem`, { body: POSTMORTEM, publish: true }, 'PUT');
  browser = await launchBrowser();
}, 60_000);
afterAll(() => stopAll(browser, h));

/** What the printed page shows: measured under print media, at A4's usable width. */
async function printed(page: Page, path: string) {
  await page.goto(`${h.url}${path}`);
  return page.evaluate(() => {
    const shown = (selector: string) =>
      [...document.querySelectorAll(selector)].filter(
        (e) => getComputedStyle(e).display !== 'none' && (e as HTMLElement).offsetParent !== null,
      ).length;
    return {
      cut: [...document.querySelectorAll<HTMLElement>('.update-body table, .postmortem table, .update-body pre, .postmortem pre')]
        .filter((t) => t.scrollWidth > t.clientWidth + 1)
        .map((t) => `${t.tagName} ${t.scrollWidth} px in ${t.clientWidth}`),
      clutter: {
        nav: shown('.site-header nav'),
        footer: shown('.site-footer'),
        skip: shown('.skip'),
        crumbs: shown('.crumbs'),
      },
      body: getComputedStyle(document.body).color,
      background: getComputedStyle(document.body).backgroundColor,
      cardText: [...document.querySelectorAll('.update-body, .postmortem')].map((e) => getComputedStyle(e).color),
      // What follows each link in a body or postmortem: its address, for a link out of the site.
      after: [...document.querySelectorAll('.update-body a, .postmortem a')].map((a) => [
        a.getAttribute('href'),
        a.textContent,
        getComputedStyle(a, '::after').content,
      ]),
      // Headings printed at a page's foot, with their section on the next: not with `break-after: avoid`.
      headings: [...document.querySelectorAll('.postmortem :is(h2, h3, h4)')].map((e) => getComputedStyle(e).breakAfter),
      // Each update's break inside, and after its status and time.
      updates: [...document.querySelectorAll('.update')].map(
        (e) => `${getComputedStyle(e).breakInside} ${getComputedStyle(e.querySelector('.update-head')!).breakAfter}`,
      ),
    };
  });
}

describe('an incident page and its postmortem, printed', () => {
  for (const colorScheme of ['light', 'dark'] as const) {
    it(`at 718 px from a ${colorScheme} screen: no table cut off, no site navigation, link addresses shown, dark text on white`, async () => {
      const page = await browser.newPage({ viewport: { width: 718, height: 1000 }, colorScheme });
      try {
        await page.emulateMedia({ media: 'print', colorScheme });
        for (const path of [`/incidents/${incident}`, `/incidents/${reviewed}`]) {
          const p = await printed(page, path);
          expect.soft(p.cut, path).toEqual([]);
          expect.soft(p.clutter, path).toEqual({ nav: 0, footer: 0, skip: 0, crumbs: 0 });
          // The light scheme's text on white paper, whatever the screen's scheme.
          expect.soft([p.body, p.background, ...new Set(p.cardText)], path).toEqual([INK, PAPER, INK]);
          // A short update is kept whole; one with a table may break (moved whole, a long one left a page blank).
          expect.soft(p.updates, path).toEqual(path.endsWith(reviewed) ? ['avoid avoid', 'avoid avoid'] : ['auto avoid']);
          // Links out of the site show their address, once (a pasted URL is its own text); the site's own do not.
          expect
            .soft(p.after, path)
            .toEqual(p.after.map(([href, text]) => [href, text, href!.startsWith('http') && text !== href ? `" (${href})"` : 'none']));
          expect.soft(p.after.length, path).toBe(path.endsWith(reviewed) ? 3 : 2);
          if (path.endsWith(reviewed)) expect.soft(new Set(p.headings), path).toEqual(new Set(['avoid']));
        }
      } finally {
        await closeWithin(page)();
      }
    });
  }

  it("on screen at 1920 px the update's wide table fits its card, its short cells each on one line", async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1000 } });
    try {
      await page.goto(`${h.url}/incidents/${incident}`);
      const table = await page.evaluate(() => {
        const t = document.querySelector<HTMLElement>('.update-body table')!;
        const lines = (cell: Element) => {
          const range = document.createRange();
          range.selectNodeContents(cell);
          return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
        };
        return {
          over: t.scrollWidth - t.clientWidth,
          lines: [...t.querySelectorAll('th, td')].filter((c) => c.textContent!.length <= 14).map((c) => `${c.textContent} ${lines(c)}`),
        };
      });
      // Before: a scroll box (906 px of table in 731), "ap-southeast-2" in three lines and the endpoint cut off.
      expect(table.over).toBeLessThanOrEqual(0);
      expect(table.lines).toEqual(
        ['Region', 'Status', 'Error rate', 'Dashboard', 'ap-southeast-2', 'Degraded', '12 %', 'eu-west-1', 'Recovering', '3 %', '—'].map(
          (c) => `${c} 1`,
        ),
      );
    } finally {
      await closeWithin(page)();
    }
  });
});
