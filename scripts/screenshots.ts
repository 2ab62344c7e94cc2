/**
 * `npm run screenshots`: the README's screenshots, written into docs/.
 * Builds nothing (run `npm run build` first: it serves dist/ as `npm run serve`
 * does). Starts Herald on a temporary DATA_DIR with the demo content, a local
 * SMTP server with three confirmed subscribers, an open incident and a
 * scheduled maintenance window; signs in to the console in Debian's Chromium;
 * takes fixed-size screenshots; then stops everything and removes the DATA_DIR.
 * Times on the pages are those of the run; everything else is fixed.
 */
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../tests/helpers/browser.ts';
import { SITE, outboxSettled, subscribeAndConfirm } from '../tests/helpers/mail-flow.ts';
import { startHerald, stopAll, type HeraldProcess } from '../tests/helpers/server.ts';
import { startSmtp, type TestSmtp } from '../tests/helpers/smtp.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCS = `${ROOT}docs/`;
/** Pages are cut to this height at most (a full page otherwise): README images, not posters. */
const MAX_HEIGHT = 4000;
/** A screenshot heavier than this is reported: the README should stay light. */
const MAX_BYTES = 400 * 1024;
let tooHeavy = 0;

/** Reports what was written, and counts a file over MAX_BYTES. */
function written(name: string, width: number, height: number): void {
  const kb = Math.round(statSync(`${DOCS}${name}.png`).size / 1024);
  const heavy = kb * 1024 > MAX_BYTES;
  if (heavy) tooHeavy++;
  console.log(`docs/${name}.png ${width}×${height}, ${kb} KB${heavy ? ` (over ${MAX_BYTES / 1024} KB)` : ''}`);
}

type Json = Record<string, any>;
type Scheme = 'light' | 'dark';

if (!existsSync(`${ROOT}dist/server/entry.mjs`)) {
  console.error('screenshots: no build in dist/ (run `npm run build` first)');
  process.exit(1);
}

let smtp: TestSmtp | undefined;
let h: HeraldProcess | undefined;
let browser: Browser | undefined;
const cleanUp = () => stopAll(browser, h, smtp);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void cleanUp().finally(() => process.exit(130));
  });
}

