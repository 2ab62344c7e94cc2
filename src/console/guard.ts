import type { AstroGlobal } from 'astro';
import type { Herald } from '../herald.ts';
import { safeEqual } from '../auth/admin-token.ts';
import { PRIVATE_CACHE } from '../api/security.ts';
import { consoleState, type ConsoleState } from './state.ts';
import { readCookie, sessionCookie } from './cookie.ts';
import type { Session } from './sessions.ts';

/** What every admin page works with once the visitor is signed in. */
export interface AdminContext {
  herald: Herald;
  state: ConsoleState;
  session: Session;
  /** For the audit log: who acted. */
  actor: string;
}

export type Guarded = { ok: true; ctx: AdminContext } | { ok: false; response: Response };

/** The largest form the console accepts (a postmortem is the longest text). */
export const MAX_FORM_BYTES = 256 * 1024;

/**
 * The first line of every admin page: marks the answer private and
 * uncacheable, and sends visitors without a live session to sign in (303).
 */
export function adminPage(astro: AstroGlobal): Guarded {
  astro.response.headers.set('Cache-Control', PRIVATE_CACHE);
  const herald = astro.locals.herald;
  if (!herald) return { ok: false, response: new Response('The console is unavailable.', { status: 503 }) };
  const state = consoleState(herald);
  const session = state.sessions.get(sessionToken(herald, astro.request), herald.now().getTime());
  if (!session) {
    const next = new URL(astro.request.url).pathname;
    const to = astro.request.method === 'GET' && next !== '/admin' ? `/admin/login?next=${encodeURIComponent(next)}` : '/admin/login';
    return { ok: false, response: redirect(to) };
  }
  return { ok: true, ctx: { herald, state, session, actor: session.actor } };
}

export function sessionToken(herald: Herald, request: Request): string | undefined {
  return readCookie(request.headers.get('cookie'), sessionCookie(herald.config.SITE_URL).name);
}

/** A 303 See Other (a POST's answer becomes a GET), never cached. */
export function redirect(location: string): Response {
  return new Response(null, { status: 303, headers: { Location: location, 'Cache-Control': PRIVATE_CACHE } });
}

/**
 * Reads a state-changing form and checks its CSRF token against the
 * session's. Returns the form, or a 403/413 response to send instead.
 */
export async function readAdminForm(astro: AstroGlobal, session: Session): Promise<FormData | Response> {
  const form = await readForm(astro.request);
  if (form instanceof Response) return form;
  const token = form.get('csrf');
  if (typeof token !== 'string' || !safeEqual(token, session.csrf)) {
    return plain(403, 'This form has expired or did not come from the console. Go back, reload the page and try again.');
  }
  return form;
}

/** Parses a url-encoded or multipart form body, refusing oversized ones. */
export async function readForm(request: Request): Promise<FormData | Response> {
  const length = Number(request.headers.get('content-length') ?? NaN);
  if (!Number.isFinite(length)) return plain(411, 'A Content-Length is required.');
  if (length > MAX_FORM_BYTES) return plain(413, `Forms are limited to ${MAX_FORM_BYTES} bytes.`);
  try {
    return await request.formData();
  } catch {
    return plain(400, 'The form could not be read.');
  }
}

export function plain(status: number, message: string): Response {
  return new Response(message, {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': PRIVATE_CACHE },
  });
}

/** The client address for rate limiting (X-Forwarded-For only when TRUST_PROXY). */
export function clientIp(astro: AstroGlobal, herald: Herald): string {
  if (herald.config.TRUST_PROXY) {
    const fwd = astro.request.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
    if (fwd) return fwd;
  }
  try {
    return astro.clientAddress;
  } catch {
    return 'unknown';
  }
}
