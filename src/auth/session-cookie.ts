import { parseCookie, stringifySetCookie } from 'cookie';
import type { Context } from 'hono';
import type { Herald } from '../herald.ts';
import { Forbidden, Unauthorized } from '../http/errors.ts';
import { safeEqual } from './safe-equal.ts';
import { SESSION_MAX_MS, type Session } from './sessions.ts';

/**
 * The console's session cookie, read and written with the `cookie` package
 * (the one Astro uses). Over HTTPS it is `__Host-herald_session` (browsers
 * then insist on Secure, Path=/ and no Domain, so no subdomain can set or read
 * it); browsers refuse `__Host-` cookies without Secure, so on plain http
 * (localhost development) it is `herald_session`.
 */
export function sessionCookieName(siteUrl: string): string {
  return siteUrl.startsWith('https:') ? '__Host-herald_session' : 'herald_session';
}

/** A Set-Cookie value for the session, or its removal when `token` is null. */
export function sessionSetCookie(siteUrl: string, token: string | null): string {
  return stringifySetCookie({
    name: sessionCookieName(siteUrl),
    value: token ?? '',
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: siteUrl.startsWith('https:'),
    maxAge: token === null ? 0 : Math.floor(SESSION_MAX_MS / 1000),
  });
}

/** The session token a request carries, if any. */
export function sessionToken(herald: Herald, request: Request): string | undefined {
  const header = request.headers.get('cookie');
  return header ? parseCookie(header)[sessionCookieName(herald.config.SITE_URL)] : undefined;
}

/**
 * The live session of a request (and marks it used), or null. Throws
 * Unavailable (503) when the sessions cannot be read (PostgreSQL down): that
 * is not the same as signed out.
 */
export function sessionOf(herald: Herald, request: Request): Promise<Session | null> {
  return herald.console.sessions.get(sessionToken(herald, request), herald.now().getTime(), !isPoll(request));
}

/**
 * A console page's own poll (the dashboard's every 20 s, public/admin/console.js): it says so in a header, and
 * does not count as using the session. An open tab kept it alive for its whole 24 h, where README promises an
 * end after 12 h idle: an unattended screen stayed signed in.
 */
export const isPoll = (request: Request): boolean => request.method === 'GET' && request.headers.get('x-herald-poll') === '1';

/** A request's session on its Hono context: unset until looked up, then the session or null. */
export type SessionVariables = { session?: Session | null };

/**
 * The live session of the request on `c`, looked up (and marked used) once
 * per request: whoever asks first keeps the answer on the context (the body
 * checks, which ask before the body is read), and the guards after it reuse it.
 */
export async function requestSession<E extends { Variables: SessionVariables }>(herald: Herald, c: Context<E>): Promise<Session | null> {
  const vars = c as unknown as Context<{ Variables: SessionVariables }>;
  const known = vars.get('session');
  if (known !== undefined) return known;
  const session = await sessionOf(herald, c.req.raw);
  vars.set('session', session);
  return session;
}

/**
 * The admin JSON API's second way in: a console session cookie. Every method
 * but GET/HEAD must also carry the session's CSRF token in `X-CSRF-Token`
 * (a cross-site page can make the browser send the cookie, never the header).
 * Returns the actor for the audit log.
 */
export async function sessionActor<E extends { Variables: SessionVariables }>(herald: Herald, c: Context<E>): Promise<string> {
  const session = await requestSession(herald, c);
  if (!session) throw new Unauthorized();
  const request = c.req.raw;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    const csrf = request.headers.get('x-csrf-token') ?? '';
    if (!safeEqual(csrf, session.csrf)) throw new Forbidden('A valid X-CSRF-Token header is required.', 'csrf');
  }
  return session.actor;
}
