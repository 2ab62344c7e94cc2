import { readdirSync } from 'node:fs';
import { TrieRouter } from 'hono/router/trie-router';
import { FEED_PATHS } from '../http/public-cache.ts';
import { under } from '../http/body.ts';
import { V2_DOCUMENTS } from '../read/statuspage.ts';

/** A page: reading it, and its forms (Astro renders a page for any method it is sent). */
export const PAGE_METHODS = ['GET', 'HEAD', 'POST'];
/** A public document (the JSON, the feeds): reading it, and a CORS preflight (publicCors). */
const DOCUMENT_METHODS = ['GET', 'HEAD', 'OPTIONS'];
/** A built file, or the health check: reading it. */
const READ_METHODS = ['GET', 'HEAD'];
/** The order an Allow lists methods in. */
const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

const DOCUMENTS = new Set<string>([
  ...V2_DOCUMENTS.map((name) => `/api/v2/${name}.json`),
  '/api/banner.json',
  '/index.json',
  ...FEED_PATHS,
]);

/** The URL paths of every file under `root` (the build's dist/client), which does not change while Herald runs. */
export function builtFiles(root: string): Set<string> {
  const files = readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  return new Set(files.map((e) => `/${`${e.parentPath}/${e.name}`.slice(root.replace(/\/+$/, '').length + 1)}`));
}

/**
 * What a path answers, for the Allow of a 405 (RFC 9110, 15.5.6: the target's methods, no more, no fewer):
 * a document GET, HEAD and OPTIONS; a built file (and /healthz) GET and HEAD; an /api path the methods of its
 * routes (none: the path is unknown, a 404); any other path is a page's. `routes`: the app's (Hono's
 * `app.routes`), read once, at the first call, when every route is registered.
 */
export function allowedMethods(routes: () => ReadonlyArray<{ method: string; path: string }>, files: ReadonlySet<string>) {
  // Hono's own router, so a path matches a route here exactly as it does when the app dispatches it.
  let api: TrieRouter<true> | undefined;
  return (path: string): string[] => {
    if (DOCUMENTS.has(path)) return DOCUMENT_METHODS;
    if (under(path, '/api')) {
      if (!api) {
        api = new TrieRouter<true>();
        for (const r of routes()) if (r.method !== 'ALL' && under(r.path, '/api')) api.add(r.method, r.path, true);
      }
      const router = api;
      const methods = new Set(ORDER.filter((m) => router.match(m, path)[0].length > 0));
      if (methods.has('GET')) methods.add('HEAD');
      return ORDER.filter((m) => methods.has(m));
    }
    if (path === '/healthz' || files.has(path) || under(path, '/_astro')) return READ_METHODS;
    return PAGE_METHODS;
  };
}
