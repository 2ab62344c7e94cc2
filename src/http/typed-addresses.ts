import type { Env, Hono } from 'hono';
import type { Herald } from '../herald.ts';
import { findEvent } from '../domain/model.ts';

/** Where an address people guess at leads: the list of incidents is the history, a site's index file is its root. */
const ALIASES: Record<string, string> = { '/incidents': '/history', '/index.html': '/' };

/**
 * Addresses people type rather than click: a reference read out of an email
 * and typed in lower case (`inc-2026-11-30-1`), `/incidents` for the list,
 * `/index.html`. Each was a "not found" page; each now leads (301) to the page
 * that is there. Registered before the page cache, so a guessed spelling takes
 * no cache entry of its own. `no-store`: an incident can be withdrawn later.
 */
export function typedAddresses<E extends Env>(app: Hono<E>, herald: Herald, security: Record<string, string>): void {
  const redirect = (location: string) =>
    new Response(null, { status: 301, headers: { ...security, Location: location, 'Cache-Control': 'no-store' } });
  for (const [from, to] of Object.entries(ALIASES)) app.get(from, () => redirect(to));
  app.get('/incidents/:id', (c, next) => {
    const id = c.req.param('id');
    const upper = id.toUpperCase();
    if (upper === id) return next();
    const db = herald.store.data;
    if (findEvent(db, id) || !findEvent(db, upper)) return next();
    const q = c.req.url.indexOf('?');
    return redirect(`/incidents/${encodeURIComponent(upper)}${q === -1 ? '' : c.req.url.slice(q)}`);
  });
}
