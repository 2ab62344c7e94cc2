import { Hono } from 'hono';
import type { Herald } from '../../herald.ts';
import type { AdminEnv } from './auth.ts';
import { readJson } from '../read-json.ts';
import { respondOnce, respondOnceAfter } from '../idempotency.ts';
import { channelCreateSchema, channelPatchSchema } from '../../input/channels.ts';
import {
  createChannel,
  deleteChannel,
  editChannel,
  findChannel,
  retiring,
  rotateSecret,
  setChannelState,
} from '../../domain/channels/manage.ts';
import { PAUSED_BY_HAND, redactUrl, type Channel } from '../../domain/channels/model.ts';
import { effectiveComponents } from '../../domain/components/following.ts';

/**
 * Channels: Slack, Teams and webhook receivers of incident updates. Outputs
 * show the URL redacted and never a secret, except once: the answer to the
 * POST that creates a webhook channel, or that rotates its secret, carries it.
 */
export function channelsApi(herald: Herald) {
  const app = new Hono<AdminEnv>();
  const allowPrivate = herald.config.ALLOW_PRIVATE_WEBHOOKS;
  const shown = (ch: Channel) => {
    const { secret: _secret, previous_secrets: _previous, url, ...rest } = ch;
    // What it follows now: components deleted since left out ([] when none is left: every incident).
    const components = effectiveComponents(ch.components, herald.store.data);
    // When the secrets a rotation replaced stop signing (the secrets themselves are never shown again).
    const retiring_until = retiring(ch, herald.now()).map((p) => p.until);
    return { ...rest, components, url: redactUrl(url), retiring_until, delivery: herald.channels.status(ch.id) };
  };

  app.get('/channels', (c) => c.json({ channels: herald.store.data.channels.map(shown) }));

  app.post('/channels', async (c) => {
    const input = await readJson(c, channelCreateSchema(allowPrivate));
    return respondOnce(c, herald, c.get('actor'), 201, (ctx) => {
      const ch = createChannel(ctx, input);
      return { ...shown(ch), secret: ch.secret };
    });
  });

  // One channel's also names the messages it did not get (the newest), as the console's channels page does.
  app.get('/channels/:id', (c) => {
    const ch = findChannel({ db: herald.store.data }, c.req.param('id'));
    return c.json({ ...shown(ch), failed_messages: herald.channels.failed(ch.id) });
  });

  app.patch('/channels/:id', async (c) => {
    const patch = await readJson(c, channelPatchSchema(allowPrivate));
    return respondOnce(c, herald, c.get('actor'), 200, (ctx) => shown(editChannel(ctx, c.req.param('id'), patch)));
  });

  app.delete('/channels/:id', (c) => respondOnce(c, herald, c.get('actor'), 204, (ctx) => deleteChannel(ctx, c.req.param('id'))));

  // A new signing secret, shown once; the old one signs beside it for a day. Under an Idempotency-Key a retry
  // gets the same secret back instead of making another.
  app.post('/channels/:id/secret', (c) =>
    respondOnce(c, herald, c.get('actor'), 200, (ctx) => {
      const ch = rotateSecret(ctx, c.req.param('id'));
      return { ...shown(ch), secret: ch.secret };
    }),
  );

  // Resume a paused or disabled channel; its waiting deliveries go out in order.
  app.post('/channels/:id/resume', (c) =>
    respondOnce(c, herald, c.get('actor'), 200, (ctx) => shown(setChannelState(ctx, c.req.param('id'), 'active', null))),
  );

  app.post('/channels/:id/pause', (c) =>
    respondOnce(c, herald, c.get('actor'), 200, (ctx) => shown(setChannelState(ctx, c.req.param('id'), 'paused', PAUSED_BY_HAND))),
  );

  // A test message, sent now (not through the outbox): the receiver's answer, as it came. Under a key, a
  // retry gets that answer again instead of posting a second message.
  app.post('/channels/:id/test', (c) =>
    respondOnceAfter(c, herald, c.get('actor'), 200, () => herald.channels.test(findChannel({ db: herald.store.data }, c.req.param('id')))),
  );

  return app;
}
