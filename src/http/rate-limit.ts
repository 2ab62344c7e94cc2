/**
 * What a limiter does when `maxKeys` live windows are kept and a new key comes:
 *
 * - `evict-open` (the default; console sign-in, subscribes per IP): room is
 *   made by forgetting the oldest key that is still within its limit; a key
 *   that used up its window (a flooding client) is kept. Losing an open
 *   counter of n hits lets that key through at most n times early, never past
 *   its limit twice over. Only when every kept key is spent (that many
 *   clients all flooding) is a new key refused until the oldest window ends.
 *   Refusing new keys as soon as the table was full (the sign-in's rule
 *   before) let one request each from 10,000 addresses lock every Comms Lead
 *   out of the console for the window.
 * - `evict` (subscribes per address): as `evict-open`, and when every kept
 *   key is spent the one spent longest is forgotten (its window is the
 *   nearest to ending anyway), so a new address is never refused. Resetting
 *   a victim's counter this way takes `maxKeys` other addresses each used up
 *   past the per-IP limit, that is `maxKeys` × limit requests from
 *   `maxKeys` × limit / per-IP-limit addresses: a flood the per-IP limiter
 *   itself stops far sooner.
 *
 * Why not refuse for subscribes: during a long outage 100 legitimate new
 * addresses a second fill 50,000 keys in about 8 minutes of a 10-minute
 * window, and refusing would then turn every new subscriber away.
 */
export type WhenFull = 'evict-open' | 'evict';

interface Window {
  count: number;
  resetAt: number;
}

/**
 * Fixed-window counters per key (a client IP, an address), in memory: Herald
 * is a single process. Used for subscribing (count every request) and for
 * console sign-in (count failures, check before trying). Memory is bounded:
 * expired windows are swept, and at most `maxKeys` windows are kept; what
 * happens to a new key then is `whenFull` (see WhenFull).
 */
export class WindowLimiter {
  /** Keys still within their limit, in window order (every window has the same length). */
  private readonly open = new Map<string, Window>();
  /** Keys that used up their window, in the order they did: roughly window order. */
  private readonly spent = new Map<string, Window>();
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly whenFull: WhenFull;

  /** `limit` events per key are allowed in each window of `windowMs`. */
  constructor(opts: { limit: number; windowMs: number; maxKeys?: number; whenFull?: WhenFull }) {
    this.limit = opts.limit;
    this.windowMs = opts.windowMs;
    this.maxKeys = opts.maxKeys ?? 50_000;
    this.whenFull = opts.whenFull ?? 'evict-open';
  }

  /** Windows kept now (live or not yet swept). */
  get size(): number {
    return this.open.size + this.spent.size;
  }

  /** Counts one event; returns 0 while within the limit, else the seconds until the window ends. */
  hit(key: string, now = Date.now()): number {
    let e = this.find(key, now);
    if (!e) {
      const full = this.makeRoom(now);
      if (full !== null) return full;
      e = { count: 0, resetAt: now + this.windowMs };
      this.open.set(key, e);
    }
    e.count += 1;
    if (e.count >= this.limit && this.open.delete(key)) this.spent.set(key, e);
    return e.count > this.limit ? this.wait(e.resetAt, now) : 0;
  }

  /** Seconds until `key` may act again once it used up its window, without counting; 0 when it may act now. */
  blockedFor(key: string, now = Date.now()): number {
    const e = this.find(key, now);
    if (!e) return this.newKeyWait(now) ?? 0;
    return e.count >= this.limit ? this.wait(e.resetAt, now) : 0;
  }

  /** Forgets `key` (a successful sign-in clears its failures). */
  reset(key: string): void {
    this.open.delete(key);
    this.spent.delete(key);
  }

  /** The live window of `key`; an ended one is dropped. */
  private find(key: string, now: number): Window | undefined {
    const e = this.open.get(key) ?? this.spent.get(key);
    if (e && e.resetAt <= now) {
      this.reset(key);
      return undefined;
    }
    return e;
  }

  /** Null when a new key would be counted now (there is room, or room can be made), else the seconds it must wait. */
  private newKeyWait(now: number): number | null {
    const full = this.fullUntil(now);
    if (full === null || this.whenFull === 'evict' || this.open.size > 0) return null;
    return full;
  }

  /** Makes room for a new key: null once there is room, else the seconds the new key must wait. */
  private makeRoom(now: number): number | null {
    const wait = this.newKeyWait(now);
    if (wait !== null || this.size < this.maxKeys) return wait;
    // The oldest key still within its limit goes first; a spent one only in `evict` mode (newKeyWait).
    const oldest = this.open.keys().next();
    if (!oldest.done) this.open.delete(oldest.value);
    else this.spent.delete(this.spent.keys().next().value!);
    return null;
  }

  /** With `maxKeys` windows kept, the seconds until the oldest ends; null while there is room. */
  private fullUntil(now: number): number | null {
    sweep(this.open, now);
    sweep(this.spent, now);
    if (this.size < this.maxKeys) return null;
    const first = [this.open.values().next().value, this.spent.values().next().value].filter((e) => e !== undefined);
    return this.wait(Math.min(...first.map((e) => e.resetAt)), now);
  }

  private wait(resetAt: number, now: number): number {
    return Math.max(1, Math.ceil((resetAt - now) / 1000));
  }
}

/** Drops ended windows from the front of a map kept in (about) window order. */
function sweep(entries: Map<string, Window>, now: number): void {
  for (const [k, e] of entries) {
    if (e.resetAt > now) break;
    entries.delete(k);
  }
}
