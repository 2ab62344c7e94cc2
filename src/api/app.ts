import { type Context, Hono } from 'hono';
import { mailHealth } from '../notify/mail-health.ts';
import type { HttpBindings } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { etag, RETAINED_304_HEADERS } from 'hono/etag';
import { fileTag } from '../http/file-tags.ts';
import { staticFiles } from '../http/static-files.ts';
import type { Herald } from '../herald.ts';
import { NotFound } from '../domain/errors.ts';
import type { PageCache, Renderer } from '../snapshot/page-cache.ts';
import { EMBED_HEADERS, EMBED_PATH, HASHED_ASSET_CACHE, methodNotAllowed, securityHeaders, STATIC_FILE_CACHE } from '../http/security.ts';
import { bodyChecks, under } from '../http/body.ts';
import { brokenPercentEncoding, canonicalPaths } from '../http/canonical-path.ts';
import { refuseCrossSite } from '../http/same-origin.ts';
import { typedAddresses } from '../http/typed-addresses.ts';
import { onError } from './errors.ts';
import { astroPages, cachedPages } from './pages.ts';
import type { AstroHandler } from '../snapshot/astro-render.ts';
import { adminApi } from './admin/index.ts';
import { carriesAdminCredentials } from './admin/auth.ts';
import { consoleGuard, type ConsoleEnv } from './console-guard.ts';
import { statuspageApi, statuspageDocuments } from './public/v2.ts';
import { publicCors } from '../http/public-cache.ts';
import { bannerPreflight, bannerRoute } from './public/banner.ts';
import { subscribeApi, unsubscribeApp } from './public/subscribe.ts';
import { feedsApp } from './public/feeds.ts';
import { allowedMethods, builtFiles } from './allowed-methods.ts';

export interface AppOptions {
  /** Astro's middleware-mode handler; pages are unavailable without it (in-process API tests). */
  astro?: AstroHandler;
  /** Folder of built static files (Astro's dist/client: public/ plus /_astro). */
  clientDir?: string;
  /** Renders a public page by asking Astro (see server.ts). */
  render?: Renderer;
}

/** Methods Herald answers on some route; anything else (TRACE, CONNECT, …) is 405 before it reaches a handler. */
export const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

type Env = { Bindings: HttpBindings } & ConsoleEnv;

/**
 * The one HTTP front, in the order a request meets it:
 * 0. a path not spelled canonically is redirected to its canonical spelling (so routes, guards and cache keys see one),
 *    and an address people guess at (`/incidents`, a reference in lower case) to the page that is there;
 * 1. cached public pages, the banner and the Statuspage documents (the hot paths, from memory);
 * 2. method check, security headers, one error handler, body limit and UTF-8;
 * 3. /healthz, the JSON APIs (public, and admin behind one guard), feeds;
 * 4. static files; 5. every other page, rendered by Astro.
 */
