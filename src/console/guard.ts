import type { AstroGlobal } from 'astro';
import type { Herald } from '../herald.ts';
import type { Session } from '../auth/sessions.ts';
import { safeEqual } from '../auth/safe-equal.ts';
import { PRIVATE_CACHE } from '../http/security.ts';
import { pageClientAddress } from '../http/client-address.ts';
import { Unavailable } from '../domain/errors.ts';
import { seeOther } from '../http/see-other.ts';
import { postedFormPath } from '../auth/return-path.ts';

/** What every console page works with: the services, the signed-in session, who acts (for the audit log). */
export interface AdminContext {
  herald: Herald;
  session: Session;
  actor: string;
}

/**
 * The first line of every console page but sign-in. The HTTP front already
 * sent visitors without a session to sign in (src/api/console-guard.ts);
 * this marks the answer private and uncacheable and hands the page its context.
 */
export function adminPage(astro: AstroGlobal): AdminContext {
  astro.response.headers.set('Cache-Control', PRIVATE_CACHE);
  const { herald, session } = astro.locals;
  if (!session) throw new Error(`${astro.url.pathname} was rendered without a console session`);
  return { herald, session, actor: session.actor };
}

/** A 303 See Other (a POST's answer becomes a GET), never cached: the public forms' seeOther. */
export const redirect = seeOther;

/**
 * Reads a state-changing form and checks its CSRF token against the
 * session's. Returns the form or a 403 response to send instead. (Its size
 * and UTF-8 were checked by the HTTP front before the page ran; its text's
 * line breaks become `\n` in the schemas, input/schemas.ts.)
 */
export async function readAdminForm(astro: AstroGlobal, session: Session): Promise<FormData | Response> {
  // Read from a copy: a refused form is answered by a console page through a rewrite, which wants the body unread.
  const form = await readForm(astro.request.clone());
  if (form instanceof Response) return form;
  const token = form.get('csrf');
  if (typeof token !== 'string' || !safeEqual(token, session.csrf)) {
    // Mostly a page opened before the Comms Lead signed in again (another tab, an expired session): refused all
    // the same, but with a console page (403) that leads back to the form, not bare text whose "reload" loses it.
    const back = postedFormPath(astro.url, astro.request.headers.get('referer') ?? undefined);
    return astro.rewrite(`/admin/form-refused?back=${encodeURIComponent(back)}`);
  }
  return form;
}

/** Parses a url-encoded or multipart form body. */
export async function readForm(request: Request): Promise<FormData | Response> {
  try {
    return await request.formData();
  } catch {
    return plain(400, 'The form could not be read.');
  }
}

/**
 * Awaits a read of the console's state (a draft); when that state cannot be
 * reached (PostgreSQL down) the page answers 503 with why, never a 500.
 */
export async function orUnavailable<T>(work: Promise<T>): Promise<T | Response> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof Unavailable) return plain(503, err.message);
    throw err;
  }
}

export function plain(status: number, message: string): Response {
  return new Response(message, {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': PRIVATE_CACHE },
  });
}

/**
 * Where an incident's console pages send an id the data does not hold (withdrawn since the link or form was
 * made, or never used), for `Astro.rewrite`: a console page saying which, not a bare text 404.
 */
export const gonePath = (id: string | undefined): string => `/admin/incidents/${encodeURIComponent(id ?? '')}/gone`;

/** The client address for rate limiting (see clientAddress in src/http/client-address.ts). */
export function clientIp(astro: AstroGlobal, herald: Herald): string {
  return pageClientAddress(herald.config, astro);
}
