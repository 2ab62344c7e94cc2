import { Hono } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import type { Herald } from '../../herald.ts';
import { bannerFor, parseComponentFilter } from '../../read/banner.ts';
import { PublicAnswers, PublicCache, publicCors } from '../../http/public-cache.ts';

/**
 * `GET /api/banner.json[?components=a,b]`: the in-app banner (see
 * src/read/banner.ts), readable from any origin, cached per data version
 * and per normalized component filter. Every product app polls it, so it is
 * registered on the app before the middlewares and answered by
 * PublicAnswers; preflights (OPTIONS) go through `bannerPreflight`.
 */
export function bannerRoute<E extends { Bindings: HttpBindings }>(app: Hono<E>, herald: Herald, security: Record<string, string>): void {
  const cache = new PublicCache(() => herald.store.version);
  const answers = new PublicAnswers(security, { cors: true });
  app.get('/api/banner.json', (c) => {
    const db = herald.store.data;
    const filter = parseComponentFilter(c.req.queries('components'), db);
    const key = filter === null ? '*' : filter.join(',');
    const entry = cache.get(key, () => ({
      body: JSON.stringify(bannerFor(db, herald.config, filter)),
      contentType: 'application/json; charset=utf-8',
    }));
    return answers.answer(c, entry);
  });
}

/** CORS preflight for the banner, mounted under `/api` with the other public JSON. */
export function bannerPreflight(): Hono {
  const app = new Hono();
  app.use('/banner.json', publicCors);
  return app;
}
