import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { launchBrowser } from '../helpers/browser.ts';

/**
 * The 90-day uptime bars as a browser shows them, measured in the pixels of
 * a screenshot (the days are drawn by CSS, so the DOM cannot say what is
 * seen): in light and dark, in greyscale and in forced colours.
 */

let h: HeraldProcess;
let browser: Browser;
const DAY = 86_400_000;

/** An incident on the probe component `daysAgo` days back, one hour long, already resolved. */
async function backfill(name: string, status: string, daysAgo: number) {
  const start = new Date(Date.now() - daysAgo * DAY);
  const res = await h.admin('/incidents', {
    body: {
      name,
      impact: 'minor',
      status: 'resolved',
      body: 'Over.',
      components: { probe: status },
      started_at: start.toISOString(),
      resolved_at: new Date(start.getTime() + 3_600_000).toISOString(),
    },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

beforeAll(async () => {
  h = await startHerald({ env: { STATIC_SNAPSHOT: 'false' } });
  expect((await h.admin('/components', { body: { id: 'probe', name: 'Probe' } })).status).toBe(201);
  // Its first record 50 days back: the 40 days before are "no data"; then one day of each kind of trouble.
  await backfill('Card declines', 'major_outage', 50);
  await backfill('Slow searches', 'partial_outage', 30);
  await backfill('Slow logins', 'degraded_performance', 20);
  await backfill('Database upgrade', 'under_maintenance', 10);
  // And one whose record covers all 90 days: slow from before the bar began until 89 days ago.
  expect((await h.admin('/components', { body: { id: 'old', name: 'Old' } })).status).toBe(201);
  const slow = await h.admin('/incidents', {
    body: {
      name: 'Slow for long',
      impact: 'minor',
      status: 'resolved',
      body: 'Over.',
      components: { old: 'degraded_performance' },
      started_at: new Date(Date.now() - 100 * DAY).toISOString(),
      resolved_at: new Date(Date.now() - 89 * DAY).toISOString(),
    },
  });
  expect(slow.status).toBe(201);
  browser = await launchBrowser();
}, 60_000);

afterAll(() => stopAll(browser, h));

type Rgb = [number, number, number];
const lum = (c: Rgb) => {
  const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
};
const contrast = (a: Rgb, b: Rgb) => {
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
};

interface Sampled {
  cls: string;
  /** The pixel at 10 %, 75 % and the bottom row of the cell's height, at its centre. */
  top: Rgb;
  middle: Rgb;
  bottom: Rgb;
}

/** Screenshots the probe's bar with a strip of card above it and reads each day's pixels. */
async function sampleBar(page: Page): Promise<{ card: Rgb; days: Sampled[] }> {
  const bar = page.locator('#component-probe .uptime-bar');
  const box = (await bar.boundingBox())!;
  const cells = await bar.evaluate((ol) => {
    const o = ol.getBoundingClientRect();
    return [...ol.children].map((li) => {
      const r = li.getBoundingClientRect();
      return { cls: li.className, x: r.left - o.left + r.width / 2, w: r.width };
    });
  });
  const above = 4;
  const png = await page.screenshot({ clip: { x: box.x, y: box.y - above, width: box.width, height: box.height + above } });
  // Decoded by the browser, in a page of its own (the status page's CSP allows no data: image).
  const decoder = await page.context().newPage();
  const { width, data } = await decoder.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const cx = canvas.getContext('2d')!;
    cx.drawImage(img, 0, 0);
    return { width: img.width, data: [...cx.getImageData(0, 0, img.width, img.height).data] };
  }, png.toString('base64'));
  await decoder.close();
  const at = (x: number, y: number): Rgb => {
    const i = (Math.round(y) * width + Math.floor(x)) * 4;
    return [data[i]!, data[i + 1]!, data[i + 2]!];
  };
  const hgt = box.height;
  return {
    card: at(cells[0]!.x, 1),
    days: cells
      .filter((c) => c.w > 1)
      .map((c) => ({
        cls: c.cls,
        top: at(c.x, above + hgt * 0.1),
        middle: at(c.x, above + hgt * 0.75),
        bottom: at(c.x, above + hgt - 1.5),
      })),
  };
}

const MODES: Array<{ name: string; scheme: 'light' | 'dark'; vision?: 'achromatopsia'; forced?: true }> = [
  { name: 'light', scheme: 'light' },
  { name: 'dark', scheme: 'dark' },
  { name: 'light, no colour vision (achromatopsia)', scheme: 'light', vision: 'achromatopsia' },
  { name: 'dark, no colour vision (achromatopsia)', scheme: 'dark', vision: 'achromatopsia' },
  { name: 'forced colours (Windows High Contrast)', scheme: 'light', forced: true },
  { name: 'forced colours, dark', scheme: 'dark', forced: true },
];

describe('a day with trouble is told from an ordinary one by more than colour (WCAG 1.4.1, 1.4.11)', () => {
  for (const mode of MODES) {
    it(`${mode.name}: a day with trouble stands full height at 3:1 against the card; an ordinary day is a shorter bar, a day with no data a stub, both seen`, async () => {
      const context: BrowserContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: mode.scheme });
      try {
        const page = await context.newPage();
        if (mode.forced) await page.emulateMedia({ forcedColors: 'active' });
        if (mode.vision) {
          const cdp = await context.newCDPSession(page);
          await cdp.send('Emulation.setEmulatedVisionDeficiency', { type: mode.vision });
        }
        await page.goto(`${h.url}/`);
        const { card, days } = await sampleBar(page);
        const kinds = new Set(days.map((d) => d.cls));
        expect([...kinds].sort()).toEqual(
          ['u-degraded_performance', 'u-major_outage', 'u-no_data', 'u-operational', 'u-partial_outage', 'u-under_maintenance'].sort(),
        );
        // The first day of each kind that is wrong, and in what way: a whole bar's worth of lines hides the point.
        const problems = new Map<string, string>();
        const wrong = (d: Sampled, i: number, how: string, ratio: number) => {
          const key = `${d.cls} ${how}`;
          if (!problems.has(key)) problems.set(key, `day ${i + 1} (${d.cls}): ${how} (${ratio.toFixed(2)}:1 against the card)`);
        };
        for (const [i, d] of days.entries()) {
          const top = contrast(d.top, card);
          const middle = contrast(d.middle, card);
          const bottom = contrast(d.bottom, card);
          if (d.cls === 'u-operational') {
            if (top > 1.1) wrong(d, i, 'its top is drawn, as tall as a day with trouble', top);
            if (middle < 3) wrong(d, i, 'its bar is under 3:1', middle);
          } else if (d.cls === 'u-no_data') {
            if (middle > 1.1) wrong(d, i, 'drawn at 75 % of its height, like an ordinary day', middle);
            if (bottom < 3) wrong(d, i, 'its stub is under 3:1', bottom);
          } else if (top < 3) {
            wrong(d, i, 'its top is under 3:1', top);
          }
        }
        expect([...problems.values()]).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }
});

describe("a day's text shown on hover can itself be hovered (WCAG 1.4.13)", () => {
  it('the pointer moved straight up from a day onto its text, a pixel at a time, keeps the text shown', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      await page.goto(`${h.url}/`);
      for (const cls of ['u-major_outage', 'u-partial_outage', 'u-degraded_performance', 'u-under_maintenance']) {
        const day = page.locator(`#component-probe .uptime-bar > li.${cls}`).first();
        const cell = (await day.boundingBox())!;
        const x = cell.x + cell.width / 2;
        await page.mouse.move(x, cell.y + cell.height - 2);
        const tip = await day.evaluate((li) => li.querySelector('span')!.getBoundingClientRect().toJSON() as DOMRect);
        expect(tip.width, `${cls}: shown on hover`).toBeGreaterThan(40);
        // Up across the gap between the day and its text, into the text's lower part.
        const to = tip.bottom - 4;
        await page.mouse.move(x, to, { steps: Math.ceil(cell.y + cell.height - 2 - to) });
        const after = await day.evaluate((li) => {
          const span = li.querySelector('span')!;
          return { width: span.getBoundingClientRect().width, hovered: span.matches(':hover') };
        });
        expect(after, `${cls}: its text, with the pointer on it`).toEqual({ width: tip.width, hovered: true });
        await page.mouse.move(5, 5);
      }
    } finally {
      await context.close();
    }
  });
});

