import { findEvent, type Db } from '../domain/model.ts';
import { historyPage } from '../domain/history.ts';

/**
 * The page-cache key of a public page request. Only what a page reads is in
 * its key: `/` and an incident page read no query parameter, `/history` reads
 * `page` and `month`. A value that names no page (a junk parameter, a page
 * past the end, an unknown incident) gets one canonical key that renders the
 * not-found answer, so unique junk URLs cannot push real pages out of the
 * cache or make every request a render.
 */
export const NOT_FOUND_HISTORY = '/history?page=0';
export const NOT_FOUND_INCIDENT = '/incidents/-';

export function pageCacheKey(url: URL, db: Db, timeZone: string, clock?: () => Date): string {
  const path = url.pathname;
  if (path === '/history') {
    const page = url.searchParams.get('page');
    const month = url.searchParams.get('month');
    if (page === null && month === null) return path;
    // The page's clock, asked for only here: which months have a page (this one, even with nothing yet).
    const view = historyPage(db, { page, month, timeZone, now: clock?.() });
    if (!view) return NOT_FOUND_HISTORY;
    const params = new URLSearchParams();
    if (view.month) params.set('month', view.month);
    if (view.page > 1) params.set('page', String(view.page));
    const q = params.toString();
    return q ? `${path}?${q}` : path;
  }
  if (path.startsWith('/incidents/')) {
    let id: string;
    try {
      id = decodeURIComponent(path.slice('/incidents/'.length));
    } catch {
      return NOT_FOUND_INCIDENT;
    }
    return findEvent(db, id) ? `/incidents/${encodeURIComponent(id)}` : NOT_FOUND_INCIDENT;
  }
  return path;
}
