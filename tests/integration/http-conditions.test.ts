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