describe('the days with trouble in words, under each bar (WCAG 2.5.8: an equivalent to cells a few pixels wide)', () => {
  for (const width of [320, 1280]) {
    it(`at ${width} px without JavaScript: a disclosure lists each day with trouble as its cell says it, linking its incidents, every target at least 24 px`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 900 }, javaScriptEnabled: false });
      try {
        const page = await context.newPage();
        await page.goto(`${h.url}/`);
        const bar = page.locator('#component-probe .uptime');
        const cellsSay = await bar.evaluate((el) =>
          [...el.querySelectorAll('.uptime-bar > li:not(.u-operational, .u-no_data)')].map((li) => li.textContent).reverse(),
        );
        expect(cellsSay.length, 'the probe has days with trouble').toBeGreaterThanOrEqual(4);
        const summary = bar.locator('details > summary');
        expect(await summary.count(), 'a disclosure under the bar').toBe(1);
        expect(await summary.textContent()).toMatch(new RegExp(`^${cellsSay.length} days with issues`));
        const closed = (await summary.boundingBox())!;
        expect(Math.min(closed.width, closed.height), 'the summary, a target of 24 px or more').toBeGreaterThanOrEqual(24);
        await summary.click();
        const listed = await bar.evaluate((el) =>
          [...el.querySelectorAll('details li')].map((li) => ({
            text: li.textContent,
            links: [...li.querySelectorAll('a')].map((a) => {
              const r = a.getBoundingClientRect();
              return { name: a.textContent, href: a.getAttribute('href'), width: r.width, height: r.height };
            }),
          })),
        );
        expect(
          listed.map((d) => d.text!.replace(/ · .*$/, '')),
          'newest first, as the cells say it',
        ).toEqual(cellsSay);
        const links = listed.flatMap((d) => d.links);
        expect([...new Set(links.map((l) => l.name))].sort()).toEqual([
          'Card declines',
          'Database upgrade',
          'Slow logins',
          'Slow searches',
        ]);
        for (const l of links) {
          expect(l.href, l.name!).toMatch(/^\/incidents\/[A-Z]+-\d{4}-\d{2}-\d{2}-\d+$/);
          expect(Math.min(l.width, l.height), `${l.name}: a target of 24 px or more`).toBeGreaterThanOrEqual(24);
        }
        // A bar with no day of trouble has nothing to list.
        const calm = await page
          .locator('.uptime')
          .evaluateAll((bars) =>
            bars.filter((b) => !b.querySelector('.uptime-bar > li:not(.u-operational, .u-no_data)')).map((b) => b.querySelector('details')),
          );
        expect(calm.every((d) => d === null)).toBe(true);
      } finally {
        await context.close();
      }
    });
  }
});

