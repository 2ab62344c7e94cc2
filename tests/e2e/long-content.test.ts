import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { adminOrThrow } from '../helpers/status-page-seed.ts';

/**
 * What a Comms Lead may well write, on the public pages in real Chromium. From a review of the pages:
 * a code block's long line pushed every page sideways (even at 1280 px), a component named without spaces
 * (a URL, a German compound) ran out of its incident card and over the subscribe form's next column, a
 * table's headers were squeezed to a letter a line, and an update's "###" came out above its "##" and as a
 * sibling of the incident titles on the status page.
 */
type Json = Record<string, any>;

const LONG = 'Donaudampfschifffahrtsgesellschaftskapitänsmützenherstellungsbetrieb';
const CODE = `$ curl -s https://api.example.com/v1/status/components/payments/regions/eu-west-1 | jq '.components[] | select(.status != "operational")' --compact-output --raw-output`;
const BODY = [
  '## Rollback',
  '',
  'We are rolling back the release:',
  '',
  '```',
  CODE,
  '```',
  '',
  '### Regions',
  '',
  '| Region | Status | Customers affected |',
  '|---|---|---|',
  '| eu-west-1 | Recovering | About a third |',
  '| us-east-1 | Operational | None |',
].join('\n');

let h: HeraldProcess;
let browser: Browser;
let incident = '';
const admin = (path: string, body: unknown, method = 'POST'): Promise<Json> => adminOrThrow(h, path, body, method);

beforeAll(async () => {
  h = await startHerald({ env: { STATIC_SNAPSHOT: 'false', HERALD_SEED: 'none', MAINTENANCE_REMINDER_MINUTES: '0' } });
  await admin('/components', { id: 'long', name: LONG, group: `${LONG} Gruppe` });
  await admin('/components', { id: 'api', name: 'API' });
  incident = (
    await admin('/incidents', {
      name: 'Payments failing',
      impact: 'major',
      body: BODY,
      components: { long: 'major_outage' },
      notify: false,
    })
  ).id;
  const from = new Date(Date.now() + 86_400_000).toISOString();
  const until = new Date(Date.now() + 90_000_000).toISOString();
  await admin('/maintenances', { name: 'Ledger upgrade', scheduled_for: from, scheduled_until: until, components: ['long'], body: BODY });
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await stopAll(h);
});

/** How far the page reaches past the viewport (0: no sideways scrolling). */
const sideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

describe('long content stays on the page', () => {
  for (const width of [320, 768, 1280]) {
    it(`at ${width} px no page scrolls sideways, and the subscribe form's labels stay in their own column`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      try {
        for (const path of ['/', `/incidents/${incident}`, '/maintenance', '/subscribe']) {
          await page.goto(`${h.url}${path}`);
          expect(await sideways(page), `${path} at ${width} px`).toBeLessThanOrEqual(0);
        }
        // Each label ends within its own grid cell (it ran over the next column's boxes at 768 px).
        const over = await page.evaluate(() =>
          [...document.querySelectorAll('.choices > li')].map((li) => {
            const label = li.querySelector('label')!;
            return label.scrollWidth - li.getBoundingClientRect().width;
          }),
        );
        expect(over.length).toBe(2);
        for (const px of over) expect(px).toBeLessThanOrEqual(0.5);
      } finally {
        await page.close();
      }
    });
  }

  it("an update's headings nest under the title they are shown under, in order", async () => {
    const page = await browser.newPage();
    try {
      const outline = async (path: string) => {
        await page.goto(`${h.url}${path}`);
        return page.evaluate(() =>
          [...document.querySelectorAll('main :is(h1, h2, h3, h4, h5, h6)')].map((e) => `${e.tagName} ${e.textContent!.trim()}`),
        );
      };
      // On the incident's page: under its h1. Before: h4 Rollback, then h3 Regions.
      expect(await outline(`/incidents/${incident}`)).toEqual(['H1 Payments failing', 'H2 Rollback', 'H3 Regions']);
      // On the status page: under the incident's h3, never beside it.
      const home = await outline('/');
      const at = home.indexOf('H3 Payments failing');
      expect(home.slice(at, at + 3)).toEqual(['H3 Payments failing', 'H4 Rollback', 'H5 Regions']);
    } finally {
      await page.close();
    }
  });
});
