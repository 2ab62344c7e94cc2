import { Hono } from 'hono';
import type { Herald } from '../../herald.ts';
import { bannerFor, parseComponentFilter } from '../../read/banner.ts';
import { PublicCache, publicCors, respondPublic } from '../../http/public-cache.ts';

/**
 * `GET /api/banner.json[?components=a,b]`: the in-app banner (see
 * src/read/banner.ts), readable from any origin, cached per data version
 * and per normalized component filter.
 */
export function bannerApi(herald: Herald) {
  const app = new Hono();
  const cache = new PublicCache(() => herald.store.version);

  app.use('/banner.json', publicCors);

  app.get('/banner.json', (c) => {
    const db = herald.store.data;
    const filter = parseComponentFilter(c.req.query('components'), db);
    const key = filter === null ? '*' : filter.join(',');
    const entry = cache.get(key, () => ({
      body: JSON.stringify(bannerFor(db, herald.config, filter)),
      contentType: 'application/json; charset=utf-8',
    }));
    return respondPublic(c, entry);
  });

  return app;
}
