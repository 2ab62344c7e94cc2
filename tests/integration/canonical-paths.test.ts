import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHerald, tempDataDir, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { rawHttp } from '../helpers/raw-http.ts';
import { generateHistory } from '../fixtures/generate-incidents.ts';
import { printedDuring } from '../helpers/log-marker.ts';

/**
 * One spelling per path. Hono's router matches the decoded path, Astro
 * normalizes slashes and the page cache keyed on the path as sent: other
 * spellings (`/%6daintenance`, `/history/`, `//admin/settings`) each took a
 * cache entry, skipped the cache, or reached Astro past the console guard.
 * Every other spelling is now redirected (308) to the canonical one.
 */

let h: HeraldProcess;
let incident: string;

beforeAll(async () => {
  const db = generateHistory(12, new Date(), { spanDays: 30, seed: 3 });
  incident = db.incidents[0]!.id;
  const dataDir = tempDataDir();
  writeFileSync(join(dataDir, 'herald.json'), JSON.stringify(db));
  h = await startHerald({ dataDir, env: { STATIC_SNAPSHOT: 'false' } });
});
afterAll(() => stopAll(h));

type CacheStats = { entries: number; renders: number };
async function pageCache(): Promise<CacheStats> {
  return ((await (await fetch(`${h.url}/healthz`)).json()) as { page_cache: CacheStats }).page_cache;
}

/** The request line's target exactly as written (fetch would normalize `//` and dot segments away). */
async function raw(method: string, target: string, form = ''): Promise<{ status: number; location: string | null; text: string }> {
  const url = new URL(h.url);
  const headers = form ? `Content-Type: application/x-www-form-urlencoded\r\nOrigin: ${h.url}\r\nContent-Length: ${form.length}\r\n` : '';
  const text = await rawHttp(
    Number(url.port),
    url.hostname,
    `${method} ${target} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n${headers}\r\n${form}`,
  );
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]),
    location: /\r\nlocation: ([^\r]*)\r\n/i.exec(text)?.[1] ?? null,
    text,
  };
}

/** Every spelling of "maintenance" with one letter percent-encoded (either case of hex). */
const maintenanceSpellings = () =>
  [...'maintenance'].flatMap((ch, i) => {
    const hex = ch.charCodeAt(0).toString(16);
    const at = (esc: string) => `/${'maintenance'.slice(0, i)}${esc}${'maintenance'.slice(i + 1)}`;
    return [at(`%${hex}`), at(`%${hex.toUpperCase()}`)];
  });

describe('percent-encoded spellings of a cached page', () => {
  it('redirect to the page itself: no cache entry and no render each, and the page stays cached', async () => {
    // A cached page is rendered again once in a new minute (PageCache's clock): allowed if one turns meanwhile.
    const minute = () => Math.floor(Date.now() / 60_000);
    const startMinute = minute();
    expect((await fetch(`${h.url}/maintenance`)).status).toBe(200);
    expect((await fetch(`${h.url}/history`)).status).toBe(200);
    const before = await pageCache();
    const spellings = maintenanceSpellings();
    expect(spellings.length).toBeGreaterThan(15);
    for (const path of spellings) {
      const res = await fetch(`${h.url}${path}?x=1`, { redirect: 'manual' });
      expect(res.status, path).toBe(308);
      expect(res.headers.get('location'), path).toBe('/maintenance?x=1');
    }
    for (const path of ['/%68istory', '/hist%6Fry?month=x']) expect((await raw('GET', path)).status, path).toBe(308);
    const after = await pageCache();
    expect(after).toEqual(before);
    // Followed, every spelling is the one cached page.
    const followed = await fetch(`${h.url}/m%61intenance`);
    expect(followed.status).toBe(200);
    const turned = minute() !== startMinute ? 1 : 0;
    const last = await pageCache();
    expect(last.entries).toBe(before.entries);
    expect(last.renders - before.renders).toBeLessThanOrEqual(turned);
  });
});

describe('slash variants', () => {
  it.each([
    ['//history', '/history'],
    ['/history/', '/history'],
    ['/history/?page=2', '/history?page=2'],
    ['/maintenance/', '/maintenance'],
    ['///', '/'],
    ['/./history', '/history'],
  ])('GET and HEAD %s redirect to %s', async (path, to) => {
    for (const method of ['GET', 'HEAD']) {
      const res = await raw(method, path);
      expect(res.status, `${method} ${path}`).toBe(308);
      expect(res.location, `${method} ${path}`).toBe(to);
    }
  });

  it('incident pages: //incidents/<id> and /incidents/<id>/ redirect, and render nothing', async () => {
    expect((await fetch(`${h.url}/incidents/${incident}`)).status).toBe(200);
    const before = await pageCache();
    for (const path of [`//incidents/${incident}`, `/incidents/${incident}/`, `/incidents//${incident}`]) {
      const res = await raw('GET', path);
      expect(res.status, path).toBe(308);
      expect(res.location, path).toBe(`/incidents/${incident}`);
    }
    expect(await pageCache()).toEqual(before);
  });

  it('the redirect never points off-site', async () => {
    for (const path of ['//evil.example/', '/\\evil.example/', '/%2e%2e//evil.example']) {
      const res = await raw('GET', path);
      // Node's parser refuses a backslash in the request line outright (400); any redirect stays on this site.
      if (res.status === 308) expect(res.location, path).toMatch(/^\/(?![/\\])/);
      else expect(res.status, path).toBe(400);
    }
  });
});

