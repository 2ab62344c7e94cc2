import { Hono } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import type { Herald } from '../../herald.ts';
import { FEED_PATHS, PublicAnswers, PublicCache, publicCors } from '../../http/public-cache.ts';
import { parseComponentFilter } from '../../read/banner.ts';
import { ATOM_TYPE, historyAtom } from '../../feeds/atom.ts';
import { RSS_TYPE, historyRss } from '../../feeds/rss.ts';
import { ICS_TYPE, maintenanceCalendar } from '../../feeds/ics.ts';

/**
 * `/history.atom`, `/history.rss` and `/maintenance.ics[?components=a,b]`,
 * each built once per data version and served with an ETag. Mounted at the
 * root, so this app registers exact paths only (no `use('*')`).
 */
export function feedsApp(herald: Herald) {
  const app = new Hono<{ Bindings: HttpBindings }>();
  const cache = new PublicCache(() => herald.store.version);
  // Mounted behind the app's middlewares, which add the security headers. Readable from any origin, as the JSON
  // is (a widget on another site shows the history or the windows), preflights included.
  const answers = new PublicAnswers({}, { cors: true });
  for (const path of FEED_PATHS) app.use(path, publicCors);

  app.get('/history.atom', (c) =>
    answers.answer(
      c,
      cache.get('atom', () => ({ body: historyAtom(herald.store.data, herald.config), contentType: ATOM_TYPE })),
    ),
  );

  app.get('/history.rss', (c) =>
    answers.answer(
      c,
      cache.get('rss', () => ({ body: historyRss(herald.store.data, herald.config), contentType: RSS_TYPE })),
    ),
  );

  app.get('/maintenance.ics', (c) => {
    const db = herald.store.data;
    const filter = parseComponentFilter(c.req.queries('components'), db);
    const key = `ics ${filter === null ? '*' : filter.join(',')}`;
    const entry = cache.get(key, () => ({ body: maintenanceCalendar(db, herald.config, filter), contentType: ICS_TYPE }));
    return answers.answer(c, entry);
  });

  return app;
}
