import type { Hono } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import type { Herald } from '../herald.ts';
import { type CachedPage, PageCache, pageClock, type Renderer } from '../snapshot/page-cache.ts';
import { pageCacheKey } from '../snapshot/cache-keys.ts';
import { callAstro, type AstroHandler } from '../snapshot/astro-render.ts';
import type { ConsoleEnv } from './console-guard.ts';
import { PublicAnswers } from '../http/public-cache.ts';
import { methodNotAllowed } from '../http/security.ts';
import { under } from '../http/body.ts';

/** Public page routes served from the in-memory page cache. */
export const CACHED_PAGES = ['/', '/incidents/:id', '/history', '/maintenance'];
const FORWARDED = ['x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-for', 'forwarded'];

type Env = { Bindings: HttpBindings } & ConsoleEnv;

/**
 * The public pages customers load most, from memory: each rendered by Astro
 * once per data version (PageCache) and answered by PublicAnswers, with
 * every header in one plain object built once per page (the hot path under
 * load allocates nothing else). Registered first on the app, before any
 * middleware.
 */
export function cachedPages(app: Hono<Env>, herald: Herald, render: Renderer, security: Record<string, string>): PageCache {
  const cache = new PageCache(render, () => herald.store.version);
  const answers = new PublicAnswers(security);
  // The pages' clock, asked for by /history's key alone (which months have a page); made once, not per request.
  const clock = () => pageClock(herald.now(), herald.store.data);
  herald.store.onChange(() => {
    cache.prune();
    cache.warm(['/']);
  });
  for (const route of CACHED_PAGES) {
    app.get(route, async (c, next) => {
      let page: CachedPage;
      try {
        // A client that refuses a stale answer (the static copy, a browser's hard reload) waits for this minute's page.
        // Read from the socket's headers: a Request's Headers are built only when asked for, on the page's hot path.
        const asked = c.env?.incoming?.headers['cache-control'] ?? c.req.header('cache-control') ?? '';
        const current = /\bno-cache\b/i.test(asked);
        page = await cache.get(pageCacheKey(new URL(c.req.url), herald.store.data, herald.config.SITE_TIMEZONE, clock), { current });
      } catch (err) {
        // The render failed: let Astro answer this request itself (an HTML page, not JSON).
        console.error(`[herald] render of ${c.req.path} failed; serving it uncached:`, err);
        return next();
      }
      return answers.answer(c, page);
    });
  }
  return cache;
}

/** Astro's image endpoint and its server islands: Herald's pages have no images and no islands. */
const unusedAstroEndpoint = (path: string): boolean => under(path, '/_image') || under(path, '/_server-islands');

/**
 * Every other page (forms, the console, pages the cache could not render):
 * Astro renders it for this request, with the typed services in
 * `Astro.locals.herald` (and the console's session in `Astro.locals.session`),
 * and the answer leaves as an ordinary Response. `allowFor`: the methods a path answers (allowed-methods.ts).
 */
export function astroPages(
  app: Hono<Env>,
  herald: Herald,
  astro: AstroHandler,
  security: Record<string, string>,
  allowFor: (path: string) => string[],
): void {
  app.all('*', async (c) => {
    // A page answers GET, HEAD and POST; a file or a feed that did not answer this method is no page either.
    const allow = allowFor(c.req.path);
    if (!allow.includes(c.req.method)) return methodNotAllowed(allow, security);
    const { incoming } = c.env;
    // Behind your own TLS proxy (TRUST_PROXY), Astro must see the public
    // https origin for its form origin check; otherwise clients may not claim one.
    if (!herald.config.TRUST_PROXY) for (const h of FORWARDED) delete incoming.headers[h];
    // Astro reads the body already read (and size-checked) by the front, never the socket.
    if (c.req.raw.body) (incoming as typeof incoming & { body?: Buffer }).body = Buffer.from(await c.req.arrayBuffer());
    // HEAD is answered as GET without the body (Hono drops it).
    if (incoming.method === 'HEAD') incoming.method = 'GET';
    // Astro's own endpoints for what Herald does not use answer as any unknown path, with the site's 404 page:
    // its image endpoint answered an anonymous request with a 500, and an error line in the log for each.
    if (unusedAstroEndpoint(c.req.path)) incoming.url = '/404';
    const answer = await callAstro(astro, incoming, { herald, session: c.get('session') ?? null });
    for (const [k, v] of Object.entries(security)) if (!answer.headers.has(k)) answer.headers.set(k, v);
    if (!answer.headers.has('Cache-Control')) answer.headers.set('Cache-Control', 'no-store');
    // As the cached pages say it: a proxy that adds a default charset to a bare text/html would not guess UTF-8.
    if (answer.headers.get('Content-Type') === 'text/html') answer.headers.set('Content-Type', 'text/html; charset=utf-8');
    const empty = answer.body.length === 0 || answer.status === 204 || answer.status === 304;
    const body = empty ? null : new Uint8Array(answer.body.buffer as ArrayBuffer, answer.body.byteOffset, answer.body.length);
    return new Response(body, { status: answer.status, headers: answer.headers });
  });
}
