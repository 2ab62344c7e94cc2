import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startHerald, stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { until } from '../helpers/poll.ts';

/**
 * public/embed.js against Herald's static copy (DATA_DIR/static) on a plain static host, as after a failover:
 * the host ignores the query, so every `?components=` gets the whole page's banner.json. An app that cares
 * about one product must still see that product's banner, the one the live Herald gave it, not another's.
 */
let herald: HeraldProcess | undefined;
let browser: Browser;
let staticHost: Server;
let pages: Server;
let staticUrl = '';
let pagesUrl = '';
let hostHtml = '';
const dataDir = tempDataDir('herald-embed-static-');
const staticDir = join(dataDir, 'static');
/** What the live Herald's banner showed for each filter (its title), or null for none. */
const live = new Map<string, string | null>();
let groupId = '';

const TYPES: Record<string, string> = { '.json': 'application/json', '.js': 'text/javascript', '.html': 'text/html' };

beforeAll(async () => {
  herald = await startHerald({ dataDir, env: { STATIC_DEBOUNCE_MS: '100' } });
  for (const body of [
    { id: 'website', name: 'Website' },
    { id: 'billing', name: 'Billing' },
    { id: 'api', name: 'API', group: 'Backend' },
    { id: 'db', name: 'Database', group: 'Backend' },
  ]) {
    expect((await herald.admin('/components', { body })).status).toBe(201);
  }
  const major = await herald.admin('/incidents', {
    body: { name: 'DB and API', impact: 'major', body: 'Writes fail.', components: { db: 'major_outage', api: 'partial_outage' } },
  });
  expect(major.status).toBe(201);
  const minor = await herald.admin('/incidents', {
    body: { name: 'Slow website', impact: 'minor', body: 'Pages load slowly.', components: { website: 'degraded_performance' } },
  });
  expect(minor.status).toBe(201);
  const listed = (await (await fetch(`${herald.url}/api/v2/components.json`)).json()) as {
    components: Array<{ id: string; group: boolean }>;
  };
  groupId = listed.components.find((c) => c.group)!.id;
  for (const filter of ['website', 'billing', 'website,api', groupId, 'no-such-id']) {
    const b = (await (await fetch(`${herald.url}/api/banner.json?components=${encodeURIComponent(filter)}`)).json()) as {
      active: boolean;
      title: string;
    };
    live.set(filter, b.active ? b.title : null);
  }
  // The copy has caught up with both incidents (the banners of each id are taken after the summary).
  const copied = (file: string) => (existsSync(join(staticDir, file)) ? readFileSync(join(staticDir, file), 'utf8') : '');
  await until(
    () => copied('api/v2/summary.json').includes('Slow website') && copied('api/banner.json').includes('DB and API'),
    'the static copy of both incidents',
    20_000,
  );
  await herald.stop();
  herald = undefined;
  // The plainest static host, with the headers the copy's _headers asks for on /api/* and /embed.js.
  staticHost = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
    const file = join(staticDir, path);
    const cors = { 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' };
    if (!file.startsWith(staticDir) || !existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404, cors).end('not found');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', ...cors }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => staticHost.listen(0, '127.0.0.1', resolve));
  staticUrl = `http://127.0.0.1:${(staticHost.address() as AddressInfo).port}`;
  pages = createServer((_req, res) => void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(hostHtml));
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  pagesUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}/`;
  browser = await launchBrowser();
}, 90_000);

afterAll(() => stopAll(browser, pages, staticHost, herald, dataDir));

describe('embed.js on the static copy (Herald gone)', () => {
  it('shows each filter the banner the live Herald gave it: its own product, not the whole page', async () => {
    expect(live.get('website')).toBe('Slow website');
    expect(live.get('billing')).toBeNull();
    expect(live.get('website,api')).toBe('DB and API');
    expect(live.get(groupId)).toBe('DB and API');
    expect(live.get('no-such-id')).toBe('DB and API');
    const page = await browser.newPage();
    try {
      for (const [filter, title] of live) {
        hostHtml = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme app</title></head><body><h1>Acme</h1>
<script src="${staticUrl}/embed.js" data-components="${filter}" data-interval="1" async></script></body></html>`;
        const polls: string[] = [];
        const onResponse = (r: { url(): string }) => void (r.url().includes('/api/banner') && polls.push(r.url()));
        page.on('response', onResponse);
        await page.goto(pagesUrl);
        // Two rounds of polls, the second after the first one's banner (if any) is in place.
        await until(() => polls.filter((u) => u.includes('/api/banner.json')).length >= 2, `two polls for ${filter}`, 10_000);
        await page.waitForTimeout(200);
        page.off('response', onResponse);
        const shown = await page.evaluate(() =>
          [...document.querySelectorAll('[data-herald-banner]')].map((h) => h.shadowRoot!.querySelector('[role="status"]')!.textContent),
        );
        if (title === null) expect(shown, `data-components="${filter}"`).toEqual([]);
        else {
          expect(shown, `data-components="${filter}"`).toHaveLength(1);
          expect(shown[0], `data-components="${filter}"`).toContain(title);
        }
      }
    } finally {
      await page.close();
    }
  }, 60_000);
});
