import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { HtmlValidate, type Message } from 'html-validate';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { axe, axeContext, launchBrowser } from '../helpers/browser.ts';

/**
 * Accessibility and HTML validity of the public pages: axe-core in real
 * Chromium (no serious or critical violation, light and dark), and
 * html-validate with the project's .htmlvalidate.json: the recommended preset
 * with two relaxations, `form-dup-name` allowing checkboxes to share a name
 * (the subscribe form's component list is one multi-valued field, which is
 * how HTML submits a set of choices), and `long-title` off (a search engine's
 * advice: an incident's page is titled by its whole name, which a tab, a
 * bookmark or a screen reader's list of windows shows, not a cut of it).
 */
const CONFIG = JSON.parse(readFileSync(fileURLToPath(new URL('../../.htmlvalidate.json', import.meta.url)), 'utf8'));

let h: HeraldProcess;
let browser: Browser;
let pages: Array<[string, string]> = [];
const NOT_FOUND = '/incidents/INC-1999-01-01-1';

beforeAll(async () => {
  h = await startHerald({ env: { HERALD_SEED: 'demo', STATIC_SNAPSHOT: 'false' } });
  // An open incident with a published postmortem on a resolved one: every block the pages can show.
  const open = await h.admin('/incidents', {
    body: {
      // A name as long as Comms Leads write them: the page's title is the whole name (html-validate's long-title off).
      name: 'Checkout errors for card payments and digital wallets in every region since the 10:00 deploy',
      impact: 'critical',
      // A line break (marked's `breaks`) and a link the sanitizer takes the address of: both valid HTML as served.
      body: 'We are investigating **failed payments**.\nCards and wallets fail.\n\n- cards\n- [wallets](javascript:alert(1))',
      components: { 'card-payments': 'major_outage' },
    },
  });
  expect(open.status).toBe(201);
  const { incidents } = (await (await h.admin('/incidents')).json()) as { incidents: Array<{ id: string; status: string }> };
  const resolved = incidents.find((i) => i.status === 'resolved')!;
  await h.admin(`/incidents/${resolved.id}/postmortem`, {
    method: 'PUT',
    body: { body: '## What happened\n\nA failover.\n\n## Follow-ups\n\n1. Alerting', publish: true },
  });
  pages = [
    ['status page', '/'],
    ['open incident', `/incidents/${((await open.json()) as { id: string }).id}`],
    ['resolved incident with postmortem', `/incidents/${resolved.id}`],
    ['history', '/history'],
    ['subscribe', '/subscribe'],
    ['maintenance', '/maintenance'],
    ['not found', NOT_FOUND],
  ];
  browser = await launchBrowser();
}, 60_000);

afterAll(() => stopAll(browser, h));

describe('axe-core: no serious or critical violation', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`every public page in ${scheme} mode`, async () => {
      const context = await axeContext(browser, { colorScheme: scheme, viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      try {
        // One tab, each page loaded afresh: a new tab costs Chromium a renderer process to start.
        const page = await context.newPage();
        for (const [name, path] of pages) {
          const res = await page.goto(`${h.url}${path}`);
          expect(res!.status(), path).toBe(path === NOT_FOUND ? 404 : 200);
          const { violations, passes } = await axe(page);
          expect(passes, `axe ran on ${path}`).toBeGreaterThan(10);
          for (const v of violations) problems.push(`${name} (${path}) ${scheme}: ${v}`);
        }
      } finally {
        await context.close();
      }
      expect(problems).toEqual([]);
    }, 60_000);
  }
});

describe('html-validate (recommended preset, .htmlvalidate.json)', () => {
  it('every public page is valid HTML', async () => {
    const validator = new HtmlValidate(CONFIG);
    const problems: string[] = [];
    for (const [name, path] of pages) {
      const html = await (await fetch(`${h.url}${path}`)).text();
      const report = await validator.validateString(html, `${path}.html`);
      for (const result of report.results) {
        for (const m of result.messages as Message[]) problems.push(`${name} (${path}) ${m.line}:${m.column} ${m.ruleId}: ${m.message}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('keyboard and touch', () => {
  it("the uptime bar's days with trouble show their text on a tap (they take the focus) as on hover; no day is a Tab stop: the list under the bar is", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      await page.goto(`${h.url}/`);
      const stops = await page.$$eval('.uptime-bar > li', (cells) =>
        cells.map((c) => ({ cls: c.className, tabIndex: (c as HTMLElement).tabIndex, hasAttr: c.hasAttribute('tabindex') })),
      );
      const trouble = stops.filter((s) => !/u-(operational|no_data)/.test(s.cls));
      expect(trouble.length, 'the demo has days with trouble').toBeGreaterThan(0);
      expect(
        trouble.every((s) => s.tabIndex === -1 && s.hasAttr),
        'focusable by a tap, not by Tab',
      ).toBe(true);
      expect(stops.filter((s) => /u-(operational|no_data)/.test(s.cls) && s.hasAttr)).toEqual([]);
      // A tap (a click here) on a day with trouble: its text shows beside it.
      const day = page.locator('.uptime-bar > li[tabindex="-1"]').first();
      await day.click();
      await page.mouse.move(5, 5);
      const shown = await day.evaluate((el) => {
        const span = el.querySelector('span')!;
        return { focused: el === document.activeElement, text: span.textContent ?? '', width: span.getBoundingClientRect().width };
      });
      expect(shown.focused).toBe(true);
      expect(shown.text).toMatch(/^\d{1,2} [A-Z][a-z]{2,3}: .*(outage|degraded|maintenance)/);
      expect(shown.width, 'the text is shown, not only read out').toBeGreaterThan(40);
      // Tab from the top reaches the list of those days under a bar.
      await page.goto(`${h.url}/`);
      let reached = false;
      for (let i = 0; i < 40 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(() => !!document.activeElement?.matches('.uptime-days > summary'));
      }
      expect(reached, "a bar's list of days with trouble is reached by Tab").toBe(true);
    } finally {
      await context.close();
    }
  }, 90_000);

  it("a day's text, shown on hover or focus over the row above, is dismissed with Escape without moving the pointer or the focus (WCAG 1.4.13)", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      await page.goto(`${h.url}/`);
      const day = page.locator('.uptime-bar > li[tabindex="-1"]').first();
      const shown = () => day.evaluate((el) => el.querySelector('span')!.getBoundingClientRect().width > 40);
      await day.hover();
      expect(await shown(), 'shown on hover').toBe(true);
      await page.keyboard.press('Escape');
      expect(await shown(), 'hidden by Escape, the pointer still on the day').toBe(false);
      expect(await day.evaluate((el) => el.matches(':hover'))).toBe(true);
      await page.mouse.move(5, 5);
      await day.hover();
      expect(await shown(), 'shown again when pointed at anew').toBe(true);

      await page.mouse.move(5, 5);
      await day.focus();
      expect(await shown(), 'shown on focus').toBe(true);
      await page.keyboard.press('Escape');
      expect(await shown(), 'hidden by Escape, the focus still on the day').toBe(false);
      expect(await day.evaluate((el) => el === document.activeElement)).toBe(true);
      await day.blur();
      await day.focus();
      expect(await shown(), 'shown again when focused anew').toBe(true);
    } finally {
      await context.close();
    }
  });
});
