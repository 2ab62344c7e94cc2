/**
 * Where the console sends someone back to after signing in: a console page's path, with its query when it
 * has one (the correction page's `?update=`), and nothing else (no other site: never an open redirect).
 * '/admin' for anything else.
 */
export function consoleReturnPath(raw: string | null | undefined): string {
  return raw && /^\/admin(\/[\w\-/.]*)?(\?[\w\-.~%=&]*)?$/.test(raw) && !raw.includes('..') ? raw : '/admin';
}

/**
 * The console page a form was posted from, read from the request's Referer (the console's
 * Referrer-Policy sends it on its own origin): a form posted after the session ended leads back
 * there after signing in, rather than to the dashboard. Its path and query only: the origin is not trusted.
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
