import type { MiddlewareHandler } from 'astro';
import { Unavailable } from './domain/errors.ts';
import { PRIVATE_CACHE } from './http/security.ts';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * A page whose storage cannot be reached (PostgreSQL down: a subscriber's
 * confirm, manage or unsubscribe link reads its address there) answers 503
 * with Retry-After, as the forms and the API do, so a proxy may try another
 * replica and the reader knows to come back; not a 500 and a stack in the log.
 * Nothing was read or changed, so the same link works once storage is back.
 */
// Loaded from source by Node (astro.config.mjs, herald-modules-once): so no `astro:middleware` import, only its type.
export const onRequest: MiddlewareHandler = async (_context, next) => {
  try {
    return await next();
  } catch (err) {
    if (!(err instanceof Unavailable)) throw err;
    const html =
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
      '<title>Try again in a moment</title></head><body><main><h1>Try again in a moment</h1>' +
      `<p>${escapeHtml(err.message)}</p><p><a href="/">The status page</a> is still up.</p></main></body></html>`;
    return new Response(html, {
      status: 503,
      headers: {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': PRIVATE_CACHE,
        'Retry-After': String(err.retryAfterSeconds ?? 5),
      },
    });
  }
};
