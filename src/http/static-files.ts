import type { Context, MiddlewareHandler, Next } from 'hono';
import { RETAINED_304_HEADERS } from 'hono/etag';
import { encodingFor } from './public-cache.ts';

/**
 * RFC 9110 13.1.5: a Range is honoured only while If-Range still names the file the client holds part of:
 * an entity tag by strong comparison (a weak tag never matches), a date when it is the Last-Modified exactly.
 * Otherwise the client would splice bytes of a new file onto those of the old.
 */
export function ifRangeHolds(ifRange: string, etag: string | null, lastModified: string | null): boolean {
  const condition = ifRange.trim();
  if (condition.startsWith('"') || condition.startsWith('W/')) return etag !== null && !etag.startsWith('W/') && condition === etag;
  if (lastModified === null) return false;
  const date = Date.parse(condition);
  return !Number.isNaN(date) && date === Date.parse(lastModified);
}

/** What a 304 keeps of the 200 it stands for: its caching, its tag, and what lets another origin's page use it. */
export const KEPT_BY_304 = [...RETAINED_304_HEADERS, 'last-modified', 'access-control-allow-origin', 'cross-origin-resource-policy'];

const FILE_NAME = /\.[A-Za-z0-9]+$/;

/** RFC 9110 13.1.3: If-Modified-Since counts only without If-None-Match, and holds when the file is no newer. */
function notModifiedSince(c: Context, lastModified: string | null): boolean {
  const since = c.req.header('If-Modified-Since');
  if (since === undefined || c.req.header('If-None-Match') !== undefined || lastModified === null) return false;
  const date = Date.parse(since);
  return !Number.isNaN(date) && Date.parse(lastModified) <= date;
}

/**
 * Hono's serveStatic, with what it lacks: Accept-Encoding read with its q-values (it matched whole entries, so
 * "br;q=1" or a proxy's "gzip;q=1.0, br;q=0.5" got the uncompressed file), a 304 to If-Modified-Since (it sent
 * Last-Modified and then the whole file to a cache revalidating with it); an If-Range that no longer holds gets the whole file (200), not a
 * part of one the client never had; and an error it answers (416, a range past the end) says no-store, where
 * it carried the file's own caching (a year, for a hashed asset), which would have a cache keep the error.
 */
export function staticFiles(serve: MiddlewareHandler): MiddlewareHandler {
  return async (c: Context, next: Next) => {
    // The one encoding this request takes, as the pages' answers choose it, is all serveStatic is shown. Only
    // for a path that names a file: a page's request is not to be made to build its headers here.
    if (FILE_NAME.test(c.req.path)) {
      const encoding = encodingFor(c);
      if (encoding === 'identity') c.req.raw.headers.delete('Accept-Encoding');
      else c.req.raw.headers.set('Accept-Encoding', encoding);
    }
    const ifRange = c.req.header('If-Range');
    const ranged = ifRange !== undefined && c.req.header('Range') !== undefined;
    let res = await serve(c, next);
    if (!(res instanceof Response)) return res; // not a file here: the next handler answered
    if (
      ranged &&
      (res.status === 206 || res.status === 416) &&
      !ifRangeHolds(ifRange, res.headers.get('ETag'), res.headers.get('Last-Modified'))
    ) {
      await res.body?.cancel();
      c.req.raw.headers.delete('Range');
      c.header('Content-Range', undefined);
      res = (await serve(c, next)) as Response;
    }
    if (res.status === 200 && notModifiedSince(c, res.headers.get('Last-Modified'))) {
      await res.body?.cancel();
      const kept = [...res.headers].filter(([k]) => KEPT_BY_304.includes(k.toLowerCase()));
      return new Response(null, { status: 304, headers: kept });
    }
    if (res.status >= 400) {
      res.headers.set('Cache-Control', 'no-store');
      res.headers.delete('ETag');
    }
    return res;
  };
}
