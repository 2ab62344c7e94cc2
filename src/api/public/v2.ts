import { Hono } from 'hono';
import type { Herald } from '../../herald.ts';
import type { HttpBindings } from '@hono/node-server';
import { PublicAnswers, PublicCache, publicCors } from '../../http/public-cache.ts';
import { V2_DOCUMENTS, type V2Document, v2Document } from '../../read/statuspage.ts';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * `/api/v2/*`: the Statuspage-compatible public API. Every document is built
 * once per data version and served from memory with an ETag; any origin may
 * read it. Integrations poll these, so the documents are registered on the
 * app before the middlewares and answered by PublicAnswers
 * (`statuspageDocuments`); the sub-app (`statuspageApi`) answers preflights
 * and puts CORS on the app's JSON 404 for an unknown path and its 405 for a
 * method a document does not answer (so browser clients can read them too).
 */
export function statuspageDocuments<E extends { Bindings: HttpBindings }>(
  app: Hono<E>,
  herald: Herald,
  security: Record<string, string>,
): void {
  const cache = new PublicCache(() => herald.store.version, V2_DOCUMENTS.length);
  const answers = new PublicAnswers(security, { cors: true });
  const serve = (path: string, name: V2Document) =>
    app.get(path, (c) => {
      const entry = cache.get(name, () => ({
        body: JSON.stringify(v2Document(name, herald.store.data, herald.config)),
        contentType: JSON_TYPE,
      }));
      return answers.answer(c, entry);
    });
  for (const name of V2_DOCUMENTS) serve(`/api/v2/${name}.json`, name);
  // Statuspage pages also answer /index.json with the summary; the statuspage-updates client polls it.
  serve('/index.json', 'summary');
}

export function statuspageApi() {
  const app = new Hono();
  app.use('*', publicCors);
  return app;
}
