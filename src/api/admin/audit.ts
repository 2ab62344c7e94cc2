import { Hono } from 'hono';
import type { Herald } from '../../herald.ts';
import { Invalid } from '../../domain/errors.ts';
import { auditPage } from '../../domain/audit-pages.ts';
import type { AdminEnv } from './auth.ts';
import { countQuery } from './paging.ts';

/**
 * `GET /audit?limit=N&before=ID`: the newest audit events first (who did what to which record, with
 * previous values), `limit` a page (100, at most 500); `next_before` is the id to send as `before` for
 * the older page, null on the oldest.
 */
export function auditApi(herald: Herald) {
  const app = new Hono<AdminEnv>();
  app.get('/audit', (c) => {
    const limit = countQuery(c.req.query('limit'), 100, 500);
    const before = c.req.query('before')?.trim() || null;
    const page = auditPage(herald.store.data.audit, { before, limit });
    if (!page) throw new Invalid('before must be the id of an audit event (the next_before of a previous page).', 'before');
    return c.json({ events: page.events, next_before: page.older });
  });
  return app;
}