describe('what screen readers and the keyboard get of a bar', () => {
  it('a bar is read as its figure, then its days with trouble: no list of 90 days, no "operational" day, and Tab stops on the list, never on a cell', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      await page.goto(`${h.url}/`);
      const probe = page.locator('#component-probe');
      await probe.locator('details > summary').click();
      const tree = await probe.ariaSnapshot();
      const trouble = await probe.locator('.uptime-bar > li:not(.u-operational, .u-no_data)').count();
      expect(tree, 'no day of the bar in the accessibility tree').not.toMatch(/no data|\d+ [A-Z][a-z]{2,3}: operational/);
      // The component's own row is one list item; the others are the days with trouble, no more.
      expect(tree.match(/listitem/g) ?? [], 'the list items: the row and the days with trouble').toHaveLength(1 + trouble);
      const figure = tree.indexOf('99.');
      const disclosure = tree.indexOf(`${trouble} days with issues for Probe`);
      expect(figure, `the figure is read:\n${tree}`).toBeGreaterThan(0);
      expect(disclosure, `then the days with trouble:\n${tree}`).toBeGreaterThan(figure);
      expect(tree, 'the figure says what time it covers').toMatch(/% uptime since \d{1,2} [A-Z][a-z]{2,3}/);
      // Every bar's figure says what it covers, also at a width that shows all 90 days.
      expect(await page.locator('#component-old').ariaSnapshot()).toMatch(/100 % uptime \(90 days\)/);

      // What Tab stops on in the bars (a tab index of 0 or more): each disclosure and its links, no day's cell.
      const stops = await page.$$eval('.uptime *', (els) =>
        els
          .filter((el) => (el as HTMLElement).tabIndex >= 0)
          .map((el) => `${el.tagName.toLowerCase()}${el.closest('.uptime-bar') ? ' in the bar' : ''}`),
      );
      expect(stops.length, 'the disclosures are stops').toBeGreaterThan(0);
      expect(stops.filter((s) => s !== 'summary' && s !== 'a')).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('a bar without the stylesheet (a text browser, a stylesheet that failed to load, a reader view)', () => {
  it('leaves out the 90 cells and the legend’s ends: the figure and the days in words remain; with it, the bar is drawn', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      await page.goto(`${h.url}/`);
      const probe = page.locator('#component-probe');
      const drawn = () =>
        probe.evaluate((row) => {
          const bar = row.querySelector('.uptime-bar')!.getBoundingClientRect();
          return {
            bar: Math.round(bar.height),
            // biome-ignore lint/performance/useDomNodeTextContent: the text drawn, without the hidden ends, is the point.
            legend: (row.querySelector('.uptime-legend') as HTMLElement).innerText.replace(/\s+/g, ' ').trim(),
          };
        });
      const styled = await drawn();
      expect(styled.bar, 'the bar is drawn with the stylesheet').toBeGreaterThan(20);
      expect(styled.legend).toMatch(/^90 days ago 99\.\d+ % uptime since .+ Today$/);

      await page.evaluate(() => {
        for (const s of document.querySelectorAll('link[rel="stylesheet"], style')) s.remove();
      });
      const bare = await drawn();
      // Before: 90 lines of day labels ("8 Sept: no data", …), 1,620 px of them, under "906030 days ago".
      expect(bare.bar, 'no cells without the stylesheet').toBe(0);
      expect(bare.legend).toMatch(/^99\.\d+ % uptime since [^\n]+$/);
      // As many as the bar has days with trouble (four incidents of an hour: four days, or eight across midnight).
      const trouble = await probe.locator('.uptime-bar > li:not(.u-operational, .u-no_data)').count();
      expect(trouble).toBeGreaterThanOrEqual(4);
      expect(await probe.locator('details.uptime-days > summary').textContent()).toMatch(new RegExp(`^${trouble} days with issues`));
    } finally {
      await context.close();
    }
  });
});
