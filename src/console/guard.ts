import type { AstroGlobal } from 'astro';
import type { Herald } from '../herald.ts';
import { safeEqual } from '../auth/admin-token.ts';
import { PRIVATE_CACHE } from '../api/security.ts';
import { clientAddress } from '../http/client-address.ts';
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

/**
 * Parses a url-encoded or multipart form body. Its size and UTF-8 were checked
 * by the HTTP front (src/http/body.ts) before the page ran.
 */
export async function readForm(request: Request): Promise<FormData | Response> {
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

/** The client address for rate limiting (see clientAddress). */
export function clientIp(astro: AstroGlobal, herald: Herald): string {
  let socket: string | undefined;
  try {
    socket = astro.clientAddress;
  } catch {
    socket = undefined;
  }
  return clientAddress(herald.config, socket, astro.request.headers.get('x-forwarded-for'));
}
