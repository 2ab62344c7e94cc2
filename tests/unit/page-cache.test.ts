import { describe, expect, it } from 'vitest';
import { PageCache } from '../../src/snapshot/page-cache.ts';

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
    await t.cache.get('/');
    expect(t.renders()).toBe(1);
  });

  it('never serves a page of an older version after a write', async () => {
    const t = counter();
    expect((await t.cache.get('/')).body).toContain('v1');
    t.bump();
    expect((await t.cache.get('/')).body).toContain('v2');
  });

  it('serves an old entry while re-rendering it in the background once it is older than maxAge', async () => {
    const t = counter();
    const first = await t.cache.get('/');
    await new Promise((r) => setTimeout(r, 80));
    const stale = await t.cache.get('/');
    expect(stale.body).toBe(first.body);
    await new Promise((r) => setTimeout(r, 10));
    const fresh = await t.cache.get('/');
    expect(fresh.body).not.toBe(first.body);
    expect(t.renders()).toBe(2);
  });
});
