/**
 * Security headers for every response, Herald's own and Astro's. The CSP
 * allows no inline script: pages work without JavaScript, and the few
 * scripts Herald ships are files.
 */
export function securityHeaders(https: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Security-Policy':
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
      "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
  };
  if (https) headers['Strict-Transport-Security'] = 'max-age=31536000; includeSubDomains';
  return headers;
}

/** The script other sites' pages load (public/embed.js): it says so to pages that isolate themselves (COEP). */
export const EMBED_PATH = '/embed.js';
/**
 * Loaded by other sites' pages: those that isolate themselves (COEP require-corp) load only what opts in, and
 * a tag with `crossorigin` (subresource integrity needs it) only what allows CORS.
 */
export const EMBED_HEADERS = { 'Cross-Origin-Resource-Policy': 'cross-origin', 'Access-Control-Allow-Origin': '*' };

/** A built file under /_astro: its name holds its content's hash, so it never changes. */
export const HASHED_ASSET_CACHE = 'public, max-age=31536000, immutable';
/** Any other built file (embed.js, the pages' scripts, the icon): its name stays when it changes. */
export const STATIC_FILE_CACHE = 'public, max-age=300';

/**
 * Public pages and JSON: a few seconds fresh (a CDN absorbs a traffic spike;
 * a browser reload revalidates and gets a cheap 304 or the new version),
 * served stale while refreshing, and for a day when the origin is down.
 */
export const PUBLIC_CACHE = 'public, max-age=5, stale-while-revalidate=30, stale-if-error=86400';
/** A public page not found: a cache may keep it, but asks again before using it (a 404 again, never a 304: RFC 9110, 13.2.1). */
export const MISSING_CACHE = 'public, no-cache';
export const PRIVATE_CACHE = 'private, no-store';

/**
 * 405 with the methods `allow` lists and the security headers: for a method nothing here answers. Empty,
 * except for an API client (`json`), which gets the JSON error every other API refusal has.
 */
export function methodNotAllowed(allow: Iterable<string>, security: Record<string, string>, json?: { method: string }): Response {
  const headers = { ...security, Allow: [...allow].join(', '), 'Cache-Control': 'no-store' };
  if (!json) return new Response(null, { status: 405, headers });
  const error = { code: 'method_not_allowed', message: `The method ${json.method} is not allowed here.` };
  return new Response(JSON.stringify({ error }), { status: 405, headers: { ...headers, 'Content-Type': 'application/json' } });
}
