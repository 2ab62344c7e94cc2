import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { until } from '../helpers/poll.ts';

/**
 * The XSS corpus through the in-app banner, as embed.js shows it on a host
 * page that has NO Content-Security-Policy (so nothing masks a mistake): the
 * incident name and update text appear as text, no dialog opens, no element
 * from a payload lands in the page.
 */
const corpus = (
  JSON.parse(readFileSync(new URL('../fixtures/xss-corpus.json', import.meta.url), 'utf8')) as {
    payloads: Array<{ name: string; payload: string }>;
  }
).payloads;
const PICK = [
  'script tag',
  'img onerror',
  'svg onload',
  'iframe srcdoc',
  'details ontoggle',
  'input autofocus onfocus',
  'closing style then script',
  'attribute breakout double quote',
  'comment breakout',
  'noscript mutation',
  'markdown javascript link',
  'template content',
];
const cases = corpus.filter((c) => PICK.includes(c.name));

let herald: HeraldProcess;
let host: Server;
let browser: Browser;
let page: Page;
const dialogs: string[] = [];

beforeAll(async () => {
  herald = await startHerald({ env: { STATIC_SNAPSHOT: 'false' } });
  const heraldUrl = herald.url;
  host = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host</title></head><body><h1>Host app</h1>
<script src="${heraldUrl}/embed.js" data-interval="1" async></script></body></html>`);
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  browser = await launchBrowser();
  page = await browser.newPage();
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  await page.goto(`http://127.0.0.1:${(host.address() as AddressInfo).port}/`);
}, 60_000);

afterAll(() => stopAll(browser, host, herald));

describe('embed.js shows hostile banner text as text', () => {
  it('picks a dozen payloads from the corpus', () => expect(cases.length).toBe(PICK.length));

  let previous: string | null = null;
  it.each(cases.map((c) => [c.name, c.payload] as const))(
    '%s',
    async (_name, payload) => {
      if (previous) await herald.admin(`/incidents/${previous}/updates`, { body: { status: 'resolved', body: 'Done.' } });
      const res = await herald.admin('/incidents', { body: { name: payload, impact: 'critical', body: payload } });
      expect(res.status).toBe(201);
      previous = ((await res.json()) as { id: string }).id;
      const title = page.locator('[data-herald-banner] [role="status"]');
      const shown = payload.trim().slice(0, 20);
      let text: string | null = '';
      await until(
        async () => {
          text = (await title.count()) ? await title.textContent() : '';
          return text?.includes(shown);
        },
        () => `the banner to show ${JSON.stringify(shown)} (it shows ${JSON.stringify(text)})`,
        15_000,
      );
      expect(text).toContain(shown);
      // Nothing from the payload became markup: inside the banner's shadow root or in the page.
      const injected = await page.evaluate(() => {
        const roots: Array<Document | ShadowRoot> = [document];
        for (const el of document.querySelectorAll('*')) if (el.shadowRoot) roots.push(el.shadowRoot);
        return roots.flatMap((r) =>
          [
            ...r.querySelectorAll(
              'img, svg, iframe, details, input, template, noscript, a[href^="javascript"], [onerror], [onload], [onfocus], [ontoggle]',
            ),
          ].map((e) => e.outerHTML.slice(0, 80)),
        );
      });
      expect(injected).toEqual([]);
      expect(dialogs).toEqual([]);
    },
    30_000,
  );
});
