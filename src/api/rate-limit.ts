/**
 * Fixed-window counters per key (a client IP, an address), in memory: Herald
 * is a single process. Used for subscribing (count every request) and for
 * console sign-in (count failures, check before trying). Memory is bounded:
 * expired windows are swept, and past `maxKeys` the oldest are dropped.
 */
export class WindowLimiter {
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
      if (this.entries.size >= this.maxKeys) this.sweep(now);
      e = { count: 0, resetAt: now + this.windowMs };
      this.entries.set(key, e);
    }
    e.count += 1;
    return e.count > this.limit ? this.wait(e.resetAt, now) : 0;
  }

  /** Seconds until `key` may act again once it used up its window, without counting; 0 when it may act now. */
  blockedFor(key: string, now = Date.now()): number {
    const e = this.entries.get(key);
    if (!e || e.resetAt <= now) return 0;
    return e.count >= this.limit ? this.wait(e.resetAt, now) : 0;
  }

  /** Forgets `key` (a successful sign-in clears its failures). */
  reset(key: string): void {
    this.entries.delete(key);
  }

  private wait(resetAt: number, now: number): number {
    return Math.max(1, Math.ceil((resetAt - now) / 1000));
  }

  private sweep(now: number): void {
    for (const [k, e] of this.entries) if (e.resetAt <= now) this.entries.delete(k);
    while (this.entries.size >= this.maxKeys) this.entries.delete(this.entries.keys().next().value!);
  }
}