describe('the console behind a non-canonical path', () => {
  it.each([['GET'], ['HEAD'], ['POST']])(
    '%s //admin/settings is redirected to /admin/settings, which wants a session; nothing is logged',
    async (method) => {
      const form = method === 'POST' ? 'name=x' : '';
      const printed = await printedDuring(h, async () => {
        const res = await raw(method, '//admin/settings', form);
        expect(res.status).toBe(308);
        expect(res.location).toBe('/admin/settings');
        const next = await raw(method, res.location!, form);
        expect(next.status).toBe(303);
      });
      expect(printed).toBe('');
    },
  );

  it('/admin/login/ does not take a 200 KB form (the sign-in page takes 16 KB)', async () => {
    const res = await fetch(`${h.url}/admin/login/`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: `password=x&pad=${'x'.repeat(200 * 1024)}`,
    });
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe('/admin/login');
    const followed = await fetch(`${h.url}/admin/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: `password=x&pad=${'x'.repeat(200 * 1024)}`,
    });
    expect(followed.status).toBe(413);
  });
});

describe('an escaped escape (%25 and two hex digits)', () => {
  // Hono's router keeps "%25" as sent, Astro decodes the path until nothing is left to decode: the two read
  // different paths. No Herald path needs one (ids and tokens are ASCII), so it is broken percent-encoding.
  it.each([['GET'], ['HEAD'], ['POST']])(
    '%s /admin/settings with its "a" escaped twice answers 400 like any broken escape: no console page, nothing logged',
    async (method) => {
      let res: Awaited<ReturnType<typeof raw>> | undefined;
      const printed = await printedDuring(h, async () => {
        res = await raw(method, '/%2561dmin/settings', method === 'POST' ? 'name=x' : '');
      });
      expect(res!.status).toBe(400);
      if (method !== 'HEAD') expect(res!.text).toContain('percent-encoding is broken');
      expect(printed).toBe('');
    },
  );

  it('/%2568istory and the like answer 400: no render, no cache entry, nothing logged', async () => {
    // The home page first: it joins the render an earlier marker's incident started, so nothing renders on its own.
    for (const path of ['/', '/history', '/maintenance']) expect((await fetch(`${h.url}${path}`)).status).toBe(200);
    const before = await pageCache();
    const printed = await printedDuring(h, async () => {
      for (const path of ['/%2568istory', '/%2568istory?page=2', '/m%2561intenance', `/incidents/%2541${incident}`]) {
        const res = await raw('GET', path);
        expect(res.status, path).toBe(400);
        expect(res.text, path).toContain('percent-encoding is broken');
      }
      // Compared before the marker's incident changes the data.
      expect(await pageCache()).toEqual(before);
    });
    expect(printed).toBe('');
  });
});

describe('addresses people type', () => {
  it('a reference typed in lower case leads to its page (query kept), and takes no cache entry of its own', async () => {
    expect(incident).toMatch(/[A-Z]/);
    expect((await fetch(`${h.url}/incidents/${incident}`)).status).toBe(200);
    const before = await pageCache();
    for (const method of ['GET', 'HEAD']) {
      const res = await raw(method, `/incidents/${incident.toLowerCase()}?from=email`);
      expect(res.status, method).toBe(301);
      expect(res.location, method).toBe(`/incidents/${incident}?from=email`);
      expect(res.text, method).toMatch(/\r\ncache-control: no-store\r\n/i);
    }
    expect(await pageCache()).toEqual(before);
  });

  it('a reference that names nothing, in any case, is still not found', async () => {
    for (const path of ['/incidents/inc-1999-01-01-1', '/incidents/INC-1999-01-01-1']) {
      expect((await fetch(`${h.url}${path}`, { redirect: 'manual' })).status, path).toBe(404);
    }
  });

  it.each([
    ['/incidents', '/history'],
    ['/incidents/', '/history'],
    ['/index.html', '/'],
  ])('%s leads to %s', async (path, to) => {
    const res = await fetch(`${h.url}${path}`);
    expect(res.status, path).toBe(200);
    expect(new URL(res.url).pathname, path).toBe(to);
  });
});
