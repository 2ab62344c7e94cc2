import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { Conflict, HeraldError, Invalid, NotFound, RateLimited, Stale, Unavailable } from '../domain/errors.ts';
import { BadRequest, ClientGone, Forbidden, PayloadTooLarge, Unauthorized, UnsupportedMediaType } from '../http/errors.ts';
import { isOpenToAnyOrigin } from '../http/public-cache.ts';
import { under } from '../http/body.ts';
import { errorPage, UNAVAILABLE_RETRY_SECONDS, unavailablePage } from '../http/error-pages.ts';

/** The one mapping from Herald's errors to HTTP statuses (the JSON API, the forms and the console alike). */
const STATUS: Array<[new (...args: never[]) => HeraldError, number]> = [
  [BadRequest, 400],
  [Unauthorized, 401],
  [Forbidden, 403],
  [NotFound, 404],
  [Stale, 412],
  [Conflict, 409],
  [PayloadTooLarge, 413],
  [UnsupportedMediaType, 415],
  [Invalid, 422],
  [RateLimited, 429],
  [Unavailable, 503],
];

export function httpStatus(err: HeraldError): number {
  for (const [kind, status] of STATUS) if (err instanceof kind) return status;
  return 500;
}

/** The JSON error body: `{ "error": { "code", "message", "field"? } }`. */
export function errorBody(err: HeraldError) {
  return { error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } };
}

/**
 * The app's one error handler: Herald's errors become their status with the
 * JSON error (API clients, anyone asking for JSON) or a small page (forms and
 * pages); a Hono HTTPException (the admin guard's 401 with its challenge) keeps its own answer;
 * a client that went away mid-upload is dropped quietly; anything else is
 * logged and answers a 500 that leaks nothing.
 */
export function onError(security: Record<string, string>) {
  return (err: Error, c: Context): Response => {
    // Nobody is left to read an answer (the socket is closed): this one is never sent, and nothing is logged.
    if (err instanceof ClientGone) return new Response(null, { status: 400 });
    // Errors from the cached-page routes (registered before the header middleware) need them too.
    for (const [k, v] of Object.entries(security)) c.header(k, v);
    c.header('Cache-Control', 'no-store');
    // The banner and the Statuspage documents answer before the CORS middleware: an app polling them
    // cross-origin could not tell their error from a network failure.
    if (isOpenToAnyOrigin(c.req.path)) c.header('Access-Control-Allow-Origin', '*');
    if (err instanceof HTTPException) {
      const res = err.getResponse();
      for (const [k, v] of Object.entries(security)) res.headers.set(k, v);
      res.headers.set('Cache-Control', 'no-store');
      return res;
    }
    if (err instanceof HeraldError) {
      const page = !under(c.req.path, '/api') && !/json/.test(c.req.header('accept') ?? '');
      // An outage of unknown length gives an API client no wait to promise; a page (a subscriber's link, the
      // one-click unsubscribe a mail provider posts) says to come back, as Astro's pages do (src/middleware.ts).
      const retryAfter =
        (err instanceof RateLimited || err instanceof Unavailable) && err.retryAfterSeconds
          ? err.retryAfterSeconds
          : err instanceof Unavailable && page
            ? UNAVAILABLE_RETRY_SECONDS
            : undefined;
      if (retryAfter) c.header('Retry-After', String(retryAfter));
      const status = httpStatus(err) as 400;
      if (page) return c.html(err instanceof Unavailable ? unavailablePage(err.message) : errorPage(err.message), status);
      return c.json(errorBody(err), status);
    }
    console.error(`[herald] ${c.req.method} ${new URL(c.req.url).pathname}:`, err);
    return c.json({ error: { code: 'internal', message: 'Something went wrong on our side.' } }, 500);
  };
}
