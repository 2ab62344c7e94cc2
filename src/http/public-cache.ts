import type { Context, MiddlewareHandler } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { cors } from 'hono/cors';
import { accepts } from 'hono/accepts';
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { MISSING_CACHE, PUBLIC_CACHE } from './security.ts';

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
 * CORS for the public, credential-free JSON and feeds (Hono's cors): any origin may
 * read them (browser widgets and the embed script fetch them cross-origin),
 * preflights are answered with 204. Never use this on admin routes.
 */
export const publicCors: MiddlewareHandler = cors({
  origin: '*',
  allowMethods: ['GET', 'HEAD', 'OPTIONS'],
  exposeHeaders: ['ETag'],
  maxAge: 86_400,
});

/** What a cross-origin script may read of a public document: the body, and the ETag to ask again with If-None-Match. */
export const PUBLIC_CORS_HEADERS = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'ETag' };

/** The feeds (src/api/public/feeds.ts), open to any origin as the JSON is. */
export const FEED_PATHS = ['/history.atom', '/history.rss', '/maintenance.ics'] as const;

/** The paths `publicCors` (or PublicAnswers with `cors`) opens to any origin: their errors must be readable there too. */
export const isOpenToAnyOrigin = (path: string): boolean =>
  path === '/api/banner.json' || path === '/index.json' || path.startsWith('/api/v2/') || (FEED_PATHS as readonly string[]).includes(path);

/** A request header from Node's own request headers: asking Hono's request for it builds a full Headers object. */
function rawHeader<E extends { Bindings: HttpBindings }>(c: Context<E>, name: 'if-none-match' | 'accept-encoding'): string | undefined {
  const incoming = (c.env as HttpBindings | undefined)?.incoming;
  if (!incoming) return c.req.header(name);
  const h = incoming.headers[name];
  return Array.isArray(h) ? h.join(', ') : h;
}

/** Below this a body is sent as it is: compressing would save a few hundred bytes at most (the banner, a small document). */
export const COMPRESS_MIN_BYTES = 1024;

/** The encodings Herald compresses a kept body with, the one it prefers first. */
const ENCODINGS = ['br', 'gzip'] as const;
type Encoding = (typeof ENCODINGS)[number];

/** Brotli at quality 5 is smaller than gzip and faster (a 53 KB page: 1.8 KB in 0.23 ms, against 2.7 KB in 0.57 ms). */
const COMPRESS: Record<Encoding, (bytes: Uint8Array | string) => Buffer> = {
  br: (bytes) => brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5 } }),
  gzip: (bytes) => gzipSync(bytes),
};

/**
 * The encoding a client takes, as Hono's `accepts` reads Accept-Encoding
 * (q-values, `br;q=0`), the higher q first and Herald's preference between
 * equals (browsers list gzip before br). Browsers send a handful of distinct
 * headers, so the answer is kept per header and the hot path parses nothing.
 */
const encodingByHeader = new Map<string, Encoding | 'identity'>();
export function encodingFor<E extends { Bindings: HttpBindings }>(c: Context<E>): Encoding | 'identity' {
  const header = rawHeader(c, 'accept-encoding');
  if (!header) return 'identity';
  let encoding = encodingByHeader.get(header);
  if (encoding === undefined) {
    encoding = accepts(c as unknown as Context, {
      header: 'Accept-Encoding',
      supports: [...ENCODINGS],
      default: 'identity',
      match: (offered) => {
        const q = (e: Encoding) => offered.find((o) => o.type.toLowerCase() === e)?.q ?? 0;
        const best = Math.max(...ENCODINGS.map(q));
        return best > 0 ? ENCODINGS.find((e) => q(e) === best)! : 'identity';
      },
    }) as Encoding | 'identity';
    // Bounded: past 100 distinct headers (junk, not browsers) it starts again rather than stop learning.
    if (encodingByHeader.size >= 100) encodingByHeader.clear();
    encodingByHeader.set(header, encoding);
  }
  return encoding;
}

/** A compressed copy's own strong ETag, as a different encoding must have (RFC 9110, 8.8.3). */
const encodedTag = (etag: string, encoding: Encoding): string => `${etag.slice(0, -1)}-${encoding}"`;

