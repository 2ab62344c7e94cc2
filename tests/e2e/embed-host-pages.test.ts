import { afterAll, beforeAll, describe, expect, it as vitestIt } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { closeWithin, launchBrowser } from '../helpers/browser.ts';
import { until } from '../helpers/poll.ts';
import { bannerChanges, watchBanner } from '../helpers/banner-watch.ts';

/**
 * public/embed.js in Chromium, on host pages of another origin, for what a defect hunt found: a dismissal of one
 * incident hid a later one for as long as the first stayed open, a monitored incident read "No impact", the banner
 * was gone after a body swap without the tag, printed on the host's pages, had no edge in forced colours, and a
 * message without a full stop ran into the estimate.
 */
let browser: Browser;
const beside = { concurrent: true } as const;
const it = (name: string, fn: () => Promise<void>, timeout?: number) => vitestIt(name, { concurrent: false, timeout }, fn);

/** Serves `html()` to any path, from another origin than the status page's. */
async function hostServer(html: () => string): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/** Each banner on the page: what its box says, and the href of its links. */
const banners = (p: Page) =>
  p.evaluate(() =>
    [...document.querySelectorAll('[data-herald-banner]')].map((h) => {
      const box = h.shadowRoot!.querySelector('[role="status"]') as HTMLElement;
      return {
        // biome-ignore lint/performance/useDomNodeTextContent: the text as drawn, a line apart, is the point.
        text: box.innerText.replace(/\s*\n\s*/g, ' | '),
        links: [...box.querySelectorAll('a')].map((a) => a.href),
      };
    }),
  );
const shows = (p: Page, text: string) =>
  until(async () => (await banners(p)).some((b) => b.text.includes(text)), `a banner saying ${JSON.stringify(text)}`, 15_000);

beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);

afterAll(() => stopAll(browser));

