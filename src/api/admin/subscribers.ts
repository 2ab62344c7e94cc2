import { Hono } from 'hono';
import type { Herald } from '../herald.ts';
import type { Notify } from '../notify/service.ts';
import type { Subscriber } from '../notify/model.ts';
import { requireAdmin, type AdminEnv } from './auth.ts';
import { removeSubscriber } from '../notify/remove-subscriber.ts';

/**
 * Admin JSON for subscribers and the outbox (mounted at /api/admin):
 * GET /subscribers?q=&state=&page=&per_page=, DELETE /subscribers/:id,
 * GET /deliveries, POST /deliveries/:id/retry, POST /deliveries/resume.
 */
export function adminSubscribersApi(herald: Herald, notify: Notify) {
  const app = new Hono<AdminEnv>();
  app.use('*', requireAdmin(herald));

  app.get('/subscribers', (c) => {
    const q = (c.req.query('q') ?? '').trim().toLowerCase().slice(0, 254);
    const state = c.req.query('state');
    const perPage = clamp(Number(c.req.query('per_page') ?? 50), 1, 500);
    const page = clamp(Number(c.req.query('page') ?? 1), 1, 1_000_000);
    const matches: Subscriber[] = [];
    for (const s of notify.book.all()) {
      if (q && !s.email.toLowerCase().includes(q)) continue;
      if (state && s.state !== state) continue;
      matches.push(s);
    }
    matches.sort((a, b) => b.seq - a.seq);
    const rows = matches.slice((page - 1) * perPage, page * perPage).map(subscriberJson);
    return c.json({ subscribers: rows, total: matches.length, page, per_page: perPage });
  });

  app.delete('/subscribers/:id', async (c) => {
    await removeSubscriber(herald, notify, c.get('actor'), c.req.param('id'));
    return c.body(null, 204);
  });

  app.get('/deliveries', (c) => {
    const db = herald.store.data;
    const updates = [...notify.ledger.intents.values()].reverse().map((i) => {
      const incident = db.incidents.find((x) => x.id === i.incident);
      return {
        update_id: i.update,
        intent: i.key,
        incident_id: i.incident,
        incident_name: incident?.name ?? null,
        kind: i.kind,
        reminder: i.key.endsWith(':reminder'),
        created_at: i.created_at,
        fanout_done: i.done,
        ...notify.ledger.countsOf(i.key),
      };
    });
    const failed = notify.ledger.byState('failed', 200).map((d) => ({
      id: d.id,
      subscriber_id: d.sub,
      email: notify.book.get(d.sub)?.email ?? null,
      intent: d.intent,
      kind: d.kind,
      attempts: d.attempts,
      last_error: d.last_error,
    }));
    return c.json({
      transport: notify.mailer.kind,
      paused: notify.sender.paused !== null,
      paused_reason: notify.sender.paused?.reason ?? null,
      paused_at: notify.sender.paused?.at ?? null,
      last_error: notify.sender.lastError,
      pending: notify.sender.pending,
      confirmations: notify.ledger.countsOf('confirm'),
      updates,
      failed,
    });
  });

  app.post('/deliveries/resume', (c) => {
    notify.sender.resume();
    return c.json({ paused: notify.sender.paused !== null });
  });

  app.post('/deliveries/:id/retry', async (c) => {
    const d = await notify.retry(c.req.param('id'));
    return c.json({ id: d.id, state: d.state });
  });

  return app;
}

function subscriberJson(s: Subscriber) {
  return {
    id: s.id,
    email: s.email,
    state: s.state,
    components: s.components,
    suppressed: s.suppressed,
    created_at: s.created_at,
    confirmed_at: s.confirmed_at,
    unsubscribed_at: s.unsubscribed_at,
  };
}

const clamp = (n: number, lo: number, hi: number) => (Number.isFinite(n) ? Math.min(hi, Math.max(lo, Math.floor(n))) : lo);