/** One way of sending a kept body: its bytes and every header, built once. */
interface Variant {
  bytes: Uint8Array<ArrayBuffer> | string;
  etag: string;
  headers: Record<string, string>;
  /** Large enough to send compressed to a client that takes it (the plain copy of such a body says Vary). */
  compressible: boolean;
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
 * once per body, and a plain Response: compressed (Brotli or gzip) for a
 * client that takes it (bodies of 1 KB or more), 304 when the client has it (a proxy that
 * compresses, nginx gzip, weakens the ETag to W/"…": still a match). Through the middlewares,
 * which read and set the response's headers after the handler, a banner poll
 * cost 39 µs of CPU against 15 µs this way: Hono turned the answer into a
 * full Response with a stream for its body.
 */
export class PublicAnswers {
  private readonly fixed: Record<string, string>;
  private readonly plainOf = new WeakMap<KeptBody, Variant>();
  private readonly packedOf: Record<Encoding, WeakMap<KeptBody, Variant>> = { br: new WeakMap(), gzip: new WeakMap() };

  /**
   * `security`: the headers every response carries (none for routes behind the middlewares, which add them);
   * `cors`: readable from any origin, as `publicCors` says for a simple GET.
   */
  constructor(security: Record<string, string>, opts: { cors?: boolean } = {}) {
    this.fixed = { ...security, ...(opts.cors ? PUBLIC_CORS_HEADERS : {}), 'Cache-Control': PUBLIC_CACHE };
  }

  answer<E extends { Bindings: HttpBindings }>(c: Context<E>, entry: KeptBody): Response {
    const plain = this.plain(entry);
    const encoding = plain.compressible ? encodingFor(c) : 'identity';
    const variant = encoding === 'identity' ? plain : this.packed(entry, plain, encoding);
    // Only the tag of the copy this request gets: a 304 tells the client its copy is good, and carries that
    // copy's tag, which a cache holding the other encoding's bytes could not use (RFC 9110, 13.1.2).
    // A page not found answers 404 whatever the client holds: preconditions apply to a 2xx answer only (13.2.1).
    const status = entry.status ?? 200;
    if (status >= 200 && status < 300 && etagMatches(rawHeader(c, 'if-none-match'), variant.etag)) {
      const { 'Content-Type': _type, 'Content-Encoding': _encoding, 'Content-Length': _length, ...notModified } = variant.headers;
      return new Response(null, { status: 304, headers: notModified });
    }
    return new Response(variant.bytes, { status, headers: variant.headers });
  }

  private plain(entry: KeptBody): Variant {
    let plain = this.plainOf.get(entry);
    if (!plain) {
      const bytes = entry.bytes ?? entry.body;
      const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
      // Content-Length said here too: a HEAD (a monitor checking the page) is answered with it, but without a body to count.
      const headers: Record<string, string> = {
        ...this.fixed,
        // A page not found (yet: an incident another replica has just published) is kept by no cache without
        // asking again, nor served stale for a day while Herald errs: it may exist a moment later.
        ...(entry.status !== undefined && entry.status !== 200 ? { 'Cache-Control': MISSING_CACHE } : {}),
        ETag: entry.etag,
        'Content-Type': entry.contentType,
        'Content-Length': String(size),
      };
      const compressible = size >= COMPRESS_MIN_BYTES;
      if (compressible) headers.Vary = 'Accept-Encoding';
      plain = { bytes, etag: entry.etag, headers, compressible };
      this.plainOf.set(entry, plain);
    }
    return plain;
  }

  /**
   * Compressed once per kept body and encoding, on the first request that
   * takes it, then sent as bytes like the plain copy: a phone on a slow link
   * during an outage loads the status page in a twentieth of the bytes.
   */
  private packed(entry: KeptBody, plain: Variant, encoding: Encoding): Variant {
    let packed = this.packedOf[encoding].get(entry);
    if (!packed) {
      const compressed = COMPRESS[encoding](plain.bytes);
      const etag = encodedTag(entry.etag, encoding);
      packed = {
        bytes: new Uint8Array(compressed.buffer, compressed.byteOffset, compressed.byteLength) as Uint8Array<ArrayBuffer>,
        etag,
        headers: { ...plain.headers, ETag: etag, 'Content-Encoding': encoding, 'Content-Length': String(compressed.byteLength) },
        compressible: true,
      };
      this.packedOf[encoding].set(entry, packed);
    }
    return packed;
  }
}
