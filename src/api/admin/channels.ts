import { Hono } from 'hono';
import type { Herald } from '../../herald.ts';
import type { AdminEnv } from './auth.ts';
import { readJson } from '../read-json.ts';
import { respondOnce } from '../idempotency.ts';
import { channelCreateSchema, channelPatchSchema } from '../../input/channels.ts';
import { createChannel, deleteChannel, editChannel, findChannel, setChannelState } from '../../domain/channels/manage.ts';
import { redactUrl, type Channel } from '../../domain/channels/model.ts';
import { effectiveComponents } from '../../domain/components/following.ts';

/**
 * Channels: Slack, Teams and webhook receivers of incident updates. Outputs
 * show the URL redacted and never the secret, except once: the answer to the
 * POST that creates a webhook channel carries its signing secret.
 */
export function channelsApi(herald: Herald) {
  const app = new Hono<AdminEnv>();
  const allowPrivate = herald.config.ALLOW_PRIVATE_WEBHOOKS;
  const shown = (ch: Channel) => {
    const { secret: _secret, url, ...rest } = ch;
    // What it follows now: components deleted since left out ([] when none is left: every incident).
    const components = effectiveComponents(ch.components, herald.store.data);
    return { ...rest, components, url: redactUrl(url), delivery: herald.channels.status(ch.id) };
  };

  app.get('/channels', (c) => c.json({ channels: herald.store.data.channels.map(shown) }));

  app.post('/channels', async (c) => {
    const input = await readJson(c, channelCreateSchema(allowPrivate));
    return respondOnce(c, herald, c.get('actor'), 201, (ctx) => {
      const ch = createChannel(ctx, input);
      return { ...shown(ch), secret: ch.secret };
    });
  });

  app.get('/channels/:id', (c) => c.json(shown(findChannel({ db: herald.store.data }, c.req.param('id')))));

  app.patch('/channels/:id', async (c) => {
    const patch = await readJson(c, channelPatchSchema(allowPrivate));
    return respondOnce(c, herald, c.get('actor'), 200, (ctx) => shown(editChannel(ctx, c.req.param('id'), patch)));
  });

  app.delete('/channels/:id', async (c) => {
    await herald.run(c.get('actor'), (ctx) => deleteChannel(ctx, c.req.param('id')));
    return c.body(null, 204);
  });

  // Resume a paused or disabled channel; its waiting deliveries go out in order.
  app.post('/channels/:id/resume', async (c) => {
    const ch = await herald.run(c.get('actor'), (ctx) => setChannelState(ctx, c.req.param('id'), 'active', null));
    return c.json(shown(ch));
  });

  app.post('/channels/:id/pause', async (c) => {
    const ch = await herald.run(c.get('actor'), (ctx) => setChannelState(ctx, c.req.param('id'), 'paused', 'paused by hand'));
    return c.json(shown(ch));
  });

  // A test message, sent now (not through the outbox): the receiver's answer, as it came.
  app.post('/channels/:id/test', async (c) => {
    const ch = findChannel({ db: herald.store.data }, c.req.param('id'));
    return c.json(await herald.channels.test(ch));
  });

  return app;
}
