import { afterAll, beforeAll, describe, expect, it as vitestIt } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { closeWithin, launchBrowser } from '../helpers/browser.ts';
import { until } from '../helpers/poll.ts';
import { bannerChanges, watchBanner } from '../helpers/banner-watch.ts';
import { contrast } from '../helpers/colour.ts';
import { readFileSync } from 'node:fs';

/**
 * public/embed.js in real Chromium, on a host page served from another
 * origin (another loopback port) with a strict CSP of its own: the banner
 * appears when an incident is declared, a keyboard dismissal hides it and
 * is remembered, the next update brings it back, and the host page keeps
 * working when Herald is down.
 */
let herald: HeraldProcess;
let host: Server;
let hostUrl = '';
let browser: Browser;
let page: Page;
const pageErrors: Error[] = [];

const banner = () => page.locator('[data-herald-banner] [role="status"]');
const bannerPolled = () => page.waitForResponse((r) => r.url().includes('/api/banner.json'));

function hostPage(heraldUrl: string, components = 'api', attributes = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme app</title></head>
<body><h1>Acme app</h1><button id="count" type="button">0</button>
<script src="/app.js"></script>
<script src="${heraldUrl}/embed.js" data-components="${components}" data-interval="1" async${attributes}></script></body></html>`;
}

beforeAll(async () => {
  herald = await startHerald({ env: { SITE_URL: 'https://status.example.com' } });
  expect((await herald.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
  expect((await herald.admin('/components', { body: { id: 'billing', name: 'Billing' } })).status).toBe(201);
  const heraldUrl = herald.url;
  host = createServer((req, res) => {
    if (req.url === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(
        "document.getElementById('count').addEventListener('click', (e) => { e.target.textContent = String(Number(e.target.textContent) + 1); });",
      );
      return;
    }
    // The host's own CSP: no inline styles, scripts from itself and Herald, fetches to Herald.
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'self'; script-src 'self' ${heraldUrl}; connect-src ${heraldUrl}; style-src 'self'`,
      // /isolated: a host that loads only what opts in to being loaded by other origins.
      ...(req.url === '/isolated' ? { 'cross-origin-embedder-policy': 'require-corp' } : {}),
    });
    // /search: an app that cares about the search component only (the maintenance below).
    // /crossorigin: a tag loaded in CORS mode, as subresource integrity and many frameworks' tags are.
    res.end(hostPage(heraldUrl, req.url === '/search' ? 'search' : 'api', req.url === '/crossorigin' ? ' crossorigin="anonymous"' : ''));
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}/`;
  browser = await launchBrowser();
  page = await browser.newPage();
  page.on('pageerror', (err) => pageErrors.push(err));
}, 60_000);

afterAll(() => stopAll(browser, host, herald));

/**
 * The three describes below run side by side: their tests spend most of their time waiting for the banner's
 * polls (a second apart at the least), each describe on a page, a host and a Herald or stand-ins of its own.
 * Within each, the tests run one after another (`it` here), as they share its page or its stand-ins' answers.
 */
const beside = { concurrent: true } as const;
const it = (name: string, fn: () => Promise<void>, timeout?: number) => vitestIt(name, { concurrent: false, timeout }, fn);

describe('embed.js on another origin', beside, () => {
  it('shows nothing while all is well, then the banner once an incident is declared', async () => {
    const polled = bannerPolled();
    await page.goto(hostUrl);
    expect((await polled).status()).toBe(200);
    expect(await page.locator('[data-herald-banner]').count()).toBe(0);

    // An incident on a component this app did not ask for does not show.
    await herald.admin('/incidents', {
      body: { name: 'Invoices delayed', impact: 'minor', body: 'Billing is slow.', components: { billing: 'degraded_performance' } },
    });
    // The first poll may have left before the write; the second left after the first was applied.
    await bannerPolled();
    const other = await bannerPolled();
    expect((await other.json()) as any).toMatchObject({ active: false, indicator: 'none' });
    expect(await page.locator('[data-herald-banner]').count()).toBe(0);

    const res = await herald.admin('/incidents', {
      body: {
        name: 'API errors',
        impact: 'major',
        body: 'We are investigating **elevated** errors.',
        components: { api: 'partial_outage' },
      },
    });
    const id = ((await res.json()) as any).id;
    await banner().filter({ hasText: 'API errors' }).waitFor();
    expect(await banner().getAttribute('aria-live')).toBe('polite');
    expect(await banner().textContent()).toContain('API errors');
    expect(await banner().textContent()).toContain('We are investigating elevated errors.');
    expect(await banner().locator('a').getAttribute('href')).toBe(`https://status.example.com/incidents/${id}`);
  }, 30_000);

  it('styles apply under the host page CSP (constructed stylesheet in the shadow root), light and dark, motion only when welcome', async () => {
    const style = () =>
      banner().evaluate((el) => {
        const s = getComputedStyle(el);
        // Fixed: the shelf the banners stack in (one per status page).
        const shelf = (el.getRootNode() as ShadowRoot).host.parentElement!;
        return { position: getComputedStyle(shelf).position, background: s.backgroundColor, animation: s.animationName };
      });
    await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' });
    expect(await style()).toEqual({ position: 'fixed', background: 'rgb(255, 255, 255)', animation: 'herald-in' });
    await page.emulateMedia({ colorScheme: 'dark', reducedMotion: 'reduce' });
    expect(await style()).toEqual({ position: 'fixed', background: 'rgb(31, 35, 40)', animation: 'none' });
    // Host styles do not leak in: the page's own h1 is untouched and the banner lives in a shadow root.
    expect(await page.locator('[data-herald-banner]').evaluate((el) => el.shadowRoot !== null)).toBe(true);
  });

  it('hides on a keyboard dismissal and stays hidden across polls and reloads', async () => {
    const close = page.getByRole('button', { name: 'Dismiss status message' });
    await close.focus();
    await page.keyboard.press('Enter');
    expect(await page.locator('[data-herald-banner]').count()).toBe(0);
    await bannerPolled();
    await bannerPolled();
    expect(await page.locator('[data-herald-banner]').count()).toBe(0);
    const polled = bannerPolled();
    await page.reload();
    await polled;
    expect(await page.locator('[data-herald-banner]').count()).toBe(0);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('herald-banner-dismissed:')).length)).toBe(1);
  }, 30_000);

  it('shows again on the next update, and Escape dismisses it too', async () => {
    const list = (await (await herald.admin('/incidents')).json()) as any;
    const id = list.incidents.find((i: any) => i.name === 'API errors').id;
    await herald.admin(`/incidents/${id}/updates`, { body: { status: 'identified', body: 'We found the cause.' } });
    await banner().filter({ hasText: 'We found the cause.' }).waitFor();
    expect(await banner().textContent()).toContain('We found the cause.');
    await banner().locator('a').focus();
    await page.keyboard.press('Escape');
    expect(await page.locator('[data-herald-banner]').count()).toBe(0);
  }, 30_000);

  it("an estimate on another day than the reader's today shows its date, in the reader's language and time zone", async () => {
    const list = (await (await herald.admin('/incidents')).json()) as any;
    const id = list.incidents.find((i: any) => i.name === 'API errors').id;
    const eta = new Date(Date.now() + 3 * 86_400_000);
    eta.setUTCSeconds(0, 0);
    const res = await herald.admin(`/incidents/${id}/updates`, {
      body: { status: 'monitoring', body: 'A fix is out.', eta: eta.toISOString() },
    });
    expect(res.status).toBe(201);
    const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'Asia/Tokyo' });
    try {
      const reader = await context.newPage();
      await reader.goto(hostUrl);
      const shown = reader.locator('[data-herald-banner] [role="status"]').filter({ hasText: 'A fix is out.' });
      await shown.waitFor();
      const inTokyo = (o: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat('en-GB', { ...o, timeZone: 'Asia/Tokyo' }).format(eta);
      const day = inTokyo({ day: 'numeric', month: 'short' }); // e.g. "5 Dec"
      const time = inTokyo({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
      // Before, only the time: "Estimated resolution: 19:00." three days ahead; then without the zone's name.
      expect(await shown.textContent()).toMatch(new RegExp(`A fix is out\\. Estimated resolution: ${day}( \\d{4})?, ${time} GMT\\+9\\.`));
    } finally {
      await closeWithin(context)();
    }
  }, 30_000);

  it('a reader whose clock has 12 hours reads the hour as their clock shows it: 9:05 AM, not 09:05 AM', async () => {
    const list = (await (await herald.admin('/incidents')).json()) as any;
    const id = list.incidents.find((i: any) => i.name === 'API errors').id;
    // Tomorrow (or later) at 09:05 in New York: 14:05 UTC in winter, 13:05 in summer.
    const eta = new Date(Date.now() + 2 * 86_400_000);
    eta.setUTCHours(14, 5, 0, 0);
    if (new Intl.DateTimeFormat('en-US', { hour: 'numeric', hourCycle: 'h23', timeZone: 'America/New_York' }).format(eta) === '10') {
      eta.setUTCHours(13);
    }
    const res = await herald.admin(`/incidents/${id}/updates`, {
      body: { status: 'monitoring', body: 'A fix is out.', eta: eta.toISOString() },
    });
    expect(res.status).toBe(201);
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'America/New_York' });
    try {
      const reader = await context.newPage();
      await reader.goto(hostUrl);
      const shown = reader.locator('[data-herald-banner] [role="status"]').filter({ hasText: 'A fix is out.' });
      await shown.waitFor();
      // Before: "Estimated resolution: Dec 7, 09:05 AM EST."
      expect(await shown.textContent()).toMatch(/A fix is out\. Estimated resolution: [A-Z][a-z]{2} \d{1,2}(, \d{4})?, 9:05\sAM E[SD]T\./);
    } finally {
      await closeWithin(context)();
    }
  }, 30_000);

  it("the banner states the estimate once, in the reader's zone with its name, and says when it has passed", async () => {
    const list = (await (await herald.admin('/incidents')).json()) as any;
    const id = list.incidents.find((i: any) => i.name === 'API errors').id;
    // Two hours ahead, at half past in Tokyo (UTC+9 all year): the reader's clock below moves a few
    // minutes about it without leaving its day, where the banner would add the date.
    const eta = new Date(Date.now() + 2 * 3_600_000);
    eta.setUTCMinutes(30, 0, 0);
    const body =
      'A fix is rolling out. We will update within 30 minutes.\n\n- **Affected services:** API\n- **Estimated resolution:** 19:19 GMT+9';
    expect((await herald.admin(`/incidents/${id}/updates`, { body: { status: 'monitoring', body, eta: eta.toISOString() } })).status).toBe(
      201,
    );
    const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'Asia/Tokyo' });
    try {
      const reader = await context.newPage();
      // The reader's clock starts a minute before the estimate and runs: a minute for a loaded machine to
      // draw the banner (Herald keeps the real clock, where the estimate is two hours ahead).
      await reader.clock.install({ time: eta.getTime() - 60_000 });
      await reader.goto(hostUrl);
      const shown = reader.locator('[data-herald-banner] [role="status"]').filter({ hasText: 'A fix is rolling out.' });
      await shown.waitFor();
      const time = new Intl.DateTimeFormat('en-GB', {
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
        timeZone: 'Asia/Tokyo',
      }).format(eta);
      // Before: "A fix is rolling out. We will … - Affected services: API - Estimated resolution: 19:19 GMT+9 Estimated resolution: 04:19."
      const message = shown.locator('a > span:not(.more)');
      const line = `A fix is rolling out. Estimated resolution: ${time} GMT+9`;
      expect(await message.textContent()).toBe(`${line}.`);
      // Once past (polled every second), it says so, as the status page does.
      await reader.clock.fastForward('02:00');
      await shown.filter({ hasText: '(passed)' }).waitFor({ timeout: 15_000 });
      expect(await message.textContent()).toBe(`${line} (passed).`);
    } finally {
      await closeWithin(context)();
    }
  }, 30_000);

  it("a running maintenance gives its window's scheduled end, in the reader's zone, and says when it has passed", async () => {
    expect((await herald.admin('/components', { body: { id: 'search', name: 'Search' } })).status).toBe(201);
    // The window ends two hours ahead at half past (in Tokyo too): the reader's clock below stays in its day.
    const until = new Date(Date.now() + 2 * 3_600_000);
    until.setUTCMinutes(30, 0, 0);
    const scheduled = await herald.admin('/maintenances', {
      body: {
        name: 'Search index rebuild',
        scheduled_for: new Date(Date.now() - 60_000).toISOString(),
        scheduled_until: until.toISOString(),
        components: ['search'],
        // Started by hand below (the scheduler would start a window already due on its own).
        auto_transitions: false,
      },
    });
    expect(scheduled.status).toBe(201);
    const { id } = (await scheduled.json()) as { id: string };
    expect((await herald.admin(`/maintenances/${id}/start`, { method: 'POST' })).status).toBe(201);
    const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'Asia/Tokyo' });
    try {
      const reader = await context.newPage();
      await reader.clock.install({ time: until.getTime() - 60_000 });
      await reader.goto(`${hostUrl}search`);
      const shown = reader.locator('[data-herald-banner] [role="status"]').filter({ hasText: 'Search index rebuild' });
      await shown.waitFor();
      const time = new Intl.DateTimeFormat('en-GB', {
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
        timeZone: 'Asia/Tokyo',
      }).format(until);
      const message = shown.locator('a > span:not(.more)');
      // Before: the banner's eta was null during the window, so nothing said when it ends.
      expect(await message.textContent()).toMatch(new RegExp(`\\. Scheduled end: ${time} GMT\\+9\\.$`));
      expect(await message.textContent()).not.toContain('Estimated resolution');
      // Once the window has run over (polled every second), it says so, as an estimate does.
      await reader.clock.fastForward('02:00');
      await shown.filter({ hasText: '(passed)' }).waitFor({ timeout: 15_000 });
      expect(await message.textContent()).toMatch(new RegExp(`\\. Scheduled end: ${time} GMT\\+9 \\(passed\\)\\.$`));
    } finally {
      await closeWithin(context)();
    }
  }, 30_000);

  it('loads on a host page that isolates itself (COEP require-corp), where only resources that opt in load', async () => {
    const isolated = await browser.newPage();
    try {
      const polled = isolated.waitForResponse((r) => r.url().includes('/api/banner.json'), { timeout: 10_000 });
      const script = isolated.waitForResponse((r) => r.url().endsWith('/embed.js'));
      await isolated.goto(`${hostUrl}isolated`);
      expect((await script).headers()['cross-origin-resource-policy']).toBe('cross-origin');
      // The script ran: it polled.
      expect((await polled).status()).toBe(200);
    } finally {
      await closeWithin(isolated)();
    }
  });

  it('loads from a tag with crossorigin (CORS mode, as subresource integrity needs), its revalidation too', async () => {
    const cors = await browser.newPage();
    try {
      const polled = cors.waitForResponse((r) => r.url().includes('/api/banner.json'), { timeout: 10_000 });
      const script = cors.waitForResponse((r) => r.url().endsWith('/embed.js'));
      await cors.goto(`${hostUrl}crossorigin`);
      expect((await script).headers()['access-control-allow-origin']).toBe('*');
      // The script ran: it polled. Before, Chromium refused it ("blocked by CORS policy") and nothing polled.
      expect((await polled).status()).toBe(200);
    } finally {
      await closeWithin(cors)();
    }
    const first = await fetch(`${herald.url}/embed.js`);
    const again = await fetch(`${herald.url}/embed.js`, {
      headers: { origin: hostUrl.slice(0, -1), 'if-none-match': first.headers.get('etag') ?? '' },
    });
    expect(again.status).toBe(304);
    expect(again.headers.get('access-control-allow-origin')).toBe('*');
    expect(again.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
  });

  it('pauses polling in a hidden tab and resumes when visible', async () => {
    const requests: string[] = [];
    const onRequest = (r: { url(): string }) => {
      if (r.url().includes('/api/banner.json')) requests.push(r.url());
    };
    await bannerPolled();
    await page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    page.on('request', onRequest);
    await page.waitForTimeout(2_500); // more than two poll intervals
    expect(requests).toEqual([]);
    const resumed = page.waitForRequest((r) => r.url().includes('/api/banner.json'));
    await page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await resumed;
    page.off('request', onRequest);
  }, 30_000);

  it('the host page keeps working when Herald is down, before and after it loaded', async () => {
    await herald.stop();
    const failed = page.waitForEvent('requestfailed', (r) => r.url().includes('/api/banner.json'));
    await failed;
    await page.locator('#count').click();
    await page.locator('#count').click();
    expect(await page.locator('#count').textContent()).toBe('2');
    // A fresh load with Herald unreachable: embed.js itself fails to load.
    await page.reload();
    await page.locator('#count').click();
    expect(await page.locator('#count').textContent()).toBe('1');
    expect(pageErrors).toEqual([]);
  }, 30_000);
});

