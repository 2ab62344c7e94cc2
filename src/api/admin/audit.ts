import { Hono } from 'hono';
import type { Herald } from '../../herald.ts';
import type { AdminEnv } from './auth.ts';

/** `GET /audit?limit=N`: the newest audit events first (who did what to which record, with previous values). */
export function auditApi(herald: Herald) {
  const app = new Hono<AdminEnv>();
  app.get('/audit', (c) => {
    const limit = Math.min(500, Math.max(1, Number(c.req.query('limit') ?? 100) || 100));
    return c.json({ events: herald.store.data.audit.slice(-limit).reverse() });
  });
  return app;
}
