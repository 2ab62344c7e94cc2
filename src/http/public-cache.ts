import type { Context, MiddlewareHandler } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { cors } from 'hono/cors';
import { createHash } from 'node:crypto';
import { PUBLIC_CACHE } from './security.ts';

/** A strong ETag: the body's SHA-1, so equal bodies (on every replica, after a restart) share it. */
export const etagOf = (body: string): string => `"${createHash('sha1').update(body).digest('base64url')}"`;

/** One public body (JSON, feed, calendar) as served for one data version. */
export interface PublicBody {
  version: number;
  body: string;
  contentType: string;
  etag: string;
}

/**
 * Public JSON, feeds and calendars are pure functions of the data, so each is
 * built once per store version and then served as the same string (and
 * ETag) until the next write. The version moves with every committed write,
 * so the first request after a publish builds fresh: never stale.
 * Keys beyond `maxEntries` (e.g. many distinct ?components= filters) are
 * still answered, just not kept.
 */
export class PublicCache {
  private readonly entries = new Map<string, PublicBody>();
  private readonly version: () => number;
  private readonly maxEntries: number;

  constructor(version: () => number, maxEntries = 200) {
    this.version = version;
    this.maxEntries = maxEntries;
  }

  /** The cached body for `key` at the current version, building it if needed. */
  get(key: string, build: () => { body: string; contentType: string }): PublicBody {
    const version = this.version();
    const hit = this.entries.get(key);
    if (hit && hit.version === version) return hit;
    const { body, contentType } = build();
    const entry: PublicBody = { version, body, contentType, etag: etagOf(body) };
    if (hit || this.entries.size < this.maxEntries) this.entries.set(key, entry);
    else this.prune(version);
    return entry;
  }

  /** Drops bodies of older versions (called when the map is full). */
  private prune(version: number): void {
    for (const [key, entry] of this.entries) if (entry.version !== version) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** True when an If-None-Match header names this ETag (weak or strong, lists, `*`). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((raw) => {
    const tag = raw.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

/**
 * CORS for the public, credential-free JSON (Hono's cors): any origin may
 * read it (browser widgets and the embed script fetch it cross-origin),
 * preflights are answered with 204. Never use this on admin routes.
 */
export const publicCors: MiddlewareHandler = cors({
  origin: '*',
  allowMethods: ['GET', 'HEAD', 'OPTIONS'],
  exposeHeaders: ['ETag'],
  maxAge: 86_400,
});

/** What a cross-origin script may read of a public document: the body, and the ETag to ask again with If-None-Match. */
const PUBLIC_CORS_HEADERS = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'ETag' };

/** The paths `publicCors` (or PublicAnswers with `cors`) opens to any origin: their errors must be readable there too. */
export const isPublicJson = (path: string): boolean => path === '/api/banner.json' || path === '/index.json' || path.startsWith('/api/v2/');

/** If-None-Match from Node's own request headers: asking Hono's request for it builds a full Headers object. */
function ifNoneMatch<E extends { Bindings: HttpBindings }>(c: Context<E>): string | undefined {
  const incoming = (c.env as HttpBindings | undefined)?.incoming;
  if (!incoming) return c.req.header('if-none-match');
  const h = incoming.headers['if-none-match'];
  return Array.isArray(h) ? h.join(', ') : h;
}

/** What PublicAnswers needs of a body kept in memory: a PublicBody, or a cached page (which has its bytes and status). */
export interface KeptBody {
  body: string;
  /** The body encoded once, when kept so: a hit then writes bytes instead of encoding the string. */
  bytes?: Uint8Array<ArrayBuffer>;
  status?: number;
  contentType: string;
  etag: string;
}

/**
 * Answers with a body kept in memory: on the hot paths (the cached pages, the
 * banner every product app polls, the Statuspage documents integrations
 * poll), for routes registered before the app's middlewares (src/api/app.ts),
 * and for the feeds behind them. Every header (security where the
 * middlewares do not add it, CORS where asked, caching) in one object built
 * once per body, and a plain
 * Response, 304 when the client has it (a proxy that compresses, nginx
 * gzip, weakens the ETag to W/"…": still a match). Through the middlewares,
 * which read and set the response's headers after the handler, a banner poll
 * cost 39 µs of CPU against 15 µs this way: Hono turned the answer into a
 * full Response with a stream for its body.
 */
export class PublicAnswers {
  private readonly fixed: Record<string, string>;
  private readonly headersOf = new WeakMap<KeptBody, Record<string, string>>();

  /**
   * `security`: the headers every response carries (none for routes behind the middlewares, which add them);
   * `cors`: readable from any origin, as `publicCors` says for a simple GET.
   */
  constructor(security: Record<string, string>, opts: { cors?: boolean } = {}) {
    this.fixed = { ...security, ...(opts.cors ? PUBLIC_CORS_HEADERS : {}), 'Cache-Control': PUBLIC_CACHE };
  }

  answer<E extends { Bindings: HttpBindings }>(c: Context<E>, entry: KeptBody): Response {
    let headers = this.headersOf.get(entry);
    if (!headers) {
      headers = { ...this.fixed, ETag: entry.etag, 'Content-Type': entry.contentType };
      this.headersOf.set(entry, headers);
    }
    if (etagMatches(ifNoneMatch(c), entry.etag)) {
      const { 'Content-Type': _type, ...notModified } = headers;
      return new Response(null, { status: 304, headers: notModified });
    }
    return new Response(entry.bytes ?? entry.body, { status: entry.status ?? 200, headers });
  }
}