describe('embed.js and a Herald that accepts connections and never answers', beside, () => {
  it('gives a poll up after its interval (5 s at the least) and polls again, rather than waiting on it for good; added after load as the README shows', async () => {
    const embed = readFileSync(new URL('../../public/embed.js', import.meta.url));
    const polls: number[] = [];
    const asked: string[] = [];
    const hung = createServer((req, res) => {
      if (req.url === '/embed.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(embed);
      if (req.url?.startsWith('/api/banner.json')) {
        polls.push(Date.now());
        asked.push(req.url);
        return; // never answered
      }
      // The README's way to keep the host's load event Herald's business alone: the script added once the page has loaded.
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme app</title></head>
<body><h1>Acme app</h1><script>
addEventListener('load', () => {
  const s = Object.assign(document.createElement('script'), { src: '${hungUrl}/embed.js', async: true });
  s.dataset.components = 'api,dashboard';
  s.dataset.interval = '1';
  document.body.append(s);
});
</script></body></html>`);
    });
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const hungUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
    const tab = await browser.newPage();
    try {
      await tab.goto(`${hungUrl}/app`);
      await until(() => polls.length >= 2, 'a second poll after the first hung', 15_000);
      expect(polls[1]! - polls[0]!).toBeGreaterThanOrEqual(4_900);
      expect(asked[0], 'the script added after load read its data- attributes').toMatch(/[?&]components=api%2Cdashboard(&|$)/);
    } finally {
      await closeWithin(tab)();
      hung.closeAllConnections();
      await new Promise((resolve) => hung.close(resolve));
    }
  }, 30_000);
});

/**
 * What the banner does on pages it does not control, in small windows and beside other copies of
 * itself, against stand-in Heralds (two origins) that serve public/embed.js and the banner.json a test
 * sets, with its ETag (a 304 while unchanged) as Herald answers. Without the entrance animation: the boxes
 * are measured where they stay, not 12 px lower on their way in.
 */
describe('embed.js on hostile pages, in small windows, several copies on a page', beside, () => {
  interface Standin {
    url: string;
    server: Server;
    /** What /api/banner.json answers (a 200, JSON), or a function of the URL asked for. */
    answer: unknown;
    polls: string[];
  }
  const EMBED = new URL('../../public/embed.js', import.meta.url);
  const standins: Standin[] = [];
  let pages: Server;
  let pagesUrl = '';
  /** The host page the next navigation gets (any path). */
  let hostHtml = '';

  const incident = (key: string, more: Record<string, unknown> = {}) => ({
    active: true,
    indicator: 'major',
    title: `Incident ${key}`,
    message: 'We are investigating.',
    url: `https://status.example.com/incidents/${key}`,
    kind: 'incident',
    eta: null,
    dismiss_key: key,
    ...more,
  });
  const tag = (s: Standin, attrs = '') => `<script src="${s.url}/embed.js" ${attrs} async></script>`;
  const htmlWith = (body: string, { css = '', html = '<html lang="en">' } = {}) =>
    `<!doctype html>${html}<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Acme app</title>${css ? `<style>${css}</style>` : ''}</head><body><main><h1>Acme app</h1><p>The app.</p></main>${body}</body></html>`;
  const polled = async (s: Standin, n: number) => {
    const want = s.polls.length + n;
    await until(() => s.polls.length >= want, `${n} more polls of ${s.url}`, 10_000);
  };
  /** Each banner on the page: its box's place, what it says, and the hit test at its middle. */
  const banners = (p: Page) =>
    p.evaluate(() =>
      [...document.querySelectorAll('[data-herald-banner]')].map((h) => {
        const box = h.shadowRoot!.querySelector('[role="status"]') as HTMLElement;
        const r = box.getBoundingClientRect();
        const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        return {
          text: box.textContent ?? '',
          rect: { top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height, width: r.width },
          inView: r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth,
          onTop: hit === h || hit?.closest('[data-herald-banner]') === h,
        };
      }),
    );
  /** The colour drawn at a point of the window ("r,g,b"), read from a screenshot: what covers what, as painted. */
  const drawnAt = async (p: Page, x: number, y: number) => {
    const png = await p.screenshot({ clip: { x: Math.round(x), y: Math.round(y), width: 1, height: 1 } });
    return p.evaluate(
      async (bytes) => {
        const img = await createImageBitmap(new Blob([new Uint8Array(bytes)], { type: 'image/png' }));
        const ctx = new OffscreenCanvas(1, 1).getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        return [...ctx.getImageData(0, 0, 1, 1).data].slice(0, 3).join(',');
      },
      [...png],
    );
  };
  const shows = async (p: Page, text: string) =>
    until(async () => (await banners(p)).some((b) => b.text.includes(text)), `a banner saying ${JSON.stringify(text)}`, 10_000);
  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const s: Standin = { url: '', server: null as unknown as Server, answer: { active: false }, polls: [] };
      s.server = createServer((req, res) => {
        const cors = { 'access-control-allow-origin': '*' };
        if (req.url === '/embed.js')
          return void res.writeHead(200, { 'content-type': 'text/javascript', ...cors }).end(readFileSync(EMBED));
        if (!req.url?.startsWith('/api/banner.json')) return void res.writeHead(404).end();
        s.polls.push(req.url);
        const body = JSON.stringify(typeof s.answer === 'function' ? s.answer(req.url) : s.answer);
        const etag = `"${Buffer.from(body).toString('base64url').slice(-40)}${body.length}"`;
        if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag, ...cors }).end();
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache', etag, ...cors }).end(body);
      });
      await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
      s.url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
      standins.push(s);
    }
    pages = createServer((_req, res) => void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(hostHtml));
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    pagesUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}/`;
  });

  afterAll(() => stopAll(pages, ...standins.map((s) => s.server)));

  it('page CSS neither hides nor restyles it: the host is no div, and its !important declarations win', async () => {
    const [a] = standins as [Standin];
    a.answer = incident('css', { title: 'Payments failing' });
    const HOSTILE = [
      'div:empty{display:none}',
      'div{display:none}',
      '*{visibility:hidden} main, main *{visibility:visible}',
      'body > div{transform:scale(.5);filter:blur(2px);opacity:.3}',
      'body > *:not(main){display:none!important;opacity:0!important}',
      '*{all:unset} body{display:block;text-transform:uppercase;letter-spacing:5px;word-spacing:20px;font-style:italic;line-height:3}',
      // The shelf is a popover: a page's rules for its own.
      '[popover],:popover-open{display:none!important;inset:0!important;margin:auto!important;opacity:0!important}',
    ];
    const p = await browser.newPage({ reducedMotion: 'reduce' });
    try {
      const seen = [];
      for (const css of HOSTILE) {
        hostHtml = htmlWith(tag(a, 'data-interval="1"'), { css });
        await p.goto(pagesUrl);
        await until(async () => (await banners(p)).some((b) => b.text.includes('Payments failing')), `the banner under ${css}`, 10_000);
        const [banner] = await banners(p);
        const look = await p.evaluate(() => {
          const h = document.querySelector('[data-herald-banner]')!;
          const s = getComputedStyle(h.shadowRoot!.querySelector('strong')!);
          const hs = getComputedStyle(h);
          return {
            textTransform: s.textTransform,
            letterSpacing: s.letterSpacing,
            fontStyle: s.fontStyle,
            filter: hs.filter,
            opacity: hs.opacity,
          };
        });
        seen.push({ css, inView: banner!.inView, onTop: banner!.onTop, ...look });
      }
      expect(seen).toEqual(
        HOSTILE.map((css) => ({
          css,
          inView: true,
          onTop: true,
          textTransform: 'none',
          letterSpacing: 'normal',
          fontStyle: 'normal',
          filter: 'none',
          opacity: '1',
        })),
      );
    } finally {
      await closeWithin(p)();
    }
  }, 30_000);

  // From a hunt: a fixed box is fixed to an ancestor with a transform, filter or containment; under body{transform}
  // the banner sat at the foot of a 3000 px page (y 2999-3089 in an 800×600 window), out of view.
  it('stays at the foot of the window when the page puts a transform, filter or containment on body or html, and paints no backdrop', async () => {
    const [a] = standins as [Standin];
    a.answer = incident('fixed', { title: 'Payments failing' });
    const CONTAINING = [
      'body{transform:translateZ(0)}',
      'body{filter:blur(0)}',
      'body{will-change:transform}',
      'body{contain:paint}',
      'body{backdrop-filter:blur(1px)}',
      'body{perspective:500px}',
      'html{transform:translateZ(0)}',
      'html{will-change:transform}',
    ];
    const p = await browser.newPage({ viewport: { width: 800, height: 600 }, reducedMotion: 'reduce' });
    try {
      const seen = [];
      for (const css of CONTAINING) {
        // A long page, and a backdrop rule as pages write for their dialogs: the banner's shelf has none.
        hostHtml = htmlWith(tag(a, 'data-interval="1"'), {
          css: `${css} body{background:#fff} main{height:3000px} ::backdrop{background:#f00}`,
        });
        await p.goto(pagesUrl);
        await shows(p, 'Payments failing');
        const [banner] = await banners(p);
        // A pixel of the page beside the banner, as drawn: white unless something covers the page.
        const pixel = await drawnAt(p, 700, 300);
        seen.push({ css, inView: banner!.inView, onTop: banner!.onTop, bottom: Math.round(banner!.rect.bottom), pixel });
      }
      // 2vmin above the window's foot, as on a plain page.
      expect(seen).toEqual(CONTAINING.map((css) => ({ css, inView: true, onTop: true, bottom: 588, pixel: '255,255,255' })));
      // Still a banner to dismiss, by keyboard too.
      await p.locator('[data-herald-banner] button').focus();
      await p.keyboard.press('Enter');
      expect(await banners(p)).toEqual([]);
    } finally {
      await closeWithin(p)();
    }
  }, 60_000);

  // From a review: in the top layer over a modal dialog, the banner covered it, and a click on its × reached the dialog.
  it('is not drawn over a modal dialog the page has open, joins the top layer once it closes, and again after the page hides every popover', async () => {
    const [a] = standins as [Standin];
    a.answer = incident('modal', { title: 'Payments failing' });
    const p = await browser.newPage({ viewport: { width: 800, height: 600 }, reducedMotion: 'reduce' });
    // The colour drawn at the middle of the banner's box: the dialog's blue when the dialog is over it.
    const drawnAtBanner = async () => {
      const [banner] = await banners(p);
      const { left, right, top, bottom } = banner!.rect;
      return drawnAt(p, (left + right) / 2, (top + bottom) / 2);
    };
    const inTopLayer = () => p.evaluate(() => document.querySelector('herald-status-banners')!.matches(':popover-open'));
    try {
      // A consent dialog across the foot of the window, opened as the page loads.
      hostHtml = htmlWith(
        `<dialog id="consent"><button id="accept">Accept all</button></dialog><script>document.getElementById('consent').showModal()</script>${tag(a, 'data-interval="1"')}`,
        {
          css: '#consent{position:fixed;inset:auto 0 0 0;margin:0;width:100%;max-width:none;height:240px;box-sizing:border-box;border:0;background:#00f}',
        },
      );
      await p.goto(pagesUrl);
      await shows(p, 'Payments failing');
      await polled(a, 2);
      // Before: in the top layer over the dialog, its colours drawn where the dialog is.
      expect(await inTopLayer()).toBe(false);
      expect(await drawnAtBanner()).toBe('0,0,255');
      await p.evaluate(() => (document.getElementById('consent') as HTMLDialogElement).close());
      await polled(a, 2);
      expect(await inTopLayer()).toBe(true);
      expect((await banners(p))[0]).toMatchObject({ inView: true, onTop: true });
      // A page (a router, a menu library) hiding every popover: the next poll puts the banner back.
      // Hidden and read in one step: a poll (every second here) may put it back before a second step reads it.
      const hidden = await p.evaluate(() => {
        for (const e of document.querySelectorAll('[popover]')) (e as HTMLElement).hidePopover();
        return !document.querySelector('herald-status-banners')!.matches(':popover-open');
      });
      expect(hidden).toBe(true);
      await polled(a, 2);
      // Before: left out of the top layer for good.
      expect(await inTopLayer()).toBe(true);
    } finally {
      await closeWithin(p)();
    }
  }, 30_000);

  it('a long title and message stay within a phone window and a 320×256 one (400% zoom), the dismiss button in view', async () => {
    const [a] = standins as [Standin];
    const long = (words: string, n: number) =>
      Array.from({ length: 60 }, () => words)
        .join(' ')
        .slice(0, n);
    a.answer = incident('long', {
      title: long('Payments and invoices failing', 200),
      message: `${long('Card payments are failing for some customers and we are looking into it', 270)}.`,
      eta: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const ctx = await browser.newContext({ viewport: { width: 360, height: 640 }, reducedMotion: 'reduce' });
    try {
      const p = await ctx.newPage();
      hostHtml = htmlWith(tag(a, 'data-interval="1"'));
      await p.goto(pagesUrl);
      await shows(p, 'Payments and invoices');
      const [phone] = await banners(p);
      expect(phone!.inView, JSON.stringify(phone!.rect)).toBe(true);
      // Before: 61% of the window.
      expect(phone!.rect.height / 640, 'share of a 360×640 window').toBeLessThanOrEqual(0.34);
      await p.setViewportSize({ width: 320, height: 256 });
      const [small] = await banners(p);
      // Before: its top at -235 px, the dismiss button above the window.
      expect(small!.inView, JSON.stringify(small!.rect)).toBe(true);
      expect(small!.rect.height / 256, 'share of a 320×256 window').toBeLessThanOrEqual(0.5);
      await p.locator('[data-herald-banner] button').click({ timeout: 10_000 });
      expect(await banners(p)).toEqual([]);
    } finally {
      await closeWithin(ctx)();
    }
  }, 30_000);

  it("the title's first word is not broken beside the severity: it starts a line of its own when it does not fit there", async () => {
    // From a hunt: the severity and the title were spans with no break between them, so "Critical impact Previ|ew".
    const [a] = standins as [Standin];
    a.answer = incident('word', { title: 'Internationalisation failing' });
    const p = await browser.newPage({ viewport: { width: 320, height: 640 }, reducedMotion: 'reduce' });
    try {
      hostHtml = htmlWith(tag(a, 'data-interval="1"'));
      await p.goto(pagesUrl);
      await shows(p, 'Internationalisation');
      const lines = await p.evaluate(() => {
        const t = document.querySelector('[data-herald-banner]')!.shadowRoot!.querySelector('.t')!;
        const range = document.createRange();
        range.setStart(t.firstChild!, 0);
        range.setEnd(t.firstChild!, 'Internationalisation'.length);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        return tops.size;
      });
      expect(lines, 'lines the first word takes').toBe(1);
    } finally {
      await closeWithin(p)();
    }
  }, 30_000);

  it('remembers each dismissal (the last 20), not only the last one; a key the earlier versions kept counts too', async () => {
    const [a] = standins as [Standin];
    const ctx = await browser.newContext({ reducedMotion: 'reduce' });
    try {
      // The earlier format: the one key, as it is.
      await ctx.addInitScript(`localStorage.setItem('herald-banner-dismissed:${a.url}', 'INC-old:u1')`);
      const p = await ctx.newPage();
      a.answer = incident('INC-old:u1');
      hostHtml = htmlWith(tag(a, 'data-interval="1"'));
      await p.goto(pagesUrl);
      await polled(a, 2);
      expect(await banners(p), 'dismissed in the earlier format').toEqual([]);
      a.answer = incident('MNT-1:u1', { indicator: 'maintenance', kind: 'maintenance', title: 'Database upgrade' });
      await shows(p, 'Database upgrade');
      await p.locator('[data-herald-banner] button').click();
      a.answer = incident('INC-2:u1', { title: 'Webhooks delayed' });
      await shows(p, 'Webhooks delayed');
      await p.locator('[data-herald-banner] button').click();
      // The incident resolves: the maintenance dismissed before it is what Herald shows again, with no news.
      a.answer = incident('MNT-1:u1', { indicator: 'maintenance', kind: 'maintenance', title: 'Database upgrade' });
      await polled(a, 2);
      expect(await banners(p), 'the maintenance dismissed before the incident').toEqual([]);
      const kept = await p.evaluate((key) => localStorage.getItem(key), `herald-banner-dismissed:${a.url}`);
      expect(JSON.parse(kept!)).toEqual(['INC-old:u1', 'MNT-1:u1', 'INC-2:u1']);
    } finally {
      await closeWithin(ctx)();
    }
  }, 30_000);

  it('on a right-to-left page in Arabic: the banner is English, left to right, its estimate in English; the title runs as written', async () => {
    const [a] = standins as [Standin];
    a.answer = incident('rtl', {
      title: 'تأخر في المدفوعات',
      message: 'We are investigating.',
      eta: new Date(Date.now() + 3 * 86_400_000).toISOString(),
    });
    const ctx = await browser.newContext({ locale: 'ar-EG', timezoneId: 'Asia/Tokyo', reducedMotion: 'reduce' });
    try {
      const p = await ctx.newPage();
      hostHtml = htmlWith(tag(a, 'data-interval="1"'), { html: '<html lang="ar" dir="rtl">' });
      await p.goto(pagesUrl);
      await shows(p, 'Estimated resolution');
      const seen = await p.evaluate(() => {
        const box = document.querySelector('[data-herald-banner]')!.shadowRoot!.querySelector('[role="status"]') as HTMLElement;
        const message = box.querySelector('a > span:not(.more)')!;
        const title = box.querySelector('strong')!.lastElementChild ?? box.querySelector('strong')!;
        // Where the last character (the full stop) is drawn: at the right end of the message's last line.
        let last: Node = message;
        while (last.lastChild) last = last.lastChild;
        const dot = document.createRange();
        dot.setStart(last, (last as Text).length - 1);
        dot.setEnd(last, (last as Text).length);
        const all = document.createRange();
        all.selectNodeContents(message);
        const d = dot.getBoundingClientRect();
        const lastLine = [...all.getClientRects()].filter((r) => Math.abs(r.top - d.top) < 2);
        return {
          direction: getComputedStyle(box).direction,
          lang: box.closest('[lang]')?.getAttribute('lang') ?? null,
          titleDirection: getComputedStyle(title).direction,
          message: message.textContent,
          dotAtTheEnd: d.right >= Math.max(...lastLine.map((r) => r.right)) - 0.5,
        };
      });
      expect(seen).toMatchObject({ direction: 'ltr', lang: 'en', titleDirection: 'rtl', dotAtTheEnd: true });
      // English words and digits, as the label beside it (before: "٥ ديسمبر ١٩:٠٠").
      expect(seen.message).toMatch(/^We are investigating\. Estimated resolution: [A-Z][a-z]{2} \d{1,2}, \d{1,2}:\d{2}\s[AP]M GMT\+9\.$/);
    } finally {
      await closeWithin(ctx)();
    }
  }, 30_000);

  it('an unchanged poll (a 304) writes nothing: the live region is not touched', async () => {
    const [a] = standins as [Standin];
    a.answer = incident('still', { title: 'Still broken', eta: new Date(Date.now() + 3_600_000).toISOString() });
    const p = await browser.newPage({ reducedMotion: 'reduce' });
    try {
      hostHtml = htmlWith(tag(a, 'data-interval="1"'));
      await p.goto(pagesUrl);
      await shows(p, 'Still broken');
      await watchBanner(p);
      await polled(a, 3);
      await p.waitForTimeout(100);
      expect(await bannerChanges(p)).toEqual([]);
    } finally {
      await closeWithin(p)();
    }
  }, 30_000);

  it('data-interval="Infinity" or "3000000" polls once, not without end (a timer past 2^31 ms fires at once)', async () => {
    const [a, b] = standins as [Standin, Standin];
    a.answer = b.answer = { active: false };
    const p = await browser.newPage({ reducedMotion: 'reduce' });
    try {
      const [na, nb] = [a.polls.length, b.polls.length];
      hostHtml = htmlWith(tag(a, 'data-interval="Infinity"') + tag(b, 'data-interval="3000000"'));
      await p.goto(pagesUrl);
      await p.waitForTimeout(3_000);
      // Before: 284 requests in 3 s.
      expect([a.polls.length - na, b.polls.length - nb]).toEqual([1, 1]);
    } finally {
      await closeWithin(p)();
    }
  }, 30_000);

  it('several copies: the same one twice is ignored with a warning, one banner per status page, and two status pages stack', async () => {
    const [a, b] = standins as [Standin, Standin];
    a.answer = incident('A-1', { title: 'Payments failing', indicator: 'critical' });
    b.answer = incident('B-1', { title: 'Search slow', indicator: 'minor' });
    const p = await browser.newPage({ reducedMotion: 'reduce' });
    const warnings: string[] = [];
    p.on('console', (m) => {
      if (m.type() === 'warning') warnings.push(m.text());
    });
    try {
      hostHtml = htmlWith(
        tag(a, 'data-components="api,web" data-interval="1"') +
          tag(a, 'data-components="api,web" data-interval="1"') +
          // Other components of the same status page, the same incident: shown once.
          tag(a, 'data-components="billing" data-interval="1"') +
          tag(b, 'data-interval="1"'),
      );
      const from = a.polls.length;
      await p.goto(pagesUrl);
      await shows(p, 'Payments failing');
      await shows(p, 'Search slow');
      await polled(a, 2);
      const shown = await banners(p);
      expect(shown.map((s) => s.text.includes('Payments failing')).sort()).toEqual([false, true]);
      for (const s of shown) expect(s.inView && s.onTop, JSON.stringify(s)).toBe(true);
      const [x, y] = shown.map((s) => s.rect);
      // Before: both at the same place, one hiding the other.
      expect(x!.bottom <= y!.top || y!.bottom <= x!.top, `${JSON.stringify(x)} and ${JSON.stringify(y)} do not overlap`).toBe(true);
      expect(new Set(a.polls.slice(from).map((u) => u.split('?')[1])), 'the two filters of A are polled').toEqual(
        new Set(['components=api%2Cweb', 'components=billing']),
      );
      expect(warnings.filter((w) => w.includes('embed.js'))).toHaveLength(1);
    } finally {
      await closeWithin(p)();
    }
  }, 30_000);

  // From a hunt: twins were told by the whole dismiss_key, which changes with every update, so the tag that
  // polled the new update first showed the record a second time, beside the other's stale text.
  it('two tags of one Herald that both show an incident: after an update, one banner with the new text', async () => {
    const [a] = standins as [Standin];
    const u1 = incident('INC-7:u1', { incident_id: 'INC-7', title: 'Payments failing', updated_at: '2026-12-06T04:00:00.000Z' });
    const u2 = incident('INC-7:u2', {
      incident_id: 'INC-7',
      title: 'Payments failing',
      message: 'We found the cause.',
      updated_at: '2026-12-06T04:10:00.000Z',
    });
    // The api tag (every 30 s) shows the incident first; the other tag's components are not in it yet.
    let other: unknown = { active: false };
    a.answer = (url: string) => (url.includes('website') ? other : u1);
    const p = await browser.newPage({ reducedMotion: 'reduce' });
    try {
      hostHtml = htmlWith(tag(a, 'data-components="api" data-interval="30"') + tag(a, 'data-components="api,website" data-interval="1"'));
      await p.goto(pagesUrl);
      await shows(p, 'We are investigating.');
      other = u1;
      await polled(a, 2);
      expect((await banners(p)).map((b) => b.text)).toEqual([expect.stringContaining('We are investigating.')]);
      // A keyboard user on its Details link.
      await p.locator('[data-herald-banner] a').focus();
      const focused = () => p.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.tagName ?? document.activeElement?.tagName);
      expect(await focused()).toBe('A');
      // A new update: the tag polled every second has it first.
      other = u2;
      a.answer = (url: string) => (url.includes('website') ? other : u2);
      await shows(p, 'We found the cause.');
      await polled(a, 2);
      // Before: two banners, the api tag's still saying "We are investigating."
      expect((await banners(p)).map((b) => b.text)).toEqual([expect.stringContaining('We found the cause.')]);
      // The banner showing it was given the update: the focus stayed on its link (a takeover dropped it to BODY).
      expect(await focused()).toBe('A');
    } finally {
      a.answer = { active: false };
      await closeWithin(p)();
    }
  }, 30_000);

  // From a hunt: the shelf grew past the window's top (at -63 px), and the top banner's dismiss button was out of reach.
  it('three stacked in a short window (400% zoom) stay within it, and each one can be dismissed', async () => {
    const [a, b] = standins as [Standin, Standin];
    a.answer = (url: string) =>
      url.includes('billing') ? incident('A-2', { title: 'Invoices late' }) : incident('A-1', { title: 'Payments failing' });
    b.answer = incident('B-1', { title: 'Search slow', indicator: 'minor' });
    const p = await browser.newPage({ viewport: { width: 640, height: 200 }, reducedMotion: 'reduce' });
    try {
      hostHtml = htmlWith(
        tag(a, 'data-components="api" data-interval="1"') +
          tag(a, 'data-components="billing" data-interval="1"') +
          tag(b, 'data-interval="1"'),
      );
      await p.goto(pagesUrl);
      for (const text of ['Payments failing', 'Invoices late', 'Search slow']) await shows(p, text);
      const shelf = await p.evaluate(() => {
        const r = document.querySelector('herald-status-banners')!.getBoundingClientRect();
        return { top: r.top, bottom: r.bottom };
      });
      expect(shelf.top, JSON.stringify(shelf)).toBeGreaterThanOrEqual(0);
      expect(shelf.bottom).toBeLessThanOrEqual(200);
      for (let left = 3; left > 0; left--) {
        // The one at the top (the last in the shelf) first: it is the one that was out of reach.
        await p.locator('[data-herald-banner] button').last().click({ timeout: 10_000 });
        expect(await banners(p)).toHaveLength(left - 1);
      }
    } finally {
      a.answer = { active: false };
      await closeWithin(p)();
    }
  }, 30_000);

  // From a hunt: after Turbo Drive's body swap the banner was gone until the next poll, and the tag run again was
  // "on the page twice; ignored".
  it('a body swapped for one with the same tag (Turbo, pjax) shows the banner again at once, without a warning', async () => {
    const [a] = standins as [Standin];
    a.answer = incident('swap', { title: 'Payments failing' });
    const p = await browser.newPage({ reducedMotion: 'reduce' });
    const warnings: string[] = [];
    p.on('console', (m) => {
      if (m.type() === 'warning') warnings.push(m.text());
    });
    try {
      // A day between polls: only the swap can bring it back within the test.
      hostHtml = htmlWith(tag(a, 'data-interval="86400"'));
      await p.goto(pagesUrl);
      await shows(p, 'Payments failing');
      await p.evaluate((src) => {
        const body = document.createElement('body');
        body.innerHTML = '<main><h1>Another page</h1></main>';
        const script = document.createElement('script');
        script.src = src;
        script.setAttribute('data-interval', '86400');
        body.append(script);
        document.body.replaceWith(body);
      }, `${a.url}/embed.js`);
      await shows(p, 'Payments failing');
      expect(warnings.filter((w) => w.includes('twice'))).toEqual([]);
    } finally {
      await closeWithin(p)();
    }
  }, 30_000);

  it("keeps what it shows on a 200 answer that is no banner (a proxy's or firewall's JSON error)", async () => {
    const [a] = standins as [Standin];
    a.answer = incident('waf', { title: 'Everything down', indicator: 'critical' });
    const p = await browser.newPage({ reducedMotion: 'reduce' });
    try {
      hostHtml = htmlWith(tag(a, 'data-interval="1"'));
      await p.goto(pagesUrl);
      await shows(p, 'Everything down');
      a.answer = { error: 'rate limited' };
      await polled(a, 2);
      // Before: hidden.
      expect((await banners(p)).map((s) => s.text)).toEqual([expect.stringContaining('Everything down')]);
    } finally {
      await closeWithin(p)();
    }
  }, 30_000);

  it('gives the focus back where it was before it entered the banner on a dismissal', async () => {
    const [a] = standins as [Standin];
    a.answer = incident('focus', { title: 'Everything down' });
    const p = await browser.newPage({ reducedMotion: 'reduce' });
    try {
      hostHtml = htmlWith(`<button id="before" type="button">Before</button>${tag(a, 'data-interval="1"')}`);
      await p.goto(pagesUrl);
      await shows(p, 'Everything down');
      await p.focus('#before');
      await p.keyboard.press('Tab');
      await p.keyboard.press('Tab');
      await p.keyboard.press('Enter');
      expect(await banners(p)).toEqual([]);
      // Before: on <body>.
      expect(await p.evaluate(() => document.activeElement?.id)).toBe('before');
    } finally {
      await closeWithin(p)();
    }
  }, 30_000);

  it('says its severity in words, not by colour alone, and its focus ring stands out at 3:1, light and dark', async () => {
    const [a] = standins as [Standin];
    a.answer = incident('crit', { title: 'Everything down', indicator: 'critical' });
    const p = await browser.newPage({ reducedMotion: 'reduce' });
    try {
      hostHtml = htmlWith(`<button id="before" type="button">Before</button>${tag(a, 'data-interval="1"')}`);
      await p.goto(pagesUrl);
      await shows(p, 'Everything down');
      const ring = () =>
        p.evaluate(() => {
          const root = document.querySelector('[data-herald-banner]')!.shadowRoot!;
          const focused = root.activeElement!;
          return {
            outline: getComputedStyle(focused).outlineColor,
            style: getComputedStyle(focused).outlineStyle,
            background: getComputedStyle(root.querySelector('[role="status"]')!).backgroundColor,
          };
        });
      await p.focus('#before');
      await p.keyboard.press('Tab');
      for (const [answer, word] of [
        [incident('crit', { title: 'Everything down', indicator: 'critical' }), 'Critical impact'],
        [incident('mnt', { title: 'Upgrade', indicator: 'maintenance', kind: 'maintenance' }), 'Maintenance'],
      ] as const) {
        a.answer = answer;
        // Before: the title and message only.
        await shows(p, `${word}${answer.title}`);
        for (const colorScheme of ['light', 'dark'] as const) {
          await p.emulateMedia({ colorScheme });
          const r = await ring();
          expect(r.style).toBe('solid');
          // Before: the severity colour, 2.9:1 for critical and maintenance on dark.
          expect(contrast(r.outline, r.background), `${word}, ${colorScheme}: ${r.outline} on ${r.background}`).toBeGreaterThanOrEqual(3);
        }
      }
    } finally {
      await closeWithin(p)();
    }
  }, 30_000);
});
