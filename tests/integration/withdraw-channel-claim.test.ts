import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openInProcess, type InProcess } from '../helpers/app.ts';
import { until } from '../helpers/poll.ts';
import { WITHDRAWN } from '../../src/channels/deliver.ts';

/**
 * An incident withdrawn while its channel post is being claimed (the DELETE lands between the outbox's
 * claim and the rendering of the post): the post is dropped as withdrawn, not failed against the channel.
 */
type Json = Record<string, any>;
let p: InProcess;
let hook: Server;
const hits: string[] = [];
beforeAll(async () => {
  hook = createServer((req, res) => {
    hits.push(req.url!);
    res.writeHead(200).end();
  });
  await new Promise<void>((ok) => hook.listen(0, '127.0.0.1', () => ok()));
  p = await openInProcess({ ALLOW_PRIVATE_WEBHOOKS: 'true', STATIC_SNAPSHOT: 'false' });
});
afterAll(async () => {
  await p?.close();
  hook?.close();
});

const json = async (r: Promise<Response>): Promise<Json> => (await r).json() as Promise<Json>;

it('a withdrawal between the claim and the post: recorded withdrawn, no error on the channel', async () => {
  const made = await json(
    p.admin('/channels', {
      body: { kind: 'webhook', name: 'Partner', url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook` },
    }),
  );
  const ledger = p.herald.channels.ledger;
  const claim = ledger.claim.bind(ledger);
  let withdrawing: Promise<Response> | null = null;
  ledger.claim = async (d, now, timeout) => {
    const ok = await claim(d, now, timeout);
    // The DELETE lands once the claim is held, before the post is rendered.
    withdrawing ??= p.admin(`/incidents/${d.event}`, { method: 'DELETE' });
    await withdrawing;
    return ok;
  };
  const declared = await json(
    p.admin('/incidents', {
      body: { name: 'Published in error', status: 'investigating', impact: 'major', body: 'Looking.', notify: false },
    }),
  );
  expect(declared.id).toMatch(/^INC-/);
  await until(async () => withdrawing !== null && (await withdrawing).status === 204, 'the withdrawal under the claim');
  await until(async () => (await json(p.admin(`/channels/${made.id}`))).delivery.queued === 0, 'the channel outbox to settle');
  const channel = await json(p.admin(`/channels/${made.id}`));
  expect(channel).toMatchObject({ state: 'active', delivery: { queued: 0, sent: 0, last_error: null } });
  expect(channel.delivery.failed).toBeGreaterThan(0);
  const recorded = [...ledger.deliveries.values()].filter((d) => d.channel === made.id);
  expect(recorded.length).toBeGreaterThan(0);
  for (const d of recorded) expect(d).toMatchObject({ state: 'failed', last_error: WITHDRAWN });
  expect(hits).toEqual([]);
});
