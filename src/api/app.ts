import { Hono } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Herald } from '../herald.ts';
import { BadRequest, HeraldError, NotFound, PayloadTooLarge, RateLimited } from '../domain/errors.ts';
import { bodyLimit } from 'hono/body-limit';
import { PageCache, type Renderer } from '../snapshot/page-cache.ts';
import { adminApi } from './admin.ts';
import { errorBody } from './http.ts';
import { PUBLIC_CACHE, securityHeaders } from './security.ts';
import { etagMatches } from './public-cache.ts';
import { bodyLimitFor, isUtf8Body } from '../http/body.ts';
import { pageCacheKey } from '../snapshot/cache-keys.ts';
import { callAstro } from '../snapshot/astro-render.ts';

export type AstroHandler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void, locals?: object) => Promise<void>;

export interface AppOptions {
  /** Astro's middleware-mode handler; pages are unavailable without it (unit tests). */
  astro?: AstroHandler;
  /** Folder of built static files (Astro's dist/client: public/ plus /_astro). */
  clientDir?: string;
  /** Renders a public page by asking Astro (see server.ts). */
  render?: Renderer;
  /** Extra sub-apps mounted under /api by other features. */
  mounts?: Array<{ path: string; app: Hono<any> }>;
}

/** Public page routes served from the in-memory page cache. */
export const CACHED_PAGES = ['/', '/incidents/:id', '/history', '/maintenance'];
/** Methods Herald answers; anything else (TRACE, CONNECT, …) is 405 before it reaches a handler. */
export const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const FORWARDED = ['x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-for', 'forwarded'];

type Env = { Bindings: HttpBindings };

/**
 * The one HTTP front: Hono answers /api/*, /healthz, static files and the
 * cached public pages; every other request goes to Astro's handler.
 */
