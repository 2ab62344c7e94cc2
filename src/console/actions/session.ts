import type { Herald } from '../../herald.ts';
import { safeEqual } from '../../auth/admin-token.ts';
import { verifyPassword } from '../../auth/password.ts';
import { sessionSetCookie, sessionToken } from '../../auth/session-cookie.ts';

export type SignInResult =
  | { ok: true; redirect: string; setCookie: string }
  | { ok: false; status: 401 | 429; message: string; retryAfter?: number };

/**
 * Signs a Comms Lead in with the admin token or ADMIN_PASSWORD, as `name`
 * (recorded in the audit log with everything they publish). Failures are
 * limited per client address; a failure is counted before the password is
 * checked, so parallel guesses cannot overtake the limit while scrypt runs.
 */
export async function signInAction(herald: Herald, form: FormData, ip: string, next: string): Promise<SignInResult> {
  const now = () => herald.now().getTime();
  const limiter = herald.console.signInFailures;
  const wait = limiter.blockedFor(ip, now());
  if (wait > 0) {
    return {
      ok: false,
      status: 429,
      retryAfter: wait,
      message: `Too many failed sign-ins from your address. Try again in ${Math.ceil(wait / 60)} minute(s).`,
    };
  }
  const secret = String(form.get('secret') ?? '');
  limiter.hit(ip, now());
  const password = herald.console.password;
  const ok = secret.length > 0 && (safeEqual(secret, herald.adminToken) || (password !== null && (await verifyPassword(secret, password))));
  if (!ok) return { ok: false, status: 401, message: 'That token or password is not right.' };
  limiter.reset(ip);
  const name = String(form.get('name') ?? '')
    .trim()
    .slice(0, 60)
    .replace(/[^\p{L}\p{N} .'_-]/gu, '');
  const { token } = herald.console.sessions.create(`console:${name || 'comms-lead'}`, now());
  return { ok: true, redirect: next, setCookie: sessionSetCookie(herald.config.SITE_URL, token) };
}

/** Ends the request's session; returns the Set-Cookie that removes the cookie. */
export function signOutAction(herald: Herald, request: Request): string {
  herald.console.sessions.destroy(sessionToken(herald, request));
  return sessionSetCookie(herald.config.SITE_URL, null);
}
