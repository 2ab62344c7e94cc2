import { Hono } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Herald } from '../../herald.ts';
import { clientAddress } from '../../http/client-address.ts';
import { subscribeSchema } from '../../input/subscribe.ts';
import { readJson } from '../read-json.ts';
import { PRIVATE_CACHE } from '../../http/security.ts';
import { refuseCrossSite } from '../../http/same-origin.ts';
import { NotFound } from '../../domain/errors.ts';

/** The one answer to every accepted subscribe request, whatever the address's state. */
export const SUBSCRIBE_ACCEPTED = {
  status: 'accepted',
  message:
    'If this address can receive email, a confirmation link is on its way, or, if the address is already subscribed, a link to manage its subscription. No notice is sent until the address is confirmed.',
} as const;

/** `POST /api/subscribers` (mounted at /api). */
export function subscribeApi(herald: Herald) {
  const app = new Hono();
  app.use('/subscribers', refuseCrossSite(herald.config.SITE_URL));
  app.post('/subscribers', async (c) => {
    // JSON only (readJson, 415 otherwise): a page on another site can send text/plain without asking (a
    // "simple" request), never JSON.
    const input = await readJson(c, subscribeSchema);
    const ip = clientAddress(herald.config, safeRemote(c), c.req.header('x-forwarded-for'));
    await herald.notify.subscribe(input, ip);
    c.header('Cache-Control', PRIVATE_CACHE);
    return c.json(SUBSCRIBE_ACCEPTED, 202);
  });
  return app;
}

/**
 * `POST /unsubscribe/:token` (mounted at /). Served here, not by the Astro
 * page: RFC 8058 one-click posts come from mail providers with
 * `List-Unsubscribe=One-Click`, no cookie and no Origin header, which Astro's
 * origin check refuses (403) for any form content type. The token is the
 * credential, and unsubscribing is the only thing it can do; a browser that
 * says the post comes from another site is still refused, as on every public
 * write. One-click gets 200 and no redirect; the page's
 * own button (which sends `via=page`) is sent back to the page (303).
 */
export function unsubscribeApp(herald: Herald) {
  const app = new Hono();
  app.use('/unsubscribe/:token', refuseCrossSite(herald.config.SITE_URL));
  app.post('/unsubscribe/:token', async (c) => {
    const token = c.req.param('token');
    const form = new URLSearchParams(await c.req.text().catch(() => ''));
    const fromPage = form.get('via') === 'page';
    c.header('Cache-Control', 'no-store');
    let ok = true;
    try {
      await herald.notify.subscribers.unsubscribe(token, herald.now());
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
      // A genuine link of a subscriber erased since (store/mail/retention.ts): nothing more is sent, so it is done.
      ok = herald.notify.subscribers.vouchesUnsubscribe(token);
    }
    if (fromPage) return c.redirect(`/unsubscribe/${encodeURIComponent(token)}`, 303);
    return ok ? c.text('You are unsubscribed.\n', 200) : c.text('This unsubscribe link is not valid.\n', 404);
  });
  return app;
}

function safeRemote(c: Parameters<typeof getConnInfo>[0]): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}
