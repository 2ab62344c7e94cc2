import { describe, expect, it } from 'vitest';
import { WindowLimiter } from '../../src/http/rate-limit.ts';

describe('WindowLimiter', () => {
  it('allows `limit` hits per window, then answers the seconds left until the window ends', () => {
    const l = new WindowLimiter({ limit: 2, windowMs: 60_000 });
    expect(l.hit('a', 0)).toBe(0);
    expect(l.hit('a', 1_000)).toBe(0);
    expect(l.hit('a', 2_000)).toBe(58);
    expect(l.hit('b', 2_000)).toBe(0);
    expect(l.hit('a', 60_000)).toBe(0);
  });

  it('never answers a wait of 0 seconds for a refused hit', () => {
    const l = new WindowLimiter({ limit: 1, windowMs: 1_000 });
    l.hit('a', 0);
    expect(l.hit('a', 999)).toBe(1);
  });
});

describe('WindowLimiter full of keys that used up their window (maxKeys live windows, limit 1)', () => {
  const full = () => {
    const l = new WindowLimiter({ limit: 1, windowMs: 60_000, maxKeys: 3 });
    expect(l.hit('a', 0)).toBe(0);
    expect(l.hit('a', 0)).toBe(60); // a used up its window
    expect(l.hit('b', 1_000)).toBe(0);
    expect(l.hit('c', 2_000)).toBe(0);
    return l;
  };

  it('refuses a new key until the oldest window ends, and keeps the counters it has', () => {
    const l = full();
    expect(l.hit('d', 3_000)).toBe(57); // a's window ends at 60 s
    expect(l.blockedFor('d', 3_000)).toBe(57);
    expect(l.hit('a', 4_000)).toBe(56); // still limited: not evicted to make room for d
    expect(l.hit('b', 4_000)).toBe(57); // b's single allowed hit is still counted
  });

  it('a flood of new keys never resets the counter of a key already limited', () => {
    const l = full();
    for (let i = 0; i < 10_000; i++) expect(l.hit(`flood-${i}`, 5_000)).toBeGreaterThan(0);
    expect(l.hit('a', 5_000)).toBe(55);
    expect(l.blockedFor('a', 5_000)).toBe(55);
  });

  it('expired windows make room for new keys; live ones stay counted', () => {
    const l = full();
    expect(l.hit('d', 59_999)).toBe(1);
    expect(l.hit('d', 60_000)).toBe(0); // a's window ended: room for d
    expect(l.hit('b', 60_000)).toBe(1); // b's window (until 61 s) is still counted
    expect(l.hit('e', 60_500)).toBe(1); // full again (b, c, d): e waits for b's window
    expect(l.hit('e', 61_000)).toBe(0);
    expect(l.hit('a', 61_000)).toBe(1); // full (c, d, e) and a was forgotten when its window ended: it waits like any new key
  });
});

describe('WindowLimiter full of keys still within their limit: it makes room instead of refusing new keys', () => {
  it("per address ('evict'): new addresses are never refused; the oldest open counter goes first, then the oldest spent one", () => {
    const l = new WindowLimiter({ limit: 2, windowMs: 600_000, maxKeys: 3, whenFull: 'evict' });
    expect(l.hit('victim', 0)).toBe(0);
    expect(l.hit('victim', 0)).toBe(0);
    expect(l.hit('victim', 0)).toBe(600); // used up its window
    // A long outage: far more new addresses in one window than the limiter keeps. None is refused.
    for (let i = 0; i < 50; i++) expect(l.hit(`new-${i}@example.com`, 1_000 + i)).toBe(0);
    expect(l.size).toBe(3);
    // The spent victim outlived 50 open addresses: they made room for each other.
    expect(l.hit('victim', 2_000)).toBe(598);
    // Only once every kept key is spent does the oldest spent one go.
    for (const k of ['x', 'y']) {
      l.hit(k, 3_000);
      l.hit(k, 3_000);
    }
    expect(l.hit('z', 4_000)).toBe(0);
    expect(l.hit('victim', 4_000)).toBe(0); // forgotten: through a little early, its new window counted afresh
  });

  it("per IP and for sign-ins ('evict-open', the default): a flooding IP stays refused while new IPs keep being admitted", () => {
    const l = new WindowLimiter({ limit: 5, windowMs: 600_000, maxKeys: 100, whenFull: 'evict-open' });
    for (let i = 0; i < 5; i++) expect(l.hit('ip:flooder', 0)).toBe(0);
    expect(l.hit('ip:flooder', 0)).toBe(600);
    for (let i = 0; i < 10_000; i++) expect(l.hit(`ip:visitor-${i}`, 1_000 + i)).toBe(0);
    expect(l.size).toBeLessThanOrEqual(100);
    expect(l.hit('ip:flooder', 20_000)).toBe(580);
    expect(l.blockedFor('ip:flooder', 20_000)).toBe(580);
    expect(l.blockedFor('ip:someone-new', 20_000)).toBe(0);
  });

  it("per IP ('evict-open'): when every kept IP is flooding, a new one waits", () => {
    const l = new WindowLimiter({ limit: 1, windowMs: 60_000, maxKeys: 2, whenFull: 'evict-open' });
    l.hit('ip:a', 0);
    l.hit('ip:b', 1_000);
    expect(l.hit('ip:c', 2_000)).toBe(58);
    expect(l.blockedFor('ip:c', 2_000)).toBe(58);
    expect(l.hit('ip:a', 2_000)).toBe(58); // still counted
    expect(l.hit('ip:c', 60_000)).toBe(0); // a's window ended
  });

  it('memory stays bounded and expired windows are swept in every mode', () => {
    for (const whenFull of ['evict-open', 'evict'] as const) {
      const l = new WindowLimiter({ limit: 3, windowMs: 1_000, maxKeys: 1_000, whenFull });
      for (let i = 0; i < 20_000; i++) l.hit(`k${i}`, i);
      expect(l.size, whenFull).toBeLessThanOrEqual(1_000);
    }
  });
});
