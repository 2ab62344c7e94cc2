import type { Context, MiddlewareHandler } from 'hono';
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

/** Answers with a cached public body: ETag, short shared caching, 304 when the client has it. */
export function respondPublic(c: Context, entry: PublicBody): Response {
  c.header('Cache-Control', PUBLIC_CACHE);
  c.header('ETag', entry.etag);
  if (etagMatches(c.req.header('if-none-match'), entry.etag)) return c.body(null, 304);
  c.header('Content-Type', entry.contentType);
  return c.body(entry.body, 200);
}

/**
 * CORS for the public, credential-free JSON (Hono's cors): any origin may
 * read it (browser widgets and the embed script fetch it cross-origin),
 * preflights are answered with 204. Never use this on admin routes.
 */
export const publicCors: MiddlewareHandler = cors({ origin: '*', allowMethods: ['GET', 'HEAD', 'OPTIONS'], maxAge: 86_400 });
