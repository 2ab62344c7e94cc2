import { Hono } from 'hono';
import { z } from 'zod';
import type { Herald } from '../../herald.ts';
import type { AdminEnv } from './auth.ts';
import { isReminderKey } from '../../notify/intents.ts';
import { respondOnceAfter } from '../idempotency.ts';
import { resumeSending, retryDelivery, retryNotice } from '../../notify/outbox-actions.ts';
import { readJson } from '../read-json.ts';
import { addressQuery } from '../../input/subscribe.ts';
import { pageQuery } from './paging.ts';
import type { FailedDelivery } from '../../store/mail/port.ts';
import { fanOutOver } from '../../read/fan-out-over.ts';
import { noticeEvent } from '../../read/notice-event.ts';

/** `{ "intent": KEY }`: a notice's key, as `updates[].intent` of GET /deliveries gives it. */
const retryAllSchema = z.strictObject({
  intent: z.string().regex(/^[\x21-\x7e]{1,200}$/, 'intent must be a notice key (updates[].intent of GET /api/admin/deliveries).'),
});

/**
 * A failed delivery; `email` is null once its subscriber was removed; `unreachable` says why nothing can send it
 * again now (`subscriber_removed`, `subscriber_unsubscribed`, `address_suppressed`, `subscriber_unfollowed`: a retry is
 * refused with it), or null. `created_at`: when the delivery was made; `last_attempt_at`: when it was last tried
 * (null for a failure recorded before Herald kept that time).
 */
function failedJson({ delivery: d, email, unreachable }: FailedDelivery) {
  return {
    id: d.id,
    subscriber_id: d.sub,
    email,
    intent: d.intent,
    kind: d.kind,
    attempts: d.attempts,
    last_error: d.last_error,
    created_at: d.created_at,
    last_attempt_at: d.last_attempt_at,
    unreachable,
  };
}

/** The outbox: `GET /deliveries`, `GET /deliveries/failed`, `POST /deliveries/retry` (a notice's failures), `POST /deliveries/:id/retry`, `POST /deliveries/resume`. */
export function deliveriesApi(herald: Herald) {
  const app = new Hono<AdminEnv>();
  const notify = herald.notify;

  app.get('/deliveries', async (c) => {
    const db = herald.store.data;
    const { notices, confirmations, failed, failedTotal, waiting: pending } = await notify.outbox.overview({ notices: 1000, failed: 200 });
    const updates = notices.map((i) => {
      return {
        update_id: i.update,
        intent: i.key,
        incident_id: i.incident,
        ...noticeEvent(db, i.incident),
        kind: i.kind,
        reminder: isReminderKey(i.key),
        created_at: i.created_at,
        fanout_done: fanOutOver(i, db),
        queued: i.queued,
        sent: i.sent,
        failed: i.failed,
      };
    });
    const paused = notify.sending.paused;
    return c.json({
      transport: notify.mailer.kind,
      paused: paused !== null,
      paused_reason: paused?.reason ?? null,
      paused_at: paused?.at ?? null,
      last_error: notify.sending.lastError,
      pending,
      confirmations,
      updates,
      failed: failed.map(failedJson),
      // `failed` lists the newest 200; this is how many there are (GET /deliveries/failed pages through them).
      failed_total: failedTotal,
    });
  });

  // Every failed delivery, newest first, searched by address as the console's deliveries page is.
  app.get('/deliveries/failed', async (c) => {
    const q = addressQuery(c.req.query('q'));
    const { page, perPage } = pageQuery((name) => c.req.query(name), 100);
    const found = await notify.outbox.failures({ q, offset: (page - 1) * perPage, limit: perPage });
    return c.json({ failed: found.rows.map(failedJson), total: found.total, page, per_page: perPage });
  });

  // The outbox is not in the document: the answer is recorded under a key after the action (respondOnceAfter).
  // Both audited (outbox-actions.ts); a retry of a delivery already queued or sent answers 200 with `requeued: false`.
  app.post('/deliveries/resume', (c) => respondOnceAfter(c, herald, c.get('actor'), 200, () => resumeSending(herald, c.get('actor'))));

  // Every failed delivery of one notice, queued again in batches (audited); a repeat answers `requeued: 0`.
  app.post('/deliveries/retry', async (c) => {
    const { intent } = await readJson(c, retryAllSchema);
    return respondOnceAfter(c, herald, c.get('actor'), 200, () => retryNotice(herald, c.get('actor'), intent));
  });

  app.post('/deliveries/:id/retry', (c) =>
    respondOnceAfter(c, herald, c.get('actor'), 200, () => retryDelivery(herald, c.get('actor'), c.req.param('id'))),
  );

  return app;
}
