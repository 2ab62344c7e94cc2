import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { adminOrThrow } from '../helpers/status-page-seed.ts';

/**
 * Hebrew and Arabic on the public pages, in real Chromium. Every title, body and name ran left to right in
 * the page's English direction, so a Hebrew sentence with "API v2" in it was read in the wrong order, its full
 * stop on the wrong side. Each now runs in the direction it is written in (dir="auto", a body paragraph by
 * paragraph), and an English paragraph beside it stays left to right.
 */
type Json = Record<string, any>;

const NAME = 'תקלה בשירות ההתחברות';
const FIRST = 'זיהינו';
const LAST = 'מושפע';
const HEBREW = `${FIRST} את הבעיה. API v2 ${LAST}.`;
const ENGLISH = 'The English paragraph stays left to right.';
const COMPONENT = 'שירות התשלומים';

let h: HeraldProcess;
let browser: Browser;
let page: Page;
let incident = '';

beforeAll(async () => {
  h = await startHerald({ env: { HERALD_SEED: 'none' } });
  await adminOrThrow(h, '/components', { id: 'payments', name: COMPONENT });
  const declared = (await adminOrThrow(h, '/incidents', {
    name: NAME,
    impact: 'major',
    body: `${HEBREW}\n\n${ENGLISH}`,
    components: { payments: 'partial_outage' },
    notify: false,
  })) as Json;
  incident = declared.id;
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 800, height: 900 } });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await stopAll(h);
});

/** The computed direction of the first element matching `selector`, and where two words of it sit (x of each). */
const read = (selector: string, words: [string, string]) =>
  page.evaluate(
    ([sel, a, b]) => {
      const el = document.querySelector(sel);
      if (!el) return null;
      const at = (word: string) => {
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const i = n.textContent!.indexOf(word);
          if (i === -1) continue;
          const r = document.createRange();
          r.setStart(n, i);
          r.setEnd(n, i + word.length);
          return r.getBoundingClientRect().left;
        }
        return null;
      };
      return { direction: getComputedStyle(el).direction, first: at(a), last: at(b) };
    },
    [selector, ...words] as const,
  );

/** Where a paragraph's text starts and ends inside the paragraph's box: "left" or "right" aligned. */
const alignment = (text: string) =>
  page.evaluate((t) => {
    const p = [...document.querySelectorAll('.update-body p')].find((e) => e.textContent === t);
    if (!p) return null;
    const r = document.createRange();
    r.selectNodeContents(p);
    const text = r.getBoundingClientRect();
    const box = p.getBoundingClientRect();
    return text.left - box.left < box.right - text.right ? 'left' : 'right';
  }, text);

describe('right-to-left text on the public pages', () => {
  it.each([
    ['/', '.incident-title'],
    ['/incidents/:id', 'h1.incident-title'],
    ['/history', '.history-title'],
  ])('%s: the title runs right to left', async (path, selector) => {
    await page.goto(`${h.url}${path.replace(':id', incident)}`);
    const title = await read(selector, ['תקלה', 'ההתחברות']);
    expect(title?.direction, path).toBe('rtl');
    expect(title!.first!, path).toBeGreaterThan(title!.last!);
  });

  it.each([['/'], ['/incidents/:id']])(
    '%s: a Hebrew paragraph reads right to left, the English one beside it left to right',
    async (path) => {
      await page.goto(`${h.url}${path.replace(':id', incident)}`);
      const body = await read('.update-body', [FIRST, LAST]);
      // Before: the first word at x=363 and the last at x=462, "API v2 is affected" read before "We identified the problem".
      expect(body!.first!, path).toBeGreaterThan(body!.last!);
      expect(await alignment(HEBREW), path).toBe('right');
      expect(await alignment(ENGLISH), path).toBe('left');
    },
  );

  it('a table column aligned in the Markdown keeps its alignment; the others start where their text does', async () => {
    const table = (await adminOrThrow(h, '/incidents', {
      name: 'Regions',
      impact: 'minor',
      body: '| Region | Errors | What customers see there |\n|:-:|--:|---|\n| eu | 12 % | מושפע |',
      notify: false,
    })) as Json;
    await page.goto(`${h.url}/incidents/${table.id}`);
    const aligns = await page.$$eval('.update-body td', (cells) => cells.map((c) => getComputedStyle(c).textAlign.replace('-webkit-', '')));
    // The third cell is Hebrew: it starts on the right.
    expect(aligns).toEqual(['center', 'right', 'start']);
    const third = await page.$eval('.update-body td:nth-child(3)', (c) => {
      const r = document.createRange();
      r.selectNodeContents(c);
      const text = r.getBoundingClientRect();
      const box = c.getBoundingClientRect();
      return text.left - box.left > box.right - text.right ? 'right' : 'left';
    });
    expect(third).toBe('right');
  });

  it("a component's name keeps its own direction in its row", async () => {
    await page.goto(h.url);
    const name = await read('.row .name bdi', ['שירות', 'התשלומים']);
    expect(name?.direction).toBe('rtl');
    expect(name!.first!).toBeGreaterThan(name!.last!);
  });
});
