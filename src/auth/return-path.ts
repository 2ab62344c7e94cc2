/**
 * Where the console sends someone back to after signing in: a console page's path, and nothing else
 * (no query, no other site: never an open redirect). '/admin' for anything else.
 */
export function consoleReturnPath(raw: string | null | undefined): string {
  return raw && /^\/admin(\/[\w\-/.]*)?$/.test(raw) && !raw.includes('..') ? raw : '/admin';
}

/**
 * The console page a form was posted from, read from the request's Referer (the console's
 * Referrer-Policy sends it on its own origin): a form posted after the session ended leads back
 * there after signing in, rather than to the dashboard. The path only: the origin is not trusted.
 */
export function formPagePath(referer: string | undefined): string {
  if (!referer) return '/admin';
  try {
    return consoleReturnPath(new URL(referer).pathname);
  } catch {
    return '/admin';
  }
}
