import { Hono } from 'hono';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import type { Herald } from '../herald.ts';
import { PRIVATE_CACHE } from '../api/security.ts';
import { consoleState } from './state.ts';

/**
 * Hono's side of the console, mounted at /admin in front of the Astro pages:
 * Hono's csrf() refuses cross-site form posts (Origin / Sec-Fetch-Site) before
 * Astro sees them. The pages add the
 * per-session CSRF token check. Creating the console state here hashes
 * ADMIN_PASSWORD at start rather than on the first sign-in.
 */
export function consoleGuard(herald: Herald): Hono {
  consoleState(herald);
  const app = new Hono();
  const sameOrigin = csrf();
  app.use('*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      try {
        await sameOrigin(c, async () => {});
      } catch (err) {
        if (err instanceof HTTPException && err.status === 403) return refuse(403, 'Cross-site form submissions are refused.');
        throw err;
      }
    }
    await next();
  });
  return app;
}

function refuse(status: number, message: string): Response {
  return new Response(message, {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': PRIVATE_CACHE },
  });
}
