import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn } from '../helpers/console-session.ts';
import { axe, axeContext, launchBrowser } from '../helpers/browser.ts';
import { seedStatusPage, adminOrThrow } from '../helpers/status-page-seed.ts';

/**
 * Design checks in real Chromium, on every public page and the console pages a
 * Comms Lead lives in (dashboard, declare form, preview), at 360 and 1280 px
 * wide, light and dark:
 * - no sideways scrolling (the document is no wider than the viewport);
 * - no form control in <main> whose text is cut off (scrollWidth > clientWidth,
 *   1 px rounding allowed; empty fields and vertically scrolling textareas aside);
 * - links and buttons in <main> are at least 24×24 CSS px (WCAG 2.2 2.5.8),
 *   except links inside running text (an `a` in a p/li/dd/td that has text of
 *   its own) and what is hidden (or inside a closed <details>);
 * - axe-core finds no serious or critical violation (at 1280 px only where other suites do not look).
 * One browser, one context per (width, scheme) signed in to the console (its
 * session cookie from an admin-token sign-in) and one tab in it, each check
 * loading its page afresh (the preview reached by submitting the declare
 * form); each failure names the page, width, scheme and element.
 */
type Json = Record<string, any>;

const WIDTHS = [360, 1280] as const;
const SCHEMES = ['light', 'dark'] as const;
const MIN_TARGET = 24;

let h: HeraldProcess;
let browser: Browser;
let session: { name: string; value: string };
const ids = { open: '', resolved: '', long: '' };

/** The pages checked: a name for failures, and how to get there (most by URL; the preview by submitting the declare form). */
const PAGES: Array<{ name: string; path: () => string; shows: string; admin?: true; open?: (page: Page) => Promise<void> }> = [
  { name: 'status page', path: () => '/', shows: 'Card payments failing for some customers' },
  { name: 'open incident', path: () => `/incidents/${ids.open}`, shows: 'certificate rotation at our EU acquirer' },
  { name: 'resolved incident', path: () => `/incidents/${ids.resolved}`, shows: 'Failovers now restart every connection pool' },
  { name: 'history', path: () => '/history', shows: 'Elevated API error rates' },
  { name: 'maintenance', path: () => '/maintenance', shows: 'Database upgrade' },
  { name: 'subscribe', path: () => '/subscribe', shows: 'Card payments' },
  { name: 'console dashboard', path: () => '/admin', shows: 'Card payments failing for some customers', admin: true },
  { name: 'declare form', path: () => '/admin/incidents/new', shows: 'Webhooks', admin: true },
  // The console's page of an incident whose title holds a word longer than the screen is wide.
  {
    name: 'console incident',
    path: () => `/admin/incidents/${ids.long}`,
    shows: 'PaymentGatewayAuthorisationServiceEndpointHandler',
    admin: true,
  },
  {
    name: 'declare preview',
    path: () => '/admin/preview',
    shows: 'Webhook deliveries delayed',
    admin: true,
    open: async (page) => {
      await goto(page, '/admin/incidents/new');
      await page.fill('#name', 'Webhook deliveries delayed');
      await page.check('input[name="severity"] >> nth=1');
      await page.selectOption('#component-webhooks', 'degraded_performance');
      await page.selectOption('#component-api', 'partial_outage');
      await Promise.all([page.waitForURL('**/admin/preview'), page.click('button:has-text("Preview")')]);
      expect(await page.locator('#email-summary').count(), 'the preview page shows the draft').toBe(1);
    },
  },
];

/**
 * The dark scheme changes colours only (custom properties), so a page's layout in dark is its layout
 * in light, and what dark can break is contrast, axe's to find. axe at 1280 px would repeat
 * a11y.test.ts (the public pages, light and dark) and console.test.ts (the admin pages, light). So:
 * every page at 360 px in both schemes with axe; at 1280 px every page in light without axe, and the
 * console's pages in dark with it.
 */
const checked = (width: number, scheme: string, target: { admin?: true }) => width === 360 || scheme === 'light' || target.admin === true;
const checksAxe = (width: number, scheme: string) => width === 360 || scheme === 'dark';

async function goto(page: Page, path: string): Promise<void> {
  const res = await page.goto(`${h.url}${path}`);
  expect(res?.status(), `${path} answers 200`).toBe(200);
  expect(new URL(page.url()).pathname, `${path} is not a redirect (signed in?)`).toBe(path);
}

const admin = (path: string, body: unknown, method = 'POST'): Promise<Json> => adminOrThrow(h, path, body, method);

beforeAll(async () => {
  h = await startHerald({ env: { SITE_NAME: 'Acme Status', STATIC_SNAPSHOT: 'false', MAINTENANCE_REMINDER_MINUTES: '0' } });
  const seeded = await seedStatusPage(admin);
  ids.open = seeded.open;
  ids.resolved = seeded.resolved;
  // A title with a word longer than a phone is wide (an error class, a host name) must wrap, not push the page sideways.
  ids.long = (
    await admin('/incidents', {
      name: 'Errors from PaymentGatewayAuthorisationServiceEndpointHandler',
      impact: 'minor',
      body: 'Retries from api-gateway-eu-west-1.internal.example.com are failing.',
      components: {},
      notify: false,
    })
  ).id;
  // The console session (admin token sign-in over HTTP), given to each browser context as its cookie.
  const [name, ...value] = (await signIn(h, 'Dana')).cookie.split('=');
  session = { name: name!, value: value.join('=') };
  browser = await launchBrowser();
}, 60_000);

afterAll(() => stopAll(browser, h));

