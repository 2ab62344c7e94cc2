/**
 * Fixed-window counters per key (a client IP, an address), in memory: Herald
 * is a single process. Used for subscribing (count every request) and for
 * console sign-in (count failures, check before trying). Memory is bounded:
 * expired windows are swept, and when `maxKeys` live windows are kept a new
 * key is refused until windows expire. Live counters are never evicted: a
 * flood of new keys must not reset the counters of the clients already limited.
 */
export class WindowLimiter {
  /** Insertion order is window order: every window has the same length and a renewed key is moved to the end. */
  private readonly entries = new Map<string, { count: number; resetAt: number }>();
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;

  /** `limit` events per key are allowed in each window of `windowMs`. */
  constructor(opts: { limit: number; windowMs: number; maxKeys?: number }) {
    this.limit = opts.limit;
    this.windowMs = opts.windowMs;
    this.maxKeys = opts.maxKeys ?? 50_000;
  }

  /** Counts one event; returns 0 while within the limit, else the seconds until the window ends. */
  hit(key: string, now = Date.now()): number {
    let e = this.entries.get(key);
    if (!e || e.resetAt <= now) {
      this.entries.delete(key);
      const full = this.fullUntil(now);
      if (full !== null) return full;
      e = { count: 0, resetAt: now + this.windowMs };
      this.entries.set(key, e);
    }
    e.count += 1;
    return e.count > this.limit ? this.wait(e.resetAt, now) : 0;
  }

  /** Seconds until `key` may act again once it used up its window, without counting; 0 when it may act now. */
  blockedFor(key: string, now = Date.now()): number {
    const e = this.entries.get(key);
    if (!e || e.resetAt <= now) return this.fullUntil(now) ?? 0;
    return e.count >= this.limit ? this.wait(e.resetAt, now) : 0;
  }

  /** Forgets `key` (a successful sign-in clears its failures). */
  reset(key: string): void {
    this.entries.delete(key);
  }

  /** With `maxKeys` live windows kept, the seconds until the oldest ends; null while there is room. */
  private fullUntil(now: number): number | null {
    for (const [k, e] of this.entries) {
      if (e.resetAt > now) break;
      this.entries.delete(k);
    }
    if (this.entries.size < this.maxKeys) return null;
    return this.wait(this.entries.values().next().value!.resetAt, now);
  }

  private wait(resetAt: number, now: number): number {
    return Math.max(1, Math.ceil((resetAt - now) / 1000));
  }
}
