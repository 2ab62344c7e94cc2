import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from 'node:http';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { ifRangeHolds } from '../../src/http/static-files.ts';

/**
 * Conditional and ranged requests against a real server, as a cache or a resuming download sends them
 * (from a caching and proxy review): preconditions only on a 2xx answer, If-Range before a Range, and no
 * freshness on an error.
 */
let h: HeraldProcess;
let css = '';

beforeAll(async () => {
  h = await startHerald();
  const home = await (await fetch(`${h.url}/`)).text();
  css = /href="(\/_astro\/[^"]+\.css)"/.exec(home)![1]!;
});
afterAll(() => stopAll(h));

/** A GET whose body is the bytes sent (fetch would decompress a br or gzip copy). */
const raw = (path: string, headers: Record<string, string>) =>
  new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    get(`${h.url}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res
        .on('data', (d: Buffer) => chunks.push(d))
        .on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });

describe('a page not found is never "not modified" (RFC 9110, 13.2.1)', () => {
  it.each([['/incidents/NOPE'], ['/history?month=1999-01']])('%s with its own ETag sent back answers 404 again, not 304', async (path) => {
    const first = await fetch(`${h.url}${path}`);
    expect(first.status).toBe(404);
    const tag = first.headers.get('etag');
    expect(tag).toBeTruthy();
    const again = await fetch(`${h.url}${path}`, { headers: { 'if-none-match': tag! } });
    expect(again.status).toBe(404);
    expect(await again.text()).toBe(await first.text());
  });

  it('a page that exists still answers 304 to its ETag', async () => {
    const tag = (await fetch(`${h.url}/`)).headers.get('etag')!;
    expect((await fetch(`${h.url}/`, { headers: { 'if-none-match': tag } })).status).toBe(304);
  });
});

describe('a static file asked for past its end', () => {
  it.each([
    ['a hashed asset', () => css],
    ['embed.js', () => '/embed.js'],
  ])("%s answers 416 with Cache-Control: no-store and no ETag, not the file's year or five minutes", async (_name, path) => {
    const res = await fetch(`${h.url}${path()}`, { headers: { range: 'bytes=99999999-' } });
    expect(res.status).toBe(416);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('etag')).toBeNull();
    expect(res.headers.get('content-range')).toMatch(/^bytes \*\/\d+$/);
  });
});

describe('If-Range (RFC 9110, 13.1.5)', () => {
  const ranged = (path: string, ifRange: string, encoding = 'identity') =>
    raw(path, { range: 'bytes=0-9', 'if-range': ifRange, 'accept-encoding': encoding });

  it.each([['identity'], ['br'], ['gzip']])(
    'embed.js (%s): a stale or weak tag gets the whole file, its own tag the part',
    async (encoding) => {
      const whole = await raw('/embed.js', { 'accept-encoding': encoding });
      const tag = whole.headers.etag as string;
      const stale = await ranged('/embed.js', '"stale"', encoding);
      expect(stale.status).toBe(200);
      expect(stale.headers['content-range']).toBeUndefined();
      expect(stale.body.equals(whole.body)).toBe(true);
      expect((await ranged('/embed.js', `W/${tag}`, encoding)).status).toBe(200);
      const part = await ranged('/embed.js', tag, encoding);
      expect(part.status).toBe(206);
      expect(part.headers['content-range']).toBe(`bytes 0-9/${whole.body.length}`);
      expect(part.body.equals(whole.body.subarray(0, 10))).toBe(true);
    },
  );

  it('a hashed asset: its Last-Modified gets the part, another date (or a tag, it has none) the whole file', async () => {
    const whole = await raw(css, { 'accept-encoding': 'identity' });
    const modified = whole.headers['last-modified'] as string;
    expect((await ranged(css, modified)).status).toBe(206);
    const older = await ranged(css, new Date(Date.parse(modified) - 1000).toUTCString());
    expect(older.status).toBe(200);
    expect(older.body.equals(whole.body)).toBe(true);
    expect((await ranged(css, '"anything"')).status).toBe(200);
    // A range past the end under a stale If-Range is ignored with the Range: the whole file, not 416.
    const past = await raw(css, { range: 'bytes=99999999-', 'if-range': '"anything"', 'accept-encoding': 'identity' });
    expect(past.status).toBe(200);
    expect(past.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });
});

describe('ifRangeHolds', () => {
  const date = 'Sun, 06 Dec 2026 09:38:20 GMT';
  it.each([
    ['"a"', '"a"', null, true],
    ['"a"', 'W/"a"', null, false],
    ['W/"a"', '"a"', null, false],
    ['"a"', '"b"', date, false],
    ['"a"', null, date, false],
    [date, '"a"', date, true],
    ['Sun, 06 Dec 2026 09:38:21 GMT', null, date, false],
    [date, '"a"', null, false],
    ['not a date', null, date, false],
  ])('If-Range %s against ETag %s, Last-Modified %s: %s', (ifRange, etag, modified, holds) => {
    expect(ifRangeHolds(ifRange, etag, modified)).toBe(holds);
  });
});

// From a caching review: serveStatic sent Last-Modified, then the whole file to a cache revalidating with it;
// and it matched Accept-Encoding entries whole, so a q-value ("br;q=1", a proxy's "gzip;q=1.0, br;q=0.5") got
// the uncompressed file, where README says the .br or .gz copy goes out "as Accept-Encoding says".
describe('a built file revalidated by its date, and sent compressed as Accept-Encoding says', () => {
  it.each([
    ['embed.js', () => '/embed.js'],
    ['a hashed asset', () => css],
  ])('%s: If-Modified-Since its Last-Modified answers 304 with no body; a date before it, the file', async (_name, path) => {
    const first = await raw(path(), {});
    expect(first.status).toBe(200);
    const lastModified = String(first.headers['last-modified']);
    const again = await raw(path(), { 'if-modified-since': lastModified });
    // Before: 200 with the whole file.
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers['cache-control']).toBe(first.headers['cache-control']);
    expect(again.headers.vary).toBe(first.headers.vary);
    expect(again.headers['content-length']).toBeUndefined();
    const older = new Date(Date.parse(lastModified) - 86_400_000).toUTCString();
    expect((await raw(path(), { 'if-modified-since': older })).status).toBe(200);
    // If-None-Match decides when both are sent (RFC 9110, 13.1.3): a tag that does not match gets the file.
    expect((await raw(path(), { 'if-modified-since': lastModified, 'if-none-match': '"other"' })).status).toBe(200);
  });

  it.each([
    ['br;q=1', 'br'],
    ['gzip;q=1.0, br;q=0.5', 'gzip'],
    ['gzip, deflate, br;q=1.0, *;q=0.5', 'br'],
    ['BR', 'br'],
    ['br;q=0, gzip', 'gzip'],
    ['gzip;q=0', undefined],
  ])('Accept-Encoding: %s gets %s, for embed.js and a hashed asset alike, as for a page', async (accept, encoding) => {
    for (const path of ['/embed.js', css]) {
      const res = await raw(path, { 'accept-encoding': accept });
      expect(res.status, path).toBe(200);
      // Before: no Content-Encoding for any of the q-valued headers, and 17 KB for embed.js.
      expect(res.headers['content-encoding'], path).toBe(encoding);
      expect(Number(res.headers['content-length']), path).toBe(res.body.length);
    }
    expect((await raw('/', { 'accept-encoding': accept })).headers['content-encoding']).toBe(encoding);
  });
});

describe('every HTML page names its charset', () => {
  it.each([['/subscribe'], ['/nope'], ['/admin/login'], ['/']])('%s: Content-Type text/html; charset=utf-8', async (path) => {
    const res = await fetch(`${h.url}${path}`);
    await res.arrayBuffer();
    // Before: a bare text/html on the pages rendered for each request.
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });
});
