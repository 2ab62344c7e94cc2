import type { Herald } from '../herald.ts';
import { Forbidden, Unauthorized } from '../domain/errors.ts';
import { safeEqual } from '../auth/admin-token.ts';
import { consoleState } from './state.ts';
import { readCookie, sessionCookie } from './cookie.ts';

/**
 * The admin JSON API's second way in: a console session cookie. Every method
 * but GET/HEAD must also carry the session's CSRF token in `X-CSRF-Token`
 * (a cross-site page can make the browser send the cookie, never the header).
 * Returns the actor for the audit log.
 */
export function sessionActor(herald: Herald, request: Request): string {
  const token = readCookie(request.headers.get('cookie'), sessionCookie(herald.config.SITE_URL).name);
  const session = consoleState(herald).sessions.get(token, herald.now().getTime());
  if (!session) throw new Unauthorized();
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    const csrf = request.headers.get('x-csrf-token') ?? '';
    if (!safeEqual(csrf, session.csrf)) throw new Forbidden('A valid X-CSRF-Token header is required.', 'csrf');
  }
  return session.actor;
}
