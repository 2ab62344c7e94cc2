import { Hono } from 'hono';
import type { Herald } from '../../herald.ts';
import type { Db } from '../../domain/model.ts';
import { SUBSCRIBER_STATES, type Subscriber, type SubscriberState } from '../../store/mail/model.ts';
import { effectiveComponents } from '../../domain/components/following.ts';
import type { AdminEnv } from './auth.ts';
import { removeSubscriber } from '../../notify/remove-subscriber.ts';
import { unsuppressSubscriber } from '../../notify/unsuppress-subscriber.ts';
import { addressQuery } from '../../input/subscribe.ts';
import { pageQuery } from './paging.ts';

/**
 * Subscribers: `GET /subscribers?q=&state=&page=&per_page=`, `DELETE /subscribers/:id` and
 * `POST /subscribers/:id/unsuppress` (both audited).
 */
export function subscribersApi(herald: Herald) {
  const app = new Hono<AdminEnv>();
  const notify = herald.notify;

  app.get('/subscribers', async (c) => {
    const q = addressQuery(c.req.query('q'));
    const stateParam = c.req.query('state');
    const state = (SUBSCRIBER_STATES as readonly string[]).includes(stateParam ?? '') ? (stateParam as SubscriberState) : null;
    const { page, perPage } = pageQuery((name) => c.req.query(name), 50);
    // A state that is not one matches nobody (as a filter would).
    if (stateParam && !state) return c.json({ subscribers: [], total: 0, page, per_page: perPage });
    const found = await notify.subscribers.search({ q, state, offset: (page - 1) * perPage, limit: perPage });
    const db = herald.store.data;
    return c.json({ subscribers: found.rows.map((s) => subscriberJson(s, db)), total: found.total, page, per_page: perPage });
  });

  app.delete('/subscribers/:id', async (c) => {
    await removeSubscriber(herald, c.get('actor'), c.req.param('id'));
    return c.body(null, 204);
  });

  // 200 with the subscriber, whether it lifted a suppression or there was none (a repeat is no error); 404 when none.
  app.post('/subscribers/:id/unsuppress', async (c) => {
    const { subscriber } = await unsuppressSubscriber(herald, c.get('actor'), c.req.param('id'));
    return c.json(subscriberJson(subscriber, herald.store.data));
  });

  return app;
}

/**
 * Everything Herald holds about the address (an access request is answered from it). `components` is what the
 * subscriber follows now: deleted components dropped, none left = everything ([]).
 */
function subscriberJson(s: Subscriber, db: Pick<Db, 'components'>) {
  return {
    id: s.id,
    email: s.email,
    state: s.state,
    components: effectiveComponents(s.components, db),
    suppressed: s.suppressed,
    suppressed_at: s.suppressed ? s.suppressed_at : null,
    created_at: s.created_at,
    requested_at: s.requested_at,
    confirmed_at: s.confirmed_at,
    unsubscribed_at: s.unsubscribed_at,
    updated_at: s.updated_at,
  };
}
