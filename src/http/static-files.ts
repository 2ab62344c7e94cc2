import type { Context, MiddlewareHandler, Next } from 'hono';

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

/**
 * Hono's serveStatic, with what it lacks: an If-Range that no longer holds gets the whole file (200), not a
 * part of one the client never had; and an error it answers (416, a range past the end) says no-store, where
 * it carried the file's own caching (a year, for a hashed asset), which would have a cache keep the error.
 */
export function staticFiles(serve: MiddlewareHandler): MiddlewareHandler {
  return async (c: Context, next: Next) => {
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
    if (res.status >= 400) {
      res.headers.set('Cache-Control', 'no-store');
      res.headers.delete('ETag');
    }
    return res;
  };
}