async function admin(path: string, body: unknown): Promise<Json> {
  const res = await h!.admin(path, { body });
  if (res.status >= 300) throw new Error(`POST /api/admin${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Json;
}

/** The content: the demo seed, three subscribers, an open incident (its disruption notices sent) and a maintenance window. */
async function seed(): Promise<{ open: string; resolved: string }> {
  await subscribeAndConfirm(h!, smtp!, 'alice@example.com', ['card-payments', 'payouts']);
  await subscribeAndConfirm(h!, smtp!, 'bob@example.com');
  await subscribeAndConfirm(h!, smtp!, 'carol@example.com', ['website']);
  const minute = 60_000;
  const open = await admin('/incidents', {
    name: 'Card payments failing for some customers',
    impact: 'major',
    body: 'We are investigating reports of failed card payments in the EU region. Retrying the payment may succeed.',
    components: { 'card-payments': 'partial_outage' },
    started_at: new Date(Date.now() - 20 * minute).toISOString(),
  });
  await admin(`/incidents/${open.id}/updates`, {
    status: 'identified',
    body: 'We have identified the issue affecting **Card payments**: a certificate rotation at our EU acquirer. We are working with them on a fix.',
    eta: new Date(Date.now() + 60 * minute).toISOString(),
  });
  const start = new Date(Date.now() + 2 * 1440 * minute);
  start.setUTCHours(2, 0, 0, 0);
  await admin('/maintenances', {
    name: 'Database upgrade',
    scheduled_for: start.toISOString(),
    scheduled_until: new Date(start.getTime() + 60 * minute).toISOString(),
    components: ['database'],
    body: 'We will upgrade the primary database. Expect up to 2 minutes of read-only mode.',
    notify: false,
  });
  await outboxSettled(h!, 1);
  const { incidents } = (await (await h!.admin('/incidents')).json()) as { incidents: Array<{ id: string; status: string }> };
  const resolved = incidents.find((i) => i.status === 'resolved');
  if (!resolved) throw new Error('the demo content has no resolved incident');
  return { open: open.id, resolved: resolved.id };
}

/** A context of the given width and scheme (900 px tall at 1280, 740 at 360), at 1 device pixel per CSS pixel. */
function contextFor(width: number, colorScheme: Scheme): Promise<BrowserContext> {
  return browser!.newContext({
    viewport: { width, height: width < 600 ? 740 : 900 },
    colorScheme,
    deviceScaleFactor: 1,
    reducedMotion: 'reduce',
  });
}

/** Signs in to the console with the admin token, as a person would: through the form. */
async function signIn(page: Page): Promise<void> {
  await page.goto(`${h!.url}/admin/login`);
  await page.fill('#name', 'Dana');
  await page.fill('#secret', h!.token);
  await Promise.all([page.waitForURL(`${h!.url}/admin`), page.click('button[type="submit"]')]);
}

async function open(page: Page, path: string): Promise<void> {
  const res = await page.goto(`${h!.url}${path}`, { waitUntil: 'load' });
  if (res?.status() !== 200) throw new Error(`${path} answered ${res?.status()}`);
}

/** Saves docs/<name>.png: the whole page up to MAX_HEIGHT. */
async function shoot(page: Page, name: string): Promise<void> {
  const { width } = page.viewportSize()!;
  const height = Math.min(MAX_HEIGHT, await page.evaluate(() => document.documentElement.scrollHeight));
  await page.screenshot({ path: `${DOCS}${name}.png`, fullPage: true, clip: { x: 0, y: 0, width, height }, animations: 'disabled' });
  written(name, width, height);
}

try {
  smtp = await startSmtp();
  h = await startHerald({
    env: {
      HERALD_SEED: 'demo',
      SMTP_URL: smtp.url,
      SITE_URL: SITE,
      SITE_NAME: 'Acme Status',
      MAIL_FROM: 'Acme <status@example.test>',
      STATIC_SNAPSHOT: 'false',
      MAINTENANCE_REMINDER_MINUTES: '0',
    },
  });
  const ids = await seed();
  browser = await launchBrowser();

  // The public pages: the status page, an open incident, a resolved one.
  const shots: Array<[name: string, path: string, width: number, scheme: Scheme]> = [
    ['status-page', '/', 1280, 'light'],
    ['status-page-360', '/', 360, 'light'],
    ['status-page-dark-360', '/', 360, 'dark'],
    ['incident-360', `/incidents/${ids.open}`, 360, 'light'],
    ['incident-dark-360', `/incidents/${ids.open}`, 360, 'dark'],
    ['incident-resolved', `/incidents/${ids.resolved}`, 1280, 'light'],
    ['incident-resolved-dark', `/incidents/${ids.resolved}`, 1280, 'dark'],
  ];
  for (const [name, path, width, scheme] of shots) {
    const ctx = await contextFor(width, scheme);
    const page = await ctx.newPage();
    await open(page, path);
    await shoot(page, name);
    await ctx.close();
  }

  // The console: the dashboard, then a declare form filled in and its preview.
  const page = await (await contextFor(1280, 'light')).newPage();
  await signIn(page);
  await open(page, '/admin');
  await shoot(page, 'console-dashboard');
  await open(page, '/admin/incidents/new');
  await page.fill('#name', 'Payouts delayed for some customers');
  await page.check('input[name="severity"][value="sev1"]');
  await page.selectOption('#component-payouts', 'major_outage');
  await Promise.all([page.waitForURL('**/admin/preview'), page.click('button:has-text("Preview")')]);
  // A viewport as tall as the page rather than a full-page capture, which leaves the (out-of-process) email frame blank.
  const height = Math.min(MAX_HEIGHT, await page.evaluate(() => document.documentElement.scrollHeight));
  await page.setViewportSize({ width: 1280, height });
  await page.frameLocator('iframe.email-frame').locator('table').first().waitFor();
  await page.screenshot({ path: `${DOCS}console-preview.png`, animations: 'disabled' });
  written('console-preview', 1280, height);
} finally {
  await cleanUp();
}
if (tooHeavy > 0) {
  console.error(`screenshots: ${tooHeavy} file(s) over ${MAX_BYTES / 1024} KB`);
  process.exitCode = 1;
}
