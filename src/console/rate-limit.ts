/**
 * Counts failures per key (the client IP for sign-in) in a fixed window. After
 * `max` failures the key is refused until the window ends. Memory is bounded:
 * expired entries are swept, and past `maxKeys` the oldest are dropped.
 */
export class FailureLimiter {
  private readonly entries = new Map<string, { count: number; resetAt: number }>();
  private readonly max: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;

  constructor(opts: { max: number; windowMs: number; maxKeys?: number }) {
    this.max = opts.max;
    this.windowMs = opts.windowMs;
    this.maxKeys = opts.maxKeys ?? 10_000;
  }

  /** Seconds until `key` may try again, or 0 when it may try now. */
  blockedFor(key: string, now: number): number {
    const e = this.entries.get(key);
    if (!e || e.resetAt <= now) return 0;
    return e.count >= this.max ? Math.ceil((e.resetAt - now) / 1000) : 0;
  }

  fail(key: string, now: number): void {
    let e = this.entries.get(key);
    if (!e || e.resetAt <= now) {
      if (this.entries.size >= this.maxKeys) this.sweep(now);
      e = { count: 0, resetAt: now + this.windowMs };
      this.entries.set(key, e);
    }
    e.count += 1;
  }

  succeed(key: string): void {
    this.entries.delete(key);
  }

  private sweep(now: number): void {
    for (const [k, e] of this.entries) if (e.resetAt <= now) this.entries.delete(k);
    while (this.entries.size >= this.maxKeys) this.entries.delete(this.entries.keys().next().value!);
  }
}
