import { describe, expect, it } from 'vitest';
import { WindowLimiter } from '../../src/api/rate-limit.ts';

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
