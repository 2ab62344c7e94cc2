import { expect, it } from 'vitest';
import { InDoubt } from '../../src/channels/in-doubt.ts';
import { claimMarkMs } from '../../src/store/channels/pg-ledger.ts';
import type { ChannelDelivery } from '../../src/store/channels/ledger.ts';

const NOW = 1_000_000;
const delivery = (id: string, next_at: number | null): ChannelDelivery => ({
  t: 'c',
  id,
  channel: 'ops',
  event: 'INC-1',
  update: 'u1',
  component: null,
  kind: 'update',
  at: '2026-12-04T00:00:00.000Z',
  state: 'queued',
  attempts: 1,
  last_error: null,
  last_status: null,
  next_at,
  created_at: '2026-12-04T00:00:00.000Z',
  sent_at: null,
});

it("a new leader reads again only a wait that can be another leader's claim mark, not a retry time further off", () => {
  const horizon = claimMarkMs(10_000);
  const doubt = new InDoubt(horizon, 2_000);
  const mark = delivery('mark', NOW + horizon);
  const retry = delivery('retry', NOW + 10 * 60_000); // the old leader's backoff after a failed post
  doubt.note([mark, retry, delivery('due', null)], NOW);
  expect(doubt.delay(mark, horizon)).toBe(2_000);
  // Before: re-read every 2 s for its 10 minutes, about 300 queries per channel.
  expect(doubt.delay(retry, 10 * 60_000)).toBe(10 * 60_000);
});
