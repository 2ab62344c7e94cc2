import { etagOf } from '../http/public-cache.ts';

/** A rendered public response, kept until the data changes. */
export interface CachedPage {
  version: number;
  status: number;
  contentType: string;
  body: string;
  /** `body` encoded once, so a hit writes bytes instead of re-encoding the string. */
  bytes: Uint8Array<ArrayBuffer>;
  etag: string;
  renderedAt: number;
}

export type Renderer = (pathAndQuery: string) => Promise<{ status: number; contentType: string; body: string }>;

/**
 * Public pages as strings in memory, rendered by Astro once per data version.
 * Each publish bumps the version, so the next request after a write renders
 * fresh (concurrent requests share that one render) and never sees old data.
 * Pages also show time-relative things (today's uptime cell, how long an
 * incident has lasted), so an entry older than `maxAgeMs` is re-rendered in
 * the background while it keeps being served.
 * The number of distinct URLs kept is capped; past the cap pages are still
 * rendered, just not kept.
 */
export class PageCache {
  private readonly entries = new Map<string, CachedPage>();
  private readonly inflight = new Map<string, Promise<CachedPage>>();
  private readonly render: Renderer;
  private readonly currentVersion: () => number;
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private renders = 0;

  constructor(render: Renderer, currentVersion: () => number, maxEntries = 500, maxAgeMs = 60_000) {
    this.render = render;
    this.currentVersion = currentVersion;
    this.maxEntries = maxEntries;
    this.maxAgeMs = maxAgeMs;
  }

  async get(key: string): Promise<CachedPage> {
    const version = this.currentVersion();
    const hit = this.entries.get(key);
    if (hit && hit.version === version) {
      if (Date.now() - hit.renderedAt > this.maxAgeMs) this.refresh(key, version).catch(() => {});
      return hit;
    }
    return this.refresh(key, version);
  }

  private refresh(key: string, version: number): Promise<CachedPage> {
    const flightKey = `${version} ${key}`;
    const pending = this.inflight.get(flightKey);
    if (pending) return pending;
    const promise = this.fill(key, version).finally(() => this.inflight.delete(flightKey));
    this.inflight.set(flightKey, promise);
    return promise;
  }

  private async fill(key: string, version: number): Promise<CachedPage> {
    this.renders++;
    const r = await this.render(key);
    const page: CachedPage = {
      version,
      status: r.status,
      contentType: r.contentType,
      body: r.body,
      bytes: Buffer.from(r.body),
      etag: etagOf(r.body),
      renderedAt: Date.now(),
    };
    const cacheable = r.status === 200 || r.status === 404;
    if (cacheable && (this.entries.has(key) || this.entries.size < this.maxEntries)) {
      // A render that started before a newer write must not replace a newer entry.
      const current = this.entries.get(key);
      if (!current || current.version < version || (current.version === version && current.renderedAt <= page.renderedAt)) {
        this.entries.set(key, page);
      }
    }
    return page;
  }

  /** Renders the given pages ahead of the first visitor (after a publish). */
  warm(keys: string[]): void {
    for (const key of keys) this.get(key).catch(() => {});
  }

  /** How many pages are kept and how many renders ran since start (shown by /healthz). */
  stats(): { entries: number; renders: number } {
    return { entries: this.entries.size, renders: this.renders };
  }

  /** Drops entries of older versions (memory stays bounded by live pages). */
  prune(): void {
    const version = this.currentVersion();
    for (const [key, page] of this.entries) if (page.version !== version) this.entries.delete(key);
  }
}
