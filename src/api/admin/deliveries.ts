import { Hono } from 'hono';
import type { Herald } from '../../herald.ts';
import type { AdminEnv } from './auth.ts';
import { findEvent } from '../../domain/model.ts';

/** The outbox: `GET /deliveries`, `POST /deliveries/:id/retry`, `POST /deliveries/resume`. */
export function deliveriesApi(herald: Herald) {
  const app = new Hono<AdminEnv>();
  const notify = herald.notify;

  app.get('/deliveries', (c) => {
    const db = herald.store.data;
    const updates = [...notify.ledger.intents.values()].reverse().map((i) => {
      const incident = findEvent(db, i.incident);
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