describe('embed.js with a real Herald: more than one live record, a monitored incident', beside, () => {
  let herald: HeraldProcess;
  let host: { server: Server; url: string };
  let components = 'api';

  beforeAll(async () => {
    herald = await startHerald({ env: { SITE_URL: 'https://status.example.com' } });
    for (const id of ['api', 'search']) expect((await herald.admin('/components', { body: { id, name: id } })).status).toBe(201);
    host = await hostServer(
      () => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme app</title></head>
<body><h1>Acme app</h1><script src="${herald.url}/embed.js" data-components="${components}" data-interval="1" async></script></body></html>`,
    );
  }, 60_000);

  afterAll(() => stopAll(host.server, herald));

  it('a dismissed incident does not hide one declared after it: the banner comes back saying there is one more, and with its updates', async () => {
    const p = await browser.newPage({ reducedMotion: 'reduce' });
    try {
      await p.goto(host.url);
      const declare = async (name: string, impact: string, status: string) => {
        const res = await herald.admin('/incidents', { body: { name, impact, body: `${name}.`, components: { api: status } } });
        expect(res.status).toBe(201);
        return ((await res.json()) as { id: string }).id;
      };
      await declare('Payments failing', 'critical', 'major_outage');
      await shows(p, 'Payments failing');
      expect((await banners(p))[0]!.text).not.toContain('more on the status page');
      await p.locator('[data-herald-banner] button').click();
      expect(await banners(p)).toEqual([]);

      // A second incident, less severe: the banner still shows the first, and says there is one more.
      const b = await declare('Search slow', 'major', 'partial_outage');
      // Before: nothing came back (the key was the first incident's and its update's, dismissed).
      await shows(p, '1 more on the status page');
      const [shown] = await banners(p);
      expect(shown!.text).toMatch(/^Critical impact ?Payments failing \| Payments failing\. \| Details \| 1 more on the status page \| ×$/);
      expect(shown!.links).toEqual([expect.stringMatching(/^https:\/\/status\.example\.com\/incidents\//), 'https://status.example.com/']);

      // Dismissed again, it comes back with the second one's next update.
      await p.locator('[data-herald-banner] button').click();
      expect(await banners(p)).toEqual([]);
      expect((await herald.admin(`/incidents/${b}/updates`, { body: { status: 'identified', body: 'Found it.' } })).status).toBe(201);
      await shows(p, '1 more on the status page');
    } finally {
      await closeWithin(p)();
    }
  }, 60_000);

  it('a monitored incident whose components are operational reads "Monitoring", not "No impact"', async () => {
    components = 'search';
    const p = await browser.newPage({ reducedMotion: 'reduce' });
    try {
      const res = await herald.admin('/incidents', {
        body: { name: 'Search errors', impact: 'major', body: 'Searches fail.', components: { search: 'partial_outage' } },
      });
      const { id } = (await res.json()) as { id: string };
      await p.goto(host.url);
      await shows(p, 'Major impact');
      const update = await herald.admin(`/incidents/${id}/updates`, {
        body: { status: 'monitoring', body: 'A fix is out.', components: { search: 'operational' } },
      });
      expect(update.status).toBe(201);
      await shows(p, 'A fix is out.');
      // Before: "No impact", in green, for a major incident the page shows as "Major · Monitoring".
      expect((await banners(p))[0]!.text).toMatch(/^Monitoring ?Search errors \| A fix is out\. \| Details \| ×$/);
    } finally {
      await closeWithin(p)();
    }
  }, 60_000);
});

/**
 * Against a stand-in Herald that serves public/embed.js and the banner.json a test sets, with its ETag (a 304 while
 * it is unchanged), as embed.test.ts's hostile pages do.
 */
describe('embed.js on host pages that swap their body, print, or force colours', beside, () => {
  let standin: Server;
  let standinUrl = '';
  let answer: unknown = { active: false };
  let host: { server: Server; url: string };
  let hostHtml = '';
  const EMBED = new URL('../../public/embed.js', import.meta.url);
  const incident = (key: string, more: Record<string, unknown> = {}) => ({
    active: true,
    indicator: 'major',
    title: `Incident ${key}`,
    message: 'We are investigating.',
    url: `https://status.example.com/incidents/${key}`,
    kind: 'incident',
    eta: null,
    status: 'investigating',
    others: 0,
    dismiss_key: key,
    ...more,
  });
  const htmlWith = (head: string, body: string, css = '') =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme app</title>${css ? `<style>${css}</style>` : ''}${head}</head><body><main><h1>Acme app</h1><p>The app.</p></main>${body}</body></html>`;
  const tag = (attrs = '') => `<script src="${standinUrl}/embed.js" ${attrs} async></script>`;

  beforeAll(async () => {
    standin = createServer((req, res) => {
      const cors = { 'access-control-allow-origin': '*' };
      if (req.url === '/embed.js') return void res.writeHead(200, { 'content-type': 'text/javascript', ...cors }).end(readFileSync(EMBED));
      if (!req.url?.startsWith('/api/banner.json')) return void res.writeHead(404).end();
      const body = JSON.stringify(typeof answer === 'function' ? answer(req.url) : answer);
      const etag = `"${Buffer.from(body).toString('base64url').slice(-40)}${body.length}"`;
      if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag, ...cors }).end();
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache', etag, ...cors }).end(body);
    });
    await new Promise<void>((resolve) => standin.listen(0, '127.0.0.1', resolve));
    standinUrl = `http://127.0.0.1:${(standin.address() as AddressInfo).port}`;
    host = await hostServer(() => hostHtml);
  });

  afterAll(() => stopAll(standin, host.server));

  it('a body replaced by one without the tag (Turbo with the tag in <head>), or rewritten (an SPA), shows it again at once, unannounced', async () => {
    answer = incident('swap', { title: 'Payments failing' });
    const p = await browser.newPage({ reducedMotion: 'reduce' });
    try {
      // A day between polls: only the swap itself can bring it back within the test.
      hostHtml = htmlWith(tag('data-interval="86400"'), '');
      await p.goto(host.url);
      await shows(p, 'Payments failing');
      await watchBanner(p);
      await p.evaluate(() => {
        const body = document.createElement('body');
        body.innerHTML = '<main><h1>Page 2</h1></main>';
        document.documentElement.replaceChild(body, document.body);
      });
      // Before: gone until the next poll, a day later here.
      await shows(p, 'Payments failing');
      await p.evaluate(() => {
        document.body.innerHTML = '<main><h1>Page 3</h1></main>';
      });
      await shows(p, 'Payments failing');
      expect(await p.evaluate(() => document.querySelector('herald-status-banners')!.matches(':popover-open'))).toBe(true);
      // The same box, its text untouched: nothing for a screen reader to read again.
      expect(await bannerChanges(p)).toEqual([]);
    } finally {
      await closeWithin(p)();
    }
  }, 30_000);

  it("is not printed on the host's pages, whatever the host's print CSS says", async () => {
    answer = incident('print', { title: 'Payments failing' });
    const p = await browser.newPage({ reducedMotion: 'reduce' });
    try {
      // The host's own rule to hide it in print, which the banner's !important declarations beat.
      hostHtml = htmlWith('', tag('data-interval="1"'), '@media print{herald-status-banners,herald-status-banner{display:none!important}}');
      await p.goto(host.url);
      await shows(p, 'Payments failing');
      const drawn = () =>
        p.evaluate(() => {
          const shelf = document.querySelector('herald-status-banners')!;
          const r = document.querySelector('[data-herald-banner]')!.getBoundingClientRect();
          return { display: getComputedStyle(shelf).display, height: r.height };
        });
      expect((await drawn()).display).toBe('flex');
      await p.emulateMedia({ media: 'print' });
      // Before: { display: 'flex', height: 93 }, on every printed page.
      expect(await drawn()).toEqual({ display: 'none', height: 0 });
      await p.emulateMedia({ media: 'screen' });
      expect((await drawn()).display).toBe('flex');
    } finally {
      await closeWithin(p)();
    }
  }, 30_000);

  it('has an edge in forced colours (Windows High Contrast), where its shadow is not drawn', async () => {
    answer = incident('forced', { title: 'Payments failing' });
    const p = await browser.newPage({ reducedMotion: 'reduce' });
    try {
      hostHtml = htmlWith('', tag('data-interval="1"'));
      await p.goto(host.url);
      await shows(p, 'Payments failing');
      const edge = () =>
        p.evaluate(() => {
          const s = getComputedStyle(document.querySelector('[data-herald-banner]')!.shadowRoot!.querySelector('.box')!);
          return {
            top: `${s.borderTopStyle} ${s.borderTopWidth}`,
            bottom: `${s.borderBottomStyle} ${s.borderBottomWidth}`,
            color: s.borderTopColor,
          };
        });
      await p.emulateMedia({ forcedColors: 'active', colorScheme: 'dark' });
      const forced = await edge();
      // Before: { top: 'none 0px', bottom: 'none 0px' }: only the inline-start stripe.
      expect(forced).toMatchObject({ top: 'solid 1px', bottom: 'solid 1px' });
      expect(forced.color).not.toBe('rgba(0, 0, 0, 0)');
      await p.emulateMedia({ forcedColors: 'none', colorScheme: 'light' });
      // Out of forced colours, transparent: no line the design did not have.
      expect((await edge()).color).toBe('rgba(0, 0, 0, 0)');
    } finally {
      await closeWithin(p)();
    }
  }, 30_000);

  // Keys now differ between tags of one Herald by the other records of each one's components: a dismissal of the
  // banner one showed hid it, and the other tag, whose key was not dismissed, showed the same incident again.
  it('two tags of one Herald showing one incident, with other records behind it for one of them: a dismissal hides it for both, and when the other record ends', async () => {
    const shown = { incident_id: 'INC-9', title: 'Payments failing', updated_at: '2026-12-06T04:00:00.000Z' };
    answer = (url: string) =>
      url.includes('website') ? incident('INC-9:u1:u7', { ...shown, others: 1 }) : incident('INC-9:u1', { ...shown, others: 0 });
    const p = await browser.newPage({ reducedMotion: 'reduce' });
    try {
      hostHtml = htmlWith('', tag('data-components="api" data-interval="1"') + tag('data-components="api,website" data-interval="1"'));
      await p.goto(host.url);
      await shows(p, 'Payments failing');
      await p.waitForTimeout(2_500);
      expect(await banners(p)).toHaveLength(1);
      await p.locator('[data-herald-banner] button').click();
      expect(await banners(p)).toEqual([]);
      // Both tags poll every second.
      await p.waitForTimeout(2_500);
      // Before: the other tag's banner, the same incident, back within a second.
      expect(await banners(p)).toEqual([]);
      // The other record ends: the key is the incident's and its update's alone, which the one dismissed carried on.
      answer = incident('INC-9:u1', { ...shown, others: 0 });
      await p.waitForTimeout(2_500);
      // Before: back, with nothing new.
      expect(await banners(p)).toEqual([]);
    } finally {
      await closeWithin(p)();
    }
  }, 30_000);

  it('a message without a full stop does not run into the estimate', async () => {
    const eta = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const p = await browser.newPage({ reducedMotion: 'reduce' });
    const message = () =>
      p.evaluate(() => document.querySelector('[data-herald-banner]')!.shadowRoot!.querySelector('.m')!.textContent ?? '');
    try {
      answer = incident('eta', { title: 'Search slow', message: 'Investigating slow search results', eta });
      hostHtml = htmlWith('', tag('data-interval="1"'));
      await p.goto(host.url);
      await shows(p, 'Estimated resolution');
      // Before: "Investigating slow search results Estimated resolution: …".
      expect(await message()).toMatch(/^Investigating slow search results\. Estimated resolution: /);
      // A message that ends its sentence (a question, an ellipsis, before a quote) gets none.
      for (const text of ['Is search slow for you?', 'Looking into it…', 'We said "soon."']) {
        answer = incident('eta', { title: 'Search slow', message: text, eta });
        await until(async () => (await message()).startsWith(text), `the message ${text}`, 10_000);
        expect(await message()).toMatch(new RegExp(`^${text.replace(/[?.]/g, '\\$&')} Estimated resolution: `));
      }
    } finally {
      await closeWithin(p)();
    }
  }, 30_000);
});
