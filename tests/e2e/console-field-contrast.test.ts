import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn } from '../helpers/console-session.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { seedStatusPage, adminOrThrow } from '../helpers/status-page-seed.ts';

/**
 * WCAG 1.4.11 Non-text Contrast on the console's forms, in real Chromium, light and dark: the edge that
 * shows where a field is (a text field's, select's or textarea's border; a checkbox's or radio's drawn
 * box) has at least 3:1 against what is around it: in light mode a field's fill is the card's, so its
 * border is all there is to find it by.
 */
type Json = Record<string, any>;

let h: HeraldProcess;
let browser: Browser;
let session: { name: string; value: string };
const ids = { open: '', resolved: '' };

const admin = (path: string, body: unknown, method = 'POST'): Promise<Json> => adminOrThrow(h, path, body, method);

beforeAll(async () => {
  h = await startHerald({ env: { STATIC_SNAPSHOT: 'false', MAINTENANCE_REMINDER_MINUTES: '0' } });
  const seeded = await seedStatusPage(admin);
  ids.open = seeded.open;
  ids.resolved = seeded.resolved;
  const [name, ...value] = (await signIn(h, 'Dana')).cookie.split('=');
  session = { name: name!, value: value.join('=') };
  browser = await launchBrowser();
}, 60_000);

afterAll(() => stopAll(browser, h));

/** The console's pages with forms (the sign-in page without a session). */
const PAGES: Array<{ path: () => string; signedIn: boolean }> = [
  { path: () => '/admin/login', signedIn: false },
  { path: () => '/admin/incidents/new', signedIn: true },
  { path: () => `/admin/incidents/${ids.open}`, signedIn: true },
  { path: () => `/admin/incidents/${ids.resolved}/postmortem`, signedIn: true },
  { path: () => '/admin/maintenance', signedIn: true },
  { path: () => '/admin/components', signedIn: true },
  { path: () => '/admin/settings', signedIn: true },
  { path: () => '/admin/channels', signedIn: true },
  { path: () => '/admin/subscribers', signedIn: true },
  { path: () => '/admin/deliveries', signedIn: true },
  { path: () => '/admin/audit', signedIn: true },
];

/** The fields on the page with a border of their own: each one's border colour and the opaque colour behind it (run in the browser). */
function bordered(): Array<{ field: string; border: string; behind: string }> {
  const opaque = (el: Element | null): string => {
    for (let e = el; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      if (c !== 'transparent' && !/rgba\(.*, 0\)$/.test(c)) return c;
    }
    return getComputedStyle(document.documentElement).colorScheme === 'dark' ? 'rgb(0, 0, 0)' : 'rgb(255, 255, 255)';
  };
  return [...document.querySelectorAll<HTMLInputElement>('main input, main select, main textarea')]
    .filter((el) => !['hidden', 'checkbox', 'radio'].includes(el.type) && el.getBoundingClientRect().width > 0)
    .map((el) => ({
      field: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : `[name="${el.name}"]`}`,
      border: getComputedStyle(el).borderTopColor,
      behind: opaque(el.parentElement),
    }));
}

const channels = (c: string): number[] => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
function luminance([r, g, b]: number[]): number {
  const f = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
}
function ratio(a: number[], b: number[]): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/**
 * A checkbox's or radio's box is drawn by the browser (no author border to read): its screenshot's pixel
 * of most contrast with the colour behind it, which is the box's outline, unchecked.
 */
async function boxes(page: Page): Promise<string[]> {
  const problems: string[] = [];
  for (const type of ['checkbox', 'radio']) {
    const found = page.locator(`main input[type="${type}"]:visible`);
    if ((await found.count()) === 0) continue;
    const box = found.first();
    await box.evaluate((el: HTMLInputElement) => {
      el.checked = false;
    });
    const behind = await box.evaluate((el) => {
      for (let e = el.parentElement; e; e = e.parentElement) {
        const c = getComputedStyle(e).backgroundColor;
        if (c !== 'transparent' && !/rgba\(.*, 0\)$/.test(c)) return c;
      }
      return 'rgb(255, 255, 255)';
    });
    const { data, width, height } = await pixels(page, await box.screenshot());
    let best = 1;
    for (let i = 0; i < width * height * 4; i += 4) best = Math.max(best, ratio([data[i]!, data[i + 1]!, data[i + 2]!], channels(behind)));
    if (best < 3) problems.push(`an unchecked ${type}'s box: ${best.toFixed(2)}:1 against ${behind}`);
  }
  return problems;
}

/** Decodes a PNG in the page itself (no image library needed): its RGBA pixels. */
async function pixels(page: Page, png: Buffer): Promise<{ data: number[]; width: number; height: number }> {
  return page.evaluate(
    async (bytes) => {
      const img = await createImageBitmap(new Blob([new Uint8Array(bytes)], { type: 'image/png' }));
      const canvas = new OffscreenCanvas(img.width, img.height);
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      return { data: [...ctx.getImageData(0, 0, img.width, img.height).data], width: img.width, height: img.height };
    },
    [...png],
  );
}

describe('console form fields have 3:1 edges (WCAG 1.4.11)', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`every field on the console's forms, ${scheme}`, async () => {
      const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      try {
        // One tab, each page loaded afresh: a new tab costs Chromium a renderer process to start.
        const page = await context.newPage();
        for (const target of PAGES) {
          const path = target.path();
          if (target.signedIn) await context.addCookies([{ ...session, url: h.url }]);
          else await context.clearCookies();
          const res = await page.goto(`${h.url}${path}`);
          expect(res?.status(), path).toBe(200);
          expect(new URL(page.url()).pathname, `${path} (signed in?)`).toBe(path);
          const fields = await page.evaluate(bordered);
          expect(fields.length, `${path} has fields`).toBeGreaterThan(0);
          for (const f of fields) {
            const r = ratio(channels(f.border), channels(f.behind));
            if (r < 3) problems.push(`${path} ${scheme}: ${f.field} border ${f.border} on ${f.behind} is ${r.toFixed(2)}:1`);
          }
          problems.push(...(await boxes(page)).map((p) => `${path} ${scheme}: ${p}`));
        }
      } finally {
        await context.close();
      }
      expect(problems).toEqual([]);
    }, 60_000);
  }
});
