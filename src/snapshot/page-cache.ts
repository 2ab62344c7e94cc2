import { etagOf } from '../http/public-cache.ts';
import type { Db } from '../domain/model.ts';
import { pageUpdatedAt } from '../read/statuspage-records.ts';

/** How often the public pages' clock moves: they are rendered again, at most, once per such period. */
export const PAGE_CLOCK_MS = 60_000;

/**
 * The time a public page shows and measures with: now, at the start of its
 * minute, or the data's last change if that came later in the minute (a
 * component made at 10:00:20 has no time to measure at 10:00:00). Both come
 * from the minute and the data alone, so every replica rendering the same
 * data in that minute gets the same page.
 */
export function pageClock(now: Date, db: Db): Date {
  const minute = Math.floor(now.getTime() / PAGE_CLOCK_MS) * PAGE_CLOCK_MS;
  // Never ahead of now: a replica whose clock runs fast, or an imported date to come, must not set the pages' time.
  return new Date(Math.max(minute, Math.min(now.getTime(), Date.parse(pageUpdatedAt(db)))));
}

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
 * incident has lasted), measured at the start of the current minute
 * (pageClock), so an entry rendered in the minute before (`periodMs`) is
 * re-rendered in the background while it keeps being served; one older than
 * that is rendered again before it is served. On the minute,
 * not by age: replicas rendering the same data in the same minute serve the
 * same bytes and ETag, and a client's If-None-Match holds on any of them.
 * The number of distinct URLs kept is capped; past the cap pages are still
 * rendered, just not kept.
 */
export class PageCache {
  private readonly entries = new Map<string, CachedPage>();
  private readonly inflight = new Map<string, Promise<CachedPage>>();
  private readonly render: Renderer;
  private readonly currentVersion: () => number;
  private readonly maxEntries: number;
  private readonly periodMs: number;
  private renders = 0;

  constructor(render: Renderer, currentVersion: () => number, maxEntries = 500, periodMs = PAGE_CLOCK_MS) {
    this.render = render;
    this.currentVersion = currentVersion;
    this.maxEntries = maxEntries;
    this.periodMs = periodMs;
  }

  /**
   * `current`: a page of the minute before is not served while the fresh one renders; the caller waits for it (a
   * client asking `Cache-Control: no-cache`, such as the static copy, which keeps what it gets until its next copy).
   * It costs no render more than a plain request would: one per key and minute either way.
   */
  async get(key: string, opts: { current?: boolean } = {}): Promise<CachedPage> {
    const version = this.currentVersion();
    const hit = this.entries.get(key);
    if (hit && hit.version === version) {
      const behind = Math.floor(Date.now() / this.periodMs) - Math.floor(hit.renderedAt / this.periodMs);
      // Behind 0, or ahead of the clock (stepped back): as fresh as any render now would be.
      if (behind <= 0) return hit;
      // Of the minute before: served while the fresh one renders, so a page asked for all the time never waits.
      if (behind === 1 && !opts.current) {
        this.refresh(key, version).catch(() => {});
        return hit;
      }
      // Older (nobody asked for it since): its durations would be minutes behind what the visitor sees, so it waits
      // for the fresh one, and serves the old one if that render fails (Astro answers a page that throws with 500).
      return this.refresh(key, version).then(
        (page) => (page.status === 200 || page.status === 404 ? page : hit),
        () => hit,
      );
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
    // Dated when it starts: its pages measure on this minute's clock, whenever the render ends.
    const renderedAt = Date.now();
    const r = await this.render(key);
    const page: CachedPage = {
      version,
      status: r.status,
      contentType: r.contentType,
      body: r.body,
      bytes: Buffer.from(r.body),
      etag: etagOf(r.body),
      renderedAt,
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
