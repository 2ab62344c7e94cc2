import type { MiddlewareHandler } from 'astro';
import { Unavailable } from './domain/errors.ts';
import { PRIVATE_CACHE } from './http/security.ts';
import { UNAVAILABLE_RETRY_SECONDS, unavailablePage } from './http/error-pages.ts';

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
    return new Response(unavailablePage(err.message), {
      status: 503,
      headers: {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': PRIVATE_CACHE,
        'Retry-After': String(err.retryAfterSeconds ?? UNAVAILABLE_RETRY_SECONDS),
      },
    });
  }
};