/** What the page measures of itself (run in the browser): problems, one line each, naming the element. */
function measure(minTarget: number): { overflow: string[]; clipped: string[]; targets: string[] } {
  const label = (el: Element): string => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += `#${el.id}`;
    for (const c of el.classList) s += `.${c}`;
    const type = el.getAttribute('type');
    if (type && el.tagName !== 'BUTTON') s += `[type=${type}]`;
    const name = el.getAttribute('name');
    if (name && !el.id) s += `[name=${name}]`;
    const text = (
      el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement
        ? el.value
        : el instanceof HTMLSelectElement
          ? (el.selectedOptions[0]?.text ?? '')
          : (el.textContent ?? '')
    )
      .replace(/\s+/g, ' ')
      .trim();
    return text ? `${s} "${text.length > 60 ? `${text.slice(0, 57)}…` : text}"` : s;
  };
  const px = (n: number) => Math.round(n * 10) / 10;
  const visible = (el: Element): boolean => {
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) return false;
    // Inside a closed <details> (its summary stays visible).
    const details = el.closest('details');
    if (details && !details.open && !el.closest('summary')) return false;
    // Visually hidden (a 1 px clip, as screen-reader-only text is).
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1;
  };
  const main = document.querySelector('main') ?? document.body;

  // 1. Sideways scrolling: which elements stick out (the outermost ones, not each of their children).
  const overflow: string[] = [];
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth > width) {
    const wide = [...document.body.querySelectorAll('*')].filter((el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && (r.right > width + 0.5 || r.left < -0.5);
    });
    const outermost = wide.filter((el) => !wide.includes(el.parentElement as Element));
    overflow.push(
      `the document is ${document.documentElement.scrollWidth} px wide in a ${width} px viewport; sticking out: ${
        outermost
          .slice(0, 5)
          .map((el) => {
            const r = el.getBoundingClientRect();
            return `${label(el)} (${px(r.left)}…${px(r.right)} px)`;
          })
          .join('; ') || 'nothing found'
      }`,
    );
  }

  // 2. Form controls whose text does not fit.
  const clipped: string[] = [];
  for (const el of main.querySelectorAll<HTMLElement>('input, select, textarea, button')) {
    if (!visible(el)) continue;
    if (el instanceof HTMLInputElement) {
      if (['hidden', 'checkbox', 'radio', 'range', 'color', 'file', 'image'].includes(el.type)) continue;
      if (el.value === '') continue;
    }
    if (el instanceof HTMLTextAreaElement && el.value === '') continue;
    let need = el.scrollWidth;
    let have = el.clientWidth;
    if (el instanceof HTMLSelectElement) {
      // A select clips its chosen option's text without scrolling: measure that text against the room left of the arrow.
      const cs = getComputedStyle(el);
      const ctx = document.createElement('canvas').getContext('2d')!;
      ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      const text = el.selectedOptions[0]?.text ?? '';
      need = Math.ceil(ctx.measureText(text).width);
      // Chromium's own arrow takes about 20 px when the author padding leaves none for it.
      const arrow = cs.appearance === 'none' ? 0 : Math.max(0, 20 - Number.parseFloat(cs.paddingRight));
      have = el.clientWidth - Number.parseFloat(cs.paddingLeft) - Number.parseFloat(cs.paddingRight) - arrow;
    }
    if (need > have + 1) clipped.push(`${label(el)}: text needs ${px(need)} px, has ${px(have)} px`);
  }

  // 3. Target size of links and buttons.
  const targets: string[] = [];
  const selector = 'a[href], button, input[type="submit"], input[type="button"], input[type="reset"], summary, [role="button"]';
  for (const el of main.querySelectorAll<HTMLElement>(selector)) {
    if (!visible(el)) continue;
    const parent = el.parentElement;
    const inText =
      el.tagName === 'A' &&
      parent !== null &&
      ['P', 'LI', 'DD', 'TD'].includes(parent.tagName) &&
      [...parent.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '');
    if (inText) continue;
    const r = el.getBoundingClientRect();
    // 0.05 px for subpixel layout (23.99 is 24).
    if (r.width < minTarget - 0.05 || r.height < minTarget - 0.05) {
      targets.push(`${label(el)} is ${px(r.width)}×${px(r.height)} px`);
    }
  }
  return { overflow, clipped, targets };
}

for (const width of WIDTHS) {
  for (const scheme of SCHEMES) {
    describe(`${width} px wide, ${scheme}`, () => {
      let context: BrowserContext;
      // One tab for the describe's pages, each loaded afresh: a new tab costs Chromium a renderer process to start.
      let page: Page;

      beforeAll(async () => {
        context = await axeContext(browser, { viewport: { width, height: width < 600 ? 740 : 900 }, colorScheme: scheme });
        await context.addCookies([{ ...session, url: h.url }]);
        page = await context.newPage();
      });

      afterAll(() => stopAll(context));

      for (const target of PAGES.filter((t) => checked(width, scheme, t))) {
        it(target.name, async () => {
          if (target.open) await target.open(page);
          else await goto(page, target.path());
          const where = `${target.name} (${target.path()}) at ${width} px, ${scheme}`;
          expect(await page.locator('main').textContent(), `${where} shows the seeded content`).toContain(target.shows);
          const found = await page.evaluate(measure, MIN_TARGET);
          const violations: string[] = [];
          if (checksAxe(width, scheme)) {
            const report = await axe(page);
            expect(report.passes, `axe ran on ${where}`).toBeGreaterThan(10);
            violations.push(...report.violations);
          }
          const problems = [
            ...found.overflow.map((p) => `${where}: sideways scrolling: ${p}`),
            ...found.clipped.map((p) => `${where}: clipped control: ${p}`),
            ...found.targets.map((p) => `${where}: target under ${MIN_TARGET}×${MIN_TARGET} px: ${p}`),
            ...violations.map((v) => `${where}: axe: ${v}`),
          ];
          expect(problems).toEqual([]);
        });
      }
    });
  }
}
