import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { until } from './poll.ts';

/**
 * The one browser of the e2e tests: Debian's Chromium (never a downloaded
 * one), headless, reaching out to nothing on its own, with axe-core injected
 * from node_modules and screenshots under test-results/.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AXE = `${ROOT}node_modules/axe-core/axe.min.js`;

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Closes a page or context after a test, giving up after `ms`: closing a page right after it navigated
 * sometimes hangs in Chromium (in CI once for the whole 60 s of the hook, the test itself passed). What
 * the test asserted is done by then; the browser is closed after the file, and with it what did not close.
 */
export function closeWithin(thing: Page | BrowserContext, ms = 10_000): () => Promise<void> {
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        console.warn(`a browser ${'goto' in thing ? 'page' : 'context'} did not close within ${ms} ms; left to the browser's close`);
        resolve();
      }, ms);
    });
    await Promise.race([thing.close(), late]).finally(() => clearTimeout(timer));
  };
}

/** The worker's one Chromium (see launchBrowser), started by the first suite that asks. */
let shared: Promise<Browser> | null = null;

/**
 * A suite's browser: /usr/bin/chromium, one per vitest worker, shared by the e2e suites it runs one after the other
 * (vitest.config.ts: no isolation between files). A launch and a close cost 1.2 s each time, in 26 suites. What a
 * suite gets is that browser as it would use its own: its contexts and pages are its own (a fresh profile each,
 * nothing shared but the process), and its close() closes those, each given `closeWithin`'s time, not the browser,
 * which ends with the worker (Playwright kills what it launched when its process exits). One found disconnected is
 * launched again.
 */
export async function launchBrowser(): Promise<Browser> {
  let browser = await (shared ??= chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] }));
  if (!browser.isConnected()) browser = await (shared = chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] }));
  const own = new Set<BrowserContext>();
  const newContext = async (options?: Parameters<Browser['newContext']>[0]) => {
    const context = await browser.newContext(options);
    own.add(context);
    context.once('close', () => own.delete(context));
    return context;
  };
  return new Proxy(browser, {
    get(target, prop) {
      if (prop === 'newContext') return newContext;
      // Browser.newPage's page has a context of its own: the same, closed with the suite's others.
      if (prop === 'newPage') return async (options?: Parameters<Browser['newPage']>[0]) => (await newContext(options)).newPage();
      if (prop === 'close') return async () => void (await Promise.all([...own].map((c) => closeWithin(c)())));
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * Waits for the focus to leave the body of a page just loaded. A browser moves it to an `autofocus` element when
 * it next renders (HTML's "flush autofocus candidates"), which on a busy machine comes after the load event: read
 * before, the focus was still on the body (one CI run). Polled from here, not with an animation frame, which never
 * comes in a context with JavaScript off.
 */
export async function focusMoved(page: Page, ms = 5_000): Promise<void> {
  await until(
    () => page.evaluate(() => document.activeElement !== null && document.activeElement !== document.body),
    'the focus to leave the body (autofocus)',
    ms,
  );
}

/** A context axe-core can be injected into: the pages' CSP allows no inline script, so it is bypassed (for the injected axe only). */
export function axeContext(browser: Browser, options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  return browser.newContext({ ...options, bypassCSP: true });
}

export const SERIOUS: readonly string[] = ['serious', 'critical'];

export interface AxeReport {
  /** How many rules passed (a sign that axe really ran). */
  passes: number;
  /** Violations at the impacts asked for, one line each: rule (impact) help, at the first three targets. */
  violations: string[];
}

let axeServed: Promise<string> | undefined;

/**
 * The URL of axe-core, served from node_modules by a loopback server of the test process (one per worker, left
 * idle and unref'd, so it holds nothing open). Loaded as a cacheable script rather than sent as the text of an
 * inline one (addScriptTag's `path`): Chromium then takes it from its HTTP cache and compiles it from its code
 * cache on the next pages of the browser, which cost about 0.1 s of CPU per page less (12 pages: 6.4 s of CPU
 * for the browser and this process, not 7.3-8.5 s).
 */
function axeUrl(): Promise<string> {
  axeServed ??= new Promise((resolve, reject) => {
    const source = readFileSync(AXE);
    const server = createServer((_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'public, max-age=86400, immutable',
        // Herald's pages are the ones axe checks (their CSP bypassed in axeContext): let any of them load it.
        'access-control-allow-origin': '*',
        'cross-origin-resource-policy': 'cross-origin',
      });
      res.end(source);
    });
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.unref();
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('the axe-core server has no port'));
      resolve(`http://127.0.0.1:${address.port}/axe.min.js`);
    });
  });
  return axeServed;
}

/** Injects axe-core into `page` (from node_modules, with addScriptTag), runs it on the document, and reports. */
export async function axe(page: Page, { impacts = SERIOUS }: { impacts?: readonly string[] } = {}): Promise<AxeReport> {
  await page.addScriptTag({ url: await axeUrl() });
  const { violations, passes } = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            ctx: Document,
            o: object,
          ) => Promise<{
            passes: unknown[];
            violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> }>;
          }>;
        };
      }
    ).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return {
      passes: r.passes.length,
      violations: r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
      })),
    };
  });
  return {
    passes,
    violations: violations
      .filter((v) => v.impact !== null && impacts.includes(v.impact))
      .map((v) => `${v.id} (${v.impact}) ${v.help}, at ${v.targets.join(', ')}`),
  };
}

/** The serious and critical axe-core violations on `page` (or those of the impacts asked for): [] when there are none. */
export async function axeViolations(page: Page, options: { impacts?: readonly string[] } = {}): Promise<string[]> {
  return (await axe(page, options)).violations;
}

/** Saves a PNG of `page` as test-results/<name>.png (name may hold folders: "console/declare"). */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  const path = `${ROOT}test-results/${name}.png`;
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path, fullPage: options.fullPage ?? false });
}

/**
 * Signs `page` in to the console through its sign-in form, as a Comms Lead does, and checks it landed on
 * the dashboard. The page stays open: closing a context's last page right after it navigated sometimes
 * hangs in Chromium.
 */
export async function signInWithForm(page: Page, baseUrl: string, name: string, secret: string): Promise<void> {
  await page.goto(`${baseUrl}/admin/login`);
  await page.fill('#name', name);
  await page.fill('#secret', secret);
  await page.click('button[type="submit"]');
  if (new URL(page.url()).pathname !== '/admin') throw new Error(`signing in as ${name} ended on ${page.url()}, not /admin`);
}
