import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { seedStatusPage, adminOrThrow } from '../helpers/status-page-seed.ts';
import { signIn } from '../helpers/console-session.ts';

/**
 * WCAG 1.4.12 Text Spacing on a 320 px screen (the width of 1.4.10 Reflow), in real Chromium: with the
 * spacing the criterion names forced on every element (line height 1.5, letter spacing 0.12em, word
 * spacing 0.16em, 2em after paragraphs), as a reader's style sheet or extension would, no text on a
 * public page or console page is cut off or sticks out of the card it belongs to. And the console's tables of
 * inputs at 320 px (400% zoom of a 1280 px window), where each input must still show what it holds.
 */
type Json = Record<string, any>;

const SPACING =
  '* { line-height: 1.5 !important; letter-spacing: .12em !important; word-spacing: .16em !important } p { margin-bottom: 2em !important }';

let h: HeraldProcess;
let browser: Browser;
const ids = { open: '', resolved: '', maintenance: '' };

const admin = (path: string, body: unknown, method = 'POST'): Promise<Json> => adminOrThrow(h, path, body, method);

beforeAll(async () => {
  h = await startHerald({ env: { STATIC_SNAPSHOT: 'false', MAINTENANCE_REMINDER_MINUTES: '0' } });
  const seeded = await seedStatusPage(admin);
  ids.open = seeded.open;
  ids.resolved = seeded.resolved;
  // The longest status words, in a group's child rows (the narrowest rows): "Degraded performance", "Under maintenance".
  await admin('/incidents', {
    name: 'Slow dashboard',
    impact: 'minor',
    body: 'Pages of the dashboard load slowly.',
    components: { dashboard: 'degraded_performance', webhooks: 'under_maintenance' },
    notify: false,
  });
  const { scheduled_maintenances: windows } = (await (await h.admin('/maintenances')).json()) as Json;
  ids.maintenance = windows[0].id;
  browser = await launchBrowser();
}, 60_000);

afterAll(() => stopAll(browser, h));

/**
 * What the page measures of itself (run in the browser), one line per problem: an element (visible, with
 * a box) reaching past the right edge of an ancestor that clips it (overflow other than visible) or that
 * draws a card around it (a right border), within <main>.
 */
function cutOff(): string[] {
  const label = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${[...el.classList].map((c) => `.${c}`).join('')}`;
  const hidden = (el: Element) => {
    for (let e: Element | null = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      // Visually hidden text (the uptime bar's day texts, hidden days): for screen readers, not drawn.
      if (cs.clipPath === 'inset(50%)' || cs.display === 'none' || cs.visibility === 'hidden') return true;
    }
    return false;
  };
  const problems: string[] = [];
  const main = document.querySelector('main')!;
  for (const el of main.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || hidden(el)) continue;
    for (let a = el.parentElement; a && a !== main.parentElement; a = a.parentElement) {
      const cs = getComputedStyle(a);
      const clips = cs.overflowX !== 'visible';
      const card = Number.parseFloat(cs.borderRightWidth) > 0;
      if (!clips && !card) continue;
      const edge = a.getBoundingClientRect().right - Number.parseFloat(cs.borderRightWidth);
      if (r.right > edge + 1) {
        problems.push(
          `${label(el)} ends at ${Math.round(r.right)} px, past ${label(a)} (${clips ? 'clipped' : 'its card'}) at ${Math.round(edge)} px`,
        );
        break;
      }
    }
  }
  return problems;
}

async function check(page: Page, path: string, shows: string): Promise<string[]> {
  const res = await page.goto(`${h.url}${path}`);
  expect(res?.status(), path).toBe(200);
  expect(await page.locator('main').textContent(), `${path} shows the seeded content`).toContain(shows);
  await page.addStyleTag({ content: SPACING });
  return (await page.evaluate(cutOff)).map((p) => `${path}: ${p}`);
}

describe('text spacing (WCAG 1.4.12) at 320 px', () => {
  it("the status page's component rows keep their status and uptime legend inside the list", async () => {
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 320, height: 640 } });
    try {
      const page = await context.newPage();
      const problems = await check(page, '/', 'Degraded performance');
      // The rows themselves: the status ("…performance", "…maintenance") and the legend's "Today" within the row.
      const rows = await page.$$eval('.component-list .row', (list) =>
        list.flatMap((row) => {
          const right = row.getBoundingClientRect().right;
          return [...row.querySelectorAll('.status, .uptime-legend > :last-child')]
            .filter((el) => el.getBoundingClientRect().right > right + 1)
            .map(
              (el) =>
                `${row.id || 'group row'}: "${el.textContent?.trim()}" ends at ${Math.round(el.getBoundingClientRect().right)} px, the row at ${Math.round(right)} px`,
            );
        }),
      );
      expect([...problems, ...rows]).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('the other public pages: history, an open and a resolved incident, maintenance, subscribe', async () => {
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 320, height: 640 } });
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      for (const [path, shows] of [
        ['/history', 'Elevated API error rates'],
        [`/incidents/${ids.open}`, 'certificate rotation at our EU acquirer'],
        [`/incidents/${ids.resolved}`, 'Failovers now restart every connection pool'],
        ['/maintenance', 'Database upgrade'],
        [`/incidents/${ids.maintenance}`, 'Database upgrade'],
        ['/subscribe', 'Card payments'],
      ] as const) {
        problems.push(...(await check(page, path, shows)));
      }
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("the console: the dashboard (a postmortem owed) and the channels (the kinds' hints) fit; the settings' and components' table inputs show their values", async () => {
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 320, height: 640 } });
    try {
      const [name, ...value] = (await signIn(h)).cookie.split('=');
      await context.addCookies([{ name: name!, value: value.join('='), url: h.url }]);
      const page = await context.newPage();
      const problems: string[] = [];
      for (const [path, shows] of [
        ['/admin', 'Postmortems owed'],
        ['/admin/channels', 'hooks.slack.com'],
      ] as const) {
        problems.push(...(await check(page, path, shows)));
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        if (width > 320) problems.push(`${path}: the page is ${width} px wide`);
      }
      // Without forced spacing: each short table input as wide as what it holds ("sev1", "Card payments"), not
      // squeezed to its column's heading (a description, a sentence, may scroll within its input).
      for (const [path, shows] of [
        ['/admin/settings', 'Severity levels'],
        ['/admin/components', 'card-payments'],
      ] as const) {
        expect((await page.goto(`${h.url}${path}`))?.status(), path).toBe(200);
        expect(await page.locator('main').textContent(), path).toContain(shows);
        const squeezed = await page.$$eval('main table input:is([type="text"], [type="number"])', (inputs) =>
          (inputs as HTMLInputElement[])
            .filter((i) => i.value !== '' && !i.id.includes('description') && i.scrollWidth > i.clientWidth)
            .map((i) => `${i.id} "${i.value}" needs ${i.scrollWidth} px, has ${i.clientWidth} px`),
        );
        problems.push(...squeezed.map((p) => `${path}: ${p}`));
      }
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
