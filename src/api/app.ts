import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { HttpBindings } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Herald } from '../herald.ts';
import { BadRequest, HeraldError, NotFound, PayloadTooLarge, RateLimited } from '../domain/errors.ts';
import { PageCache, type Renderer } from '../snapshot/page-cache.ts';
import { adminApi } from './admin.ts';
import { errorBody } from './http.ts';
import { LIMITS } from './schemas.ts';
import { PUBLIC_CACHE, securityHeaders } from './security.ts';
import { etagMatches } from './public-cache.ts';

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
const CACHE_QUERY_KEYS = ['page', 'month'];
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
  if (opts.render) {
    const cache = new PageCache(opts.render, () => herald.store.version);
    // Each page's response headers, built once (the hot path allocates nothing else).
    const pageHeaders = new WeakMap<object, Record<string, string>>();
    herald.store.onChange(() => {
      cache.prune();
      cache.warm(['/']);
    });
    for (const route of CACHED_PAGES) {
      app.get(route, async (c, next) => {
        let page;
        try {
          page = await cache.get(cacheKey(c));
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

  app.use('*', async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(security)) if (!c.res.headers.has(k)) c.res.headers.set(k, v);
  });

  app.onError((err, c) => {
    // Errors from the cached-page routes (registered before the header middleware) need them too.
    for (const [k, v] of Object.entries(security)) c.header(k, v);
    if (err instanceof HeraldError) {
      if (err instanceof RateLimited) c.header('Retry-After', String(err.retryAfterSeconds));
      // The unread rest of the upload is dropped and the socket closed soon after: tell the
      // client, or its next request on this keep-alive connection fails ("other side closed").
      if (err instanceof PayloadTooLarge) c.header('Connection', 'close');
      c.header('Cache-Control', 'no-store');
      return c.json(errorBody(err), err.status as 400);
    }
    console.error(`[herald] ${c.req.method} ${new URL(c.req.url).pathname}:`, err);
    return c.json({ error: { code: 'internal', message: 'Something went wrong on our side.' } }, 500);
  });

  app.get('/healthz', (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json({ status: 'ok', version: herald.store.version });
  });

  app.use(
    '/api/*',
    bodyLimit({
      maxSize: LIMITS.requestBytes,
      onError: () => {
        throw new PayloadTooLarge(LIMITS.requestBytes);
      },
    }),
  );
  // Request bodies must be UTF-8: a lossy decode would store U+FFFD where the
  // sender meant something else. Checked once here, before any handler reads text.
  app.use('/api/*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.req.raw.body) {
      const bytes = await c.req.arrayBuffer(); // a body over the limit throws here, for bodyLimit to answer 413
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
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
      const { incoming, outgoing } = c.env;
      // Behind your own TLS proxy (TRUST_PROXY), Astro must see the public
      // https origin for its form origin check; otherwise clients may not claim one.
      if (!herald.config.TRUST_PROXY) for (const h of FORWARDED) delete incoming.headers[h];
      for (const [k, v] of Object.entries(security)) outgoing.setHeader(k, v);
      if (!outgoing.hasHeader('Cache-Control')) outgoing.setHeader('Cache-Control', 'no-store');
      await astro(incoming, outgoing, undefined, { herald });
      return RESPONSE_ALREADY_SENT;
    });
  }

  return app;
}

function cacheKey(c: Context): string {
  if (!c.req.url.includes('?')) return c.req.path;
  const url = new URL(c.req.url);
  const params = new URLSearchParams();
  for (const k of CACHE_QUERY_KEYS) {
    const v = url.searchParams.get(k);
    if (v !== null && v.length <= 20) params.set(k, v);
  }
  const q = params.toString();
  return q ? `${url.pathname}?${q}` : url.pathname;
}
