import { EMBED_HEADERS, EMBED_PATH, HASHED_ASSET_CACHE, securityHeaders, STATIC_FILE_CACHE } from '../http/security.ts';
import { FEED_PATHS, PUBLIC_CORS_HEADERS } from '../http/public-cache.ts';

/**
 * How long a host keeps the copy's pages, JSON and feeds: a minute (the copy changes with each publish, and
 * a sync to a bucket runs every minute or so), stale while it asks again, for a day if the host errs.
 */
export const COPY_CACHE = 'public, max-age=60, stale-while-revalidate=300, stale-if-error=86400';

/** The copy's pages by URL pattern: each folder's index.html, asked for with or without the trailing slash. */
const PAGE_PATTERNS = ['/', '/index.html', '/history', '/history/*', '/maintenance', '/maintenance/*', '/incidents/*'];
/** The JSON and the feeds, open to any origin as they are live. */
const DOCUMENT_PATTERNS = ['/api/*', '/index.json', ...FEED_PATHS];

const block = (pattern: string, headers: Record<string, string>): string[] => [
  pattern,
  ...Object.entries(headers).map(([k, v]) => `  ${k}: ${v}`),
];

/**
 * `_headers` (the format Netlify and Cloudflare Pages read) for a copy holding `files` (paths in the copy):
 * the headers Herald sends on each route. Cloudflare applies every rule whose pattern matches, and joins a
 * header set twice with a comma (two max-ages: caches take the smaller, or none). So, as Cloudflare matches, no
 * file matches two rules that set the same header: the security headers on `/*` alone, and every other header
 * on patterns that do not overlap. Netlify matches more loosely (`/history/*` also takes `/history.rss`) and
 * lets the later rule win: where its patterns overlap here they set the same value, which must stay so. (Cloudflare's `! Header`, which detaches a
 * header, is not used: Netlify refuses the rule.) Cloudflare reads at most 100 rules: a copy has about 20.
 */
export function hostHeaders(https: boolean, files: readonly string[]): string {
  // Files the build ships outside /_astro (embed.js, the pages' scripts, the icon), each as it is live.
  const builtFiles = files
    .filter((f) => !f.startsWith('_astro/') && !f.endsWith('index.html') && f !== '_headers')
    .map((f) => `/${f}`)
    .filter((path) => !DOCUMENT_PATTERNS.some((p) => (p.endsWith('/*') ? path.startsWith(p.slice(0, -1)) : path === p)))
    .sort();
  return [
    ...block('/*', securityHeaders(https)),
    ...PAGE_PATTERNS.flatMap((p) => block(p, { 'Cache-Control': COPY_CACHE })),
    ...DOCUMENT_PATTERNS.flatMap((p) => block(p, { 'Cache-Control': COPY_CACHE, ...PUBLIC_CORS_HEADERS })),
    ...builtFiles.flatMap((p) => block(p, { 'Cache-Control': STATIC_FILE_CACHE, ...(p === EMBED_PATH ? EMBED_HEADERS : {}) })),
    ...block('/_astro/*', { 'Cache-Control': HASHED_ASSET_CACHE }),
    '',
  ].join('\n');
}
