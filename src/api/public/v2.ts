import { Hono } from 'hono';
import type { Herald } from '../../herald.ts';
import { NotFound } from '../../domain/errors.ts';
import { PublicCache, publicCors, respondPublic } from '../../http/public-cache.ts';
import { V2_DOCUMENTS, v2Document } from '../../read/statuspage.ts';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * `/api/v2/*`: the Statuspage-compatible public API. Every document is built
 * once per data version and served from memory with an ETag; any origin may
 * read it. Unknown paths get a JSON 404 (with CORS, so browser clients can
 * read the error too).
 */
export function statuspageApi(herald: Herald) {
  const app = new Hono();
  const cache = new PublicCache(() => herald.store.version, V2_DOCUMENTS.length);

  app.use('*', publicCors);

  for (const name of V2_DOCUMENTS) {
    app.get(`/${name}.json`, (c) => {
      const entry = cache.get(name, () => ({
        body: JSON.stringify(v2Document(name, herald.store.data, herald.config)),
        contentType: JSON_TYPE,
      }));
      return respondPublic(c, entry);
    });
  }

  app.all('*', (c) => {
    throw new NotFound(`No API route ${c.req.method} ${new URL(c.req.url).pathname}.`);
  });

  return app;
}
