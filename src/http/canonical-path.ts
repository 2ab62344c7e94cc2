import type { MiddlewareHandler } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { BadRequest } from './errors.ts';
import { isOpenToAnyOrigin } from './public-cache.ts';

/** The answer to a path that is not percent-encoding (a lone "%", UTF-8 cut short, an escaped escape). */
export const brokenPercentEncoding = () => new BadRequest('The address is not valid: its percent-encoding is broken.');

/**
 * An escaped escape (`%2561` for `%61`, itself `a`). Hono's router keeps `%25`
 * as sent while Astro decodes a path until nothing is left to decode, so the
 * two would read different paths: `/%2561dmin/settings` passed no console
 * guard on its way to Astro's /admin/settings, `/%2568istory` skipped the
 * cached /history. No Herald path needs one (ids are `[a-z0-9-]`, tokens base64url: none holds a `%`).
 */
const ESCAPED_ESCAPE = /%25[0-9a-fA-F]{2}/;

/** An escape of a character that needs none (RFC 3986 unreserved): `%6d` is `m`. */
const NEEDLESS_ESCAPE = /%(2[dD]|2[eE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])/g;

/** What a path needs to be spelled other than canonically: an escape, a backslash, "//", a dot segment, a trailing slash. */
const MAYBE_ODD = /%|\\|\/\/|\/\.|.\/$/;

/**
 * The one spelling of a request path that Herald serves: needless escapes
 * decoded, dot segments resolved, repeated slashes collapsed, no trailing
 * slash (except `/` itself). Escapes of anything else (`%2F`, `%20`, UTF-8)
 * are kept as sent.
 */
export function canonicalPath(raw: string): string {
  // "*" (OPTIONS *) or an absolute URL (a proxy's request line) is no path to respell.
  if (!raw.startsWith('/')) return raw;
  // Nearly every request: nothing to decode, resolve or collapse (and no URL parsed on the cached pages' hot path).
  if (!MAYBE_ODD.test(raw)) return raw;
  const decoded = raw.replace(NEEDLESS_ESCAPE, (esc) => String.fromCharCode(Number.parseInt(esc.slice(1), 16)));
  // The URL parser resolves the dot segments decoding may have spelled out ("/%2e%2e/admin") and turns "\" into "/";
  // the path goes after a host of its own, so "//admin" is a path there, not a host.
  const resolved = new URL(`http://h${decoded}`).pathname.replace(/\/{2,}/g, '/');
  return resolved.length > 1 && resolved.endsWith('/') ? resolved.slice(0, -1) : resolved;
}

/**
 * Redirects (308: method and body kept) every other spelling of a path to its
 * canonical one, before anything else sees the request. Hono's router matches
 * the decoded path, Astro normalizes slashes, the page cache keys on the
 * path: without this, `//admin/settings` passed no console guard on its way to
 * Astro, `/admin/login/` got the console's body limit, and `/%6daintenance`
 * or `/history/` each took a cache entry or a render of their own. The body
 * is never read: a non-canonical POST gets no further than its redirect.
 * A path with an escaped escape has no one reading: it answers 400, as any
 * other broken percent-encoding does (see src/api/app.ts).
 */
export function canonicalPaths(security: Record<string, string>): MiddlewareHandler<{ Bindings: Partial<HttpBindings> }> {
  return async (c, next) => {
    // What Astro will read is the request line as sent, so that is what must be canonical (not Hono's parsed URL).
    const target = c.env?.incoming?.url ?? c.req.url.slice(new URL(c.req.url).origin.length);
    const q = target.indexOf('?');
    const path = q === -1 ? target : target.slice(0, q);
    if (ESCAPED_ESCAPE.test(path)) throw brokenPercentEncoding();
    const canonical = canonicalPath(path);
    if (canonical === path) return next();
    const location = canonical + (q === -1 ? '' : target.slice(q));
    // A widget that fetches another spelling of a public document cross-origin follows the redirect only if it may read it.
    const headers: Record<string, string> = { ...security, Location: location, 'Cache-Control': 'no-store' };
    if (isOpenToAnyOrigin(canonical)) headers['Access-Control-Allow-Origin'] = '*';
    return new Response(null, { status: 308, headers });
  };
}
