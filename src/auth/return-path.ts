/** One-time notices a page shows after a change ("Draft saved."): not shown again on the way back after signing in. */
const NOTICE_PARAMS = ['done', 'saved', 'corrected', 'published', 'named', 'removed', 'signed_out', 'unsent'];

/**
 * Where the console sends someone back to after signing in: a console page's path (never another site: no
 * open redirect), '/admin' for anything else, with its query (a search, the correction page's `?update=`)
 * as URLSearchParams writes it, less the one-time notices.
 */
export function consoleReturnPath(raw: string | null | undefined): string {
  const at = (raw ?? '').indexOf('?');
  const path = at < 0 ? (raw ?? '') : raw!.slice(0, at);
  if (!/^\/admin(\/[\w\-/.]*)?$/.test(path) || path.includes('..')) return '/admin';
  const query = new URLSearchParams(at < 0 ? '' : raw!.slice(at + 1));
  for (const name of NOTICE_PARAMS) query.delete(name);
  return query.size ? `${path}?${query}` : path;
}

/**
 * The console page a form was posted from, read from the request's Referer (the console's
 * Referrer-Policy sends it on its own origin): a form posted after the session ended leads back
 * there after signing in, rather than to the dashboard. Its path and query only: the origin is not
 * trusted. (The console's script also names the page to the sign-in form, for a browser that sends
 * no Referer.)
 */
export function formPagePath(referer: string | undefined): string {
  if (!referer) return '/admin';
  try {
    const url = new URL(referer);
    return consoleReturnPath(url.pathname + url.search);
  } catch {
    return '/admin';
  }
}

/**
 * The console page a posted form belongs to: the page its address names (`?from=`: a form drawn where its page is
 * not, as a refused declare at /admin/preview or the preview's "Publish now"), else the page it was posted from.
 */
export function postedFormPath(url: URL, referer: string | undefined): string {
  const from = url.searchParams.get('from');
  return from ? consoleReturnPath(from) : formPagePath(referer);
}