export function createApp(herald: Herald, opts: AppOptions = {}) {
  const app = new Hono<Env>();
  const https = herald.config.SITE_URL.startsWith('https:');
  const security = securityHeaders(https);

  // Cached public pages come first: a hit is answered from memory with every
  // header in one plain object (security headers included), before any other
  // middleware or a static-file stat runs. This is the hot path under load.
  let cache: PageCache | null = null;
  if (opts.render) {
    cache = new PageCache(opts.render, () => herald.store.version);
    // Each page's response headers, built once (the hot path allocates nothing else).
    const pageHeaders = new WeakMap<object, Record<string, string>>();
    herald.store.onChange(() => {
      cache!.prune();
      cache!.warm(['/']);
    });
    for (const route of CACHED_PAGES) {
      app.get(route, async (c, next) => {
        let page;
        try {
          page = await cache!.get(pageCacheKey(new URL(c.req.url), herald.store.data, herald.config.SITE_TIMEZONE));
        } catch (err) {
          // The loopback render failed: let Astro answer this request itself (an HTML page, not JSON).
          console.error(`[herald] render of ${c.req.path} failed; serving it uncached:`, err);
          return next();
        }
        let headers = pageHeaders.get(page);
        if (!headers) {
          headers = { ...security, 'Cache-Control': PUBLIC_CACHE, ETag: page.etag, 'Content-Type': page.contentType };
          pageHeaders.set(page, headers);
        }
        // A proxy that compresses (nginx gzip) weakens the ETag to W/"…": still a match.
        if (etagMatches(c.req.header('if-none-match'), page.etag)) {
          const { 'Content-Type': _type, ...notModified } = headers;
          return new Response(null, { status: 304, headers: notModified });
        }
        return new Response(page.bytes, { status: page.status, headers });
      });
    }
  }

  // The cached pages above are GET routes; everything else passes this first.
  app.use('*', async (c, next) => {
    if (METHODS.has(c.req.method)) return next();
    return new Response(null, { status: 405, headers: { ...security, Allow: [...METHODS].join(', '), 'Cache-Control': 'no-store' } });
  });

  app.use('*', async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(security)) if (!c.res.headers.has(k)) c.res.headers.set(k, v);
  });

  app.onError((err, c) => {
    // Errors from the cached-page routes (registered before the header middleware) need them too.
    for (const [k, v] of Object.entries(security)) c.header(k, v);
    if (err instanceof HeraldError) {
      if (err instanceof RateLimited) c.header('Retry-After', String(err.retryAfterSeconds));
      // No "Connection: close" on a 413: the rest of the upload is read and thrown away for
      // a moment (@hono/node-server drains up to 64 MB / 500 ms, never keeping it), so the
      // client, still sending, gets to read this answer instead of a reset connection.
      c.header('Cache-Control', 'no-store');
      // Forms and pages get a page; API clients (and anyone asking for JSON) get the JSON error.
      if (!c.req.path.startsWith('/api/') && !/json/.test(c.req.header('accept') ?? '')) {
        return c.html(errorPage(err), err.status as 400);
      }
      return c.json(errorBody(err), err.status as 400);
    }
    console.error(`[herald] ${c.req.method} ${new URL(c.req.url).pathname}:`, err);
    return c.json({ error: { code: 'internal', message: 'Something went wrong on our side.' } }, 500);
  });

  app.get('/healthz', (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json({ status: 'ok', version: herald.store.version, page_cache: cache?.stats() ?? null });
  });

  // One body limit for every route, Hono's and Astro's, enforced while the body
  // streams in (chunked too): memory never holds more than the route's limit.
  const limits = new Map<number, ReturnType<typeof bodyLimit>>();
  app.use('*', (c, next) => {
    const max = bodyLimitFor(c.req.path);
    let limit = limits.get(max);
    if (!limit) {
      limit = bodyLimit({
        maxSize: max,
        onError: () => {
          throw new PayloadTooLarge(max);
        },
      });
      limits.set(max, limit);
    }
    return limit(c, next);
  });
  // Request bodies must be UTF-8 (a form's percent-escapes included): a lossy
  // decode would store U+FFFD where the sender meant something else.
  app.use('*', async (c, next) => {
    if (c.req.raw.body) {
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      if (!isUtf8Body(bytes, c.req.header('content-type'))) {
        throw new BadRequest('The request body is not valid UTF-8.', 'invalid_utf8');
      }
    }
    await next();
  });
  // Feature sub-apps first: admin ones among them add their own requireAdmin.
  for (const m of opts.mounts ?? []) app.route(m.path, m.app);
  app.route('/api/admin', adminApi(herald));
  app.all('/api/*', (c) => {
    throw new NotFound(`No API route ${c.req.method} ${new URL(c.req.url).pathname}.`);
  });

  if (opts.clientDir) {
    const root = opts.clientDir;
    app.use(
      '/_astro/*',
      serveStatic({ root, onFound: (_p, c) => c.header('Cache-Control', 'public, max-age=31536000, immutable') }),
    );
    app.use('*', serveStatic({ root, onFound: (_p, c) => c.header('Cache-Control', 'public, max-age=300') }));
  }

  if (opts.astro) {
    const astro = opts.astro;
    app.all('*', async (c) => {
      const { incoming } = c.env;
      // Behind your own TLS proxy (TRUST_PROXY), Astro must see the public
      // https origin for its form origin check; otherwise clients may not claim one.
      if (!herald.config.TRUST_PROXY) for (const h of FORWARDED) delete incoming.headers[h];
      // Astro reads the body already read (and size-checked) above, never the socket.
      if (c.req.raw.body) (incoming as typeof incoming & { body?: Buffer }).body = Buffer.from(await c.req.arrayBuffer());
      // HEAD is answered as GET without the body (Hono drops it).
      if (incoming.method === 'HEAD') incoming.method = 'GET';
      const answer = await callAstro(astro, incoming, { herald });
      for (const [k, v] of Object.entries(security)) if (!answer.headers.has(k)) answer.headers.set(k, v);
      if (!answer.headers.has('Cache-Control')) answer.headers.set('Cache-Control', 'no-store');
      const empty = answer.body.length === 0 || answer.status === 204 || answer.status === 304;
      return new Response(empty ? null : new Uint8Array(answer.body.buffer as ArrayBuffer, answer.body.byteOffset, answer.body.length), { status: answer.status, headers: answer.headers });
    });
  }

  return app;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** A bare page for an error that stopped a form or page request before its page could answer. */
function errorPage(err: HeraldError): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(err.message)}</title></head><body><main><h1>The request was refused</h1>` +
    `<p>${escapeHtml(err.message)}</p><p><a href="/">Back to the status page</a></p></main></body></html>`
  );
}
