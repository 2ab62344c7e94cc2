import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PageCache, pageClock } from '../../src/snapshot/page-cache.ts';
import { emptyDb } from '../../src/domain/model.ts';
import { component } from '../helpers/db.ts';

// The cache dates its entries with Date.now(): only Date is faked, so the age of an entry is what the test
// sets, not how long a busy machine took between two lines. Timers and promises stay real.
const T0 = new Date('2026-11-22T09:00:00.000Z');
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

/** Lets a background render (started by a get, not awaited by it) run to its end: the renderer resolves at once. */
const settle = () => new Promise((r) => setImmediate(r));

function counter() {
  let version = 1;
  let renders = 0;
  const cache = new PageCache(
    async (path) => ({ status: 200, contentType: 'text/html', body: `${path} v${version} r${++renders}` }),
    () => version,
    500,
    50,
  );
  return { cache, bump: () => version++, renders: () => renders };
}

describe('PageCache', () => {
  it('renders once per data version, sharing one render between concurrent requests', async () => {
    const t = counter();
    const pages = await Promise.all([t.cache.get('/'), t.cache.get('/'), t.cache.get('/')]);
    expect(new Set(pages.map((p) => p.body)).size).toBe(1);
    expect(t.renders()).toBe(1);
    // The clock has not moved (only the test moves it): a hit, and no render in the background either.
    await t.cache.get('/');
    await settle();
    expect(t.renders()).toBe(1);
  });

  it('never serves a page of an older version after a write', async () => {
    const t = counter();
    expect((await t.cache.get('/')).body).toContain('v1');
    t.bump();
    expect((await t.cache.get('/')).body).toContain('v2');
  });

  it("serves an old entry while re-rendering it in the background once its period (the page clock's minute) has turned", async () => {
    const t = counter();
    const first = await t.cache.get('/');
    vi.setSystemTime(T0.getTime() + 80);
    const stale = await t.cache.get('/');
    expect(stale.body).toBe(first.body);
    await settle();
    const fresh = await t.cache.get('/');
    expect(fresh.body).not.toBe(first.body);
    expect(t.renders()).toBe(2);
  });
});

describe('PageCache periods', () => {
  it('an entry older than the period before (a page nobody asked for a while) is rendered again before it is served', async () => {
    const t = counter();
    const first = await t.cache.get('/');
    // Two periods on: before, the page of two minutes ago was served ("Ongoing for 17 min" of an incident 38 min old).
    vi.setSystemTime(T0.getTime() + 120);
    const served = await t.cache.get('/');
    expect(served.body).not.toBe(first.body);
    expect(t.renders()).toBe(2);
  });

  it("a caller that asks for the current page (the static copy) waits for this period's render, not the one before", async () => {
    const t = counter();
    const first = await t.cache.get('/');
    // One period on: a plain request would get the page of the period before while this one renders.
    vi.setSystemTime(T0.getTime() + 60);
    const current = await t.cache.get('/', { current: true });
    expect(current.body).not.toBe(first.body);
    expect(t.renders()).toBe(2);
    // Then a hit again: no render more than a plain request would have cost.
    expect(await t.cache.get('/', { current: true })).toBe(current);
    expect(t.renders()).toBe(2);
  });

  it('a render that fails then serves the old page rather than the failure: an error thrown, or a 500 answered', async () => {
    let failure: 'none' | 'throws' | '500' = 'none';
    const flaky = new PageCache(
      async () => {
        if (failure === 'throws') throw new Error('render failed');
        return failure === '500'
          ? { status: 500, contentType: 'text/html', body: 'Internal error' }
          : { status: 200, contentType: 'text/html', body: 'ok' };
      },
      () => 1,
      500,
      50,
    );
    const kept = await flaky.get('/');
    failure = 'throws';
    vi.setSystemTime(T0.getTime() + 300);
    expect(await flaky.get('/')).toBe(kept);
    // Astro answers a page that throws with a 500 of its own (the render resolves).
    failure = '500';
    vi.setSystemTime(T0.getTime() + 600);
    expect(await flaky.get('/')).toBe(kept);
  });

  it('a clock stepped back (NTP, a resumed machine) serves the page it has, not a render per request', async () => {
    const t = counter();
    vi.setSystemTime(T0.getTime() + 200);
    const first = await t.cache.get('/');
    vi.setSystemTime(T0.getTime() + 20);
    expect(await t.cache.get('/')).toBe(first);
    await settle();
    expect(t.renders()).toBe(1);
  });

  it('re-renders when the period turns, however young the entry, and not within one', async () => {
    vi.setSystemTime(T0.getTime() + 10);
    const t = counter();
    const first = await t.cache.get('/');
    vi.setSystemTime(T0.getTime() + 40);
    await t.cache.get('/');
    await settle();
    expect(t.renders()).toBe(1);
    // 20 ms old, but in the next period (50 ms): the next request starts a render. Before: by age, not until 60 ms.
    vi.setSystemTime(T0.getTime() + 60);
    await t.cache.get('/');
    await settle();
    expect(t.renders()).toBe(2);
    expect((await t.cache.get('/')).body).not.toBe(first.body);
  });
});

describe('pageClock', () => {
  it('is the start of the minute, or the data’s last change later in it: the minute and the data alone', () => {
    const d = emptyDb('page0clock00', '2026-11-22T08:00:00.000Z');
    expect(pageClock(new Date('2026-11-22T09:00:41.250Z'), d).toISOString()).toBe('2026-11-22T09:00:00.000Z');
    // Each write commits a new data object (the clock reads each once).
    const written = { ...d, components: [component('api', 'operational', { updated_at: '2026-11-22T09:00:20.000Z' })] };
    expect(pageClock(new Date('2026-11-22T09:00:41.250Z'), written).toISOString()).toBe('2026-11-22T09:00:20.000Z');
    expect(pageClock(new Date('2026-11-22T09:01:00.001Z'), written).toISOString()).toBe('2026-11-22T09:01:00.000Z');
    // A change dated ahead of now (a replica's fast clock, an imported date) does not set the time: now does.
    const ahead = { ...d, components: [component('api', 'operational', { updated_at: '2026-11-22T09:30:00.000Z' })] };
    expect(pageClock(new Date('2026-11-22T09:01:10.500Z'), ahead).toISOString()).toBe('2026-11-22T09:01:10.500Z');
  });
});
