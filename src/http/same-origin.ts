import type { MiddlewareHandler } from 'hono';
import { Forbidden } from './errors.ts';

/**
 * Refuses a public write that a browser says comes from another site: an
 * `Origin` that is neither the site's nor the request's own, or
 * `Sec-Fetch-Site: cross-site`. Requests without either header (curl, an
 * integration, a mail provider's RFC 8058 one-click POST) pass: they carry no
 * visitor's cookies or identity to abuse. The pages' forms are held to this
 * same rule (src/api/app.ts), before Astro's own origin check.
 */
export function refuseCrossSite(siteUrl: string): MiddlewareHandler {
  const ours = ourOrigin(siteUrl);
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return next();
    const origin = c.req.header('origin');
    if ((origin !== undefined && !ours(origin, c.req.url)) || c.req.header('sec-fetch-site') === 'cross-site') {
      throw new Forbidden('Cross-site requests are refused.', 'cross_site');
    }
    await next();
  };
}

/**
 * Whether an Origin is Herald's own: the site's (SITE_URL: behind a TLS proxy Herald hears http on its own
 * address while the browser's Origin is the public one), or the request's own.
 */
export function ourOrigin(siteUrl: string): (origin: string, requestUrl: string) => boolean {
  const site = new URL(siteUrl).origin;
  return (origin, requestUrl) => origin === site || origin === new URL(requestUrl).origin;
}