export function createApp(herald: Herald, opts: AppOptions = {}) {
  const app = new Hono<Env>();
  const security = securityHeaders(herald.config.SITE_URL.startsWith('https:'));
  app.use('*', canonicalPaths(security));
  typedAddresses(app, herald, security);

  const cache: PageCache | null = opts.render ? cachedPages(app, herald, opts.render, security) : null;
  bannerRoute(app, herald, security);
  statuspageDocuments(app, herald, security);

  const allowFor = allowedMethods(() => app.routes, opts.clientDir ? builtFiles(opts.clientDir) : new Set());
  /** A 405 with what the path does answer; an /api path that answers nothing (or this method, yet did not) is the JSON 404. */
  const refuseMethod = (c: Context<Env>): Response => {
    const allow = allowFor(c.req.path);
    const api = under(c.req.path, '/api');
    if (api && (allow.length === 0 || allow.includes(c.req.method)))
      throw new NotFound(`No API route ${c.req.method} ${new URL(c.req.url).pathname}.`);
    return methodNotAllowed(allow, security, api ? { method: c.req.method } : undefined);
  };
  app.use('*', async (c, next) => {
    if (METHODS.has(c.req.method)) return next();
    // This runs before the admin guard: what an admin path answers is for those signed in, so a method no route
    // answers gets the same Allow on every admin path, existing or not, and tells nobody which routes there are.
    if (under(c.req.path, '/api/admin')) return methodNotAllowed([...METHODS], security, { method: c.req.method });
    return refuseMethod(c);
  });
  app.use('*', async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(security)) if (!c.res.headers.has(k)) c.res.headers.set(k, v);
  });
  app.onError(onError(security));
  app.use('*', async (c, next) => {
    // A path that is not percent-encoding (a lone "%", UTF-8 cut short) names nothing: refused here, before
    // Astro, whose router would log an error line for every such request anyone cares to send.
    try {
      decodeURI(new URL(c.req.url).pathname);
    } catch {
      throw brokenPercentEncoding();
    }
    return next();
  });
  app.use(
    '*',
    bodyChecks<Env>((c) => carriesAdminCredentials(herald, c)),
  );

  app.get('/healthz', (c) => {
    c.header('Cache-Control', 'no-store');
    // Degraded: the database is unreachable, or holds a document this replica refuses (storage.reason); pages
    // and JSON keep serving what was last read, writes answer 503.
    const storage = herald.storage.health();
    return c.json({
      status: storage.healthy ? 'ok' : 'degraded',
      version: herald.store.version,
      storage,
      page_cache: cache?.stats() ?? null,
      // Paused mail leaves status as it is: the pages and API keep serving, and a load balancer reading status
      // would take every replica out of rotation for a relay's refusal. A monitor reads mail.status.
      mail: mailHealth(herald.notify.sending),
    });
  });

  app.route('/api/admin', adminApi(herald));
  app.route('/api/v2', statuspageApi());
  // The summary again, where Statuspage serves it: its preflight too (a client sending If-None-Match asks first).
  app.use('/index.json', publicCors);
  app.route('/api', bannerPreflight());
  app.route('/api', subscribeApi(herald));
  app.all('/api', refuseMethod);
  app.all('/api/*', refuseMethod);
  app.route('/', feedsApp(herald));
  app.route('/', unsubscribeApp(herald));

  if (opts.clientDir) {
    const root = opts.clientDir;
    // The build wrote a .br and a .gz beside each text asset (astro.config.mjs): sent to a browser that takes them.
    app.use(
      '/_astro/*',
      staticFiles(
        serveStatic({
          root,
          precompressed: true,
          onFound: (_p, c) => {
            c.header('Cache-Control', HASHED_ASSET_CACHE);
            c.header('Vary', 'Accept-Encoding');
          },
        }),
      ),
    );
    // Revalidated once their five minutes are up (embed.js on every page of the product apps, the pages'
    // scripts): each file sent (the .br or .gz copy its own) carries its tag (onFound), and Hono's etag
    // answers a match with 304, to a HEAD too.
    // A 304 keeps what lets another origin's page use the cached copy (CORS mode, COEP), as its 200 said.
    const revalidated = etag({
      retainedHeaders: [...RETAINED_304_HEADERS, 'access-control-allow-origin', 'cross-origin-resource-policy'],
    });
    app.use('*', (c, next) => (/\.(js|svg)$/.test(c.req.path) ? revalidated(c, next) : next()));
    app.use(
      '*',
      staticFiles(
        serveStatic({
          root,
          precompressed: true,
          onFound: (path, c) => {
            c.header('Cache-Control', STATIC_FILE_CACHE);
            c.header('Vary', 'Accept-Encoding');
            c.header('ETag', fileTag(path));
            if (c.req.path === EMBED_PATH) for (const [k, v] of Object.entries(EMBED_HEADERS)) c.header(k, v);
          },
        }),
      ),
    );
  }
  // Every page's form (/subscribe, the manage page, the console, its sign-in) by the JSON API's rule: a
  // foreign Origin or Sec-Fetch-Site: cross-site is refused. Astro's origin check (astro.config.mjs) and the
  // console's csrf() each pass a post whose Origin is the site's even when the browser says it is cross-site.
  app.use('*', refuseCrossSite(herald.config.SITE_URL));
  const guard = consoleGuard(herald);
  app.use('/admin', guard);
  app.use('/admin/*', guard);
  if (opts.astro) astroPages(app, herald, opts.astro, security, allowFor);
  return app;
}
