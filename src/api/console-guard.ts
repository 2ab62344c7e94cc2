import type { MiddlewareHandler } from 'hono';
import { csrf } from 'hono/csrf';
import type { Herald } from '../herald.ts';
import { requestSession, type SessionVariables } from '../auth/session-cookie.ts';
import { Forbidden } from '../http/errors.ts';
import { consoleReturnPath, postedFormPath } from '../auth/return-path.ts';
import { seeOther } from '../http/see-other.ts';
import { ourOrigin } from '../http/same-origin.ts';

export type ConsoleEnv = { Variables: SessionVariables };

/**
 * The console's one guard, in front of every /admin page (set once here, so
 * a new console page cannot forget it):
 * - a state-changing request must say it comes from the console itself:
 *   Hono's csrf() checks Origin / Sec-Fetch-Site, passing a post if either
 *   does (a cross-site one is refused before, by refuseCrossSite in
 *   src/api/app.ts; the pages also check the session's CSRF token on each form);
 * - without a live session every page but the sign-in page answers 303 to it
 *   (a GET remembers where it was going, a form the page it was posted from);
 * - the session goes to the page as `Astro.locals.session`.
 * Static files under /admin (the console's script) are served before this.
 */
export function consoleGuard(herald: Herald): MiddlewareHandler<ConsoleEnv> {
  // By the public forms' rule (a browser that sends no Sec-Fetch-Site is judged on its Origin alone).
  const ours = ourOrigin(herald.config.SITE_URL);
  const sameOrigin = csrf({ origin: (origin, c) => ours(origin, c.req.url) });
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      await sameOrigin(c, async () => {}).catch(() => {
        throw new Forbidden('Cross-site form submissions are refused.', 'cross_site');
      });
    }
    // PostgreSQL unreachable: Unavailable, answered 503 by the error handler (never a sign-in page).
    // A form's session was looked up before its body was read (bodyChecks): the same lookup, not a second.
    const session = await requestSession(herald, c);
    if (!session && c.req.path !== '/admin/login') {
      // A form posted after the session ended is not read (nothing in it is kept): back to its page after signing
      // in, where the console's script puts back what was typed (public/admin/console.js).
      const posted = c.req.method !== 'GET' && c.req.method !== 'HEAD';
      const url = new URL(c.req.url);
      const back = posted ? postedFormPath(url, c.req.header('referer')) : consoleReturnPath(url.pathname + url.search);
      // Signing out of an ended session loses nothing.
      const unsent = posted && c.req.path !== '/admin/logout';
      const query = [back !== '/admin' ? `next=${encodeURIComponent(back)}` : '', unsent ? 'unsent=1' : ''].filter(Boolean).join('&');
      const to = `/admin/login${query ? `?${query}` : ''}`;
      return seeOther(to);
    }
    await next();
  };
}
