import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Journal } from '../../src/store/journal.ts';
import { JournalChannelLedger, type ChannelDelivery } from '../../src/store/channels/ledger.ts';
import { afterPost } from '../../src/channels/verdict.ts';
import { tempDataDir } from '../helpers/server.ts';

/**
 * A channel's last error, shown until a post to it succeeds (README, Channels). From a review: it was kept in
 * the posting process's memory, so a restart showed none while the channel's reason still named one, and
 * another replica on the same database showed none at all. It is read from the outbox now.
 */
const dir = tempDataDir('herald-channel-last-error-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const RETRY = { baseMs: 1_000, maxMs: 10_000 };
const T = (s: number) => new Date(Date.UTC(2026, 11, 5, 10, 0, s));

const delivery = (id: string, channel: string, at: string): ChannelDelivery => ({
  t: 'c',
  id,
  channel,
  event: 'INC-2026-12-05-1',
  update: id,
  component: null,
  kind: 'update',
  at,
  state: 'queued',
  attempts: 0,
  last_error: null,
  last_status: null,
  next_at: null,
  created_at: at,
  sent_at: null,
});

describe('a channel last error', () => {
  it('is its latest post’s, outlives a restart, and goes once a post to it succeeds', async () => {
    const file = join(dir, 'channel-deliveries.jsonl');
    const open = () => new JournalChannelLedger(new Journal(file));
    let ledger = open();
    await ledger.init(T(0));
    const first = delivery('u1', 'chn_a', T(0).toISOString());
    const other = delivery('u2', 'chn_b', T(0).toISOString());
    await ledger.plan([first, other], T(0).toISOString());
    expect(ledger.lastErrorOf('chn_a')).toBeNull();
    let d = afterPost(first, { outcome: 'retry', afterMs: null, error: 'HTTP 500: down' }, 500, T(1), RETRY);
    await ledger.save(d);
    d = afterPost(d, { outcome: 'retry', afterMs: null, error: 'HTTP 502: still down' }, 502, T(5), RETRY);
    await ledger.save(d);
    expect(ledger.lastErrorOf('chn_a')).toEqual({ at: T(5).toISOString(), error: 'HTTP 502: still down' });
    expect(ledger.lastErrorOf('chn_b')).toBeNull();
    await ledger.close();

    // Before: a restart forgot it.
    ledger = open();
    expect(ledger.lastErrorOf('chn_a')).toEqual({ at: T(5).toISOString(), error: 'HTTP 502: still down' });
    await ledger.save(afterPost(d, { outcome: 'sent' }, 200, T(9), RETRY));
    expect(ledger.lastErrorOf('chn_a')).toBeNull();
    await ledger.close();
    expect(open().lastErrorOf('chn_a')).toBeNull();
  });

  it('is not that of a message refused for good (listed among the failed messages), nor of one never tried', async () => {
    const ledger = new JournalChannelLedger(new Journal(join(dir, 'refused.jsonl')));
    await ledger.init(T(0));
    const refused = delivery('r1', 'chn_c', T(0).toISOString());
    const next = delivery('r2', 'chn_c', T(1).toISOString());
    await ledger.plan([refused, next], T(1).toISOString());
    await ledger.save(afterPost(refused, { outcome: 'failed', error: 'HTTP 400: invalid_payload' }, 400, T(2), RETRY));
    expect(ledger.lastErrorOf('chn_c')).toBeNull();
    // The next message's retry is the channel's error until it goes.
    await ledger.save(afterPost(next, { outcome: 'retry', afterMs: null, error: 'network: ECONNRESET' }, null, T(3), RETRY));
    expect(ledger.lastErrorOf('chn_c')).toEqual({ at: T(3).toISOString(), error: 'network: ECONNRESET' });
    await ledger.close();
  });
});
