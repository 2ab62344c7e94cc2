import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Journal } from '../../src/store/journal.ts';
import { JournalChannelLedger, type ChannelDelivery } from '../../src/store/channels/ledger.ts';
import { CHANNEL_FILE, readEmbeddedChannels, writeChannelFile } from '../../src/store/channels/transfer.ts';
import { tempDataDir } from '../helpers/server.ts';

/**
 * A channel's sent count (GET /api/admin/channels `delivery.sent`, the console's "N sent") is every post it was
 * sent. From an upgrade hunt: a compaction forgot the posts of updates before the planning mark, and their
 * count with them. The embedded journal's compaction keeps their number in its mark; db:export carries it.
 * (PostgreSQL: tests/integration/pg-channel-ledger.test.ts.)
 */
const dir = tempDataDir('herald-channel-sent-count-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (h: number) => new Date(Date.UTC(2026, 11, 5, h)).toISOString();

const sent = (id: string, when: string): ChannelDelivery => ({
  t: 'c',
  id,
  channel: 'chn_a',
  event: 'INC-2026-12-05-1',
  update: id,
  component: null,
  kind: 'update',
  at: when,
  state: 'sent',
  attempts: 1,
  last_error: null,
  last_status: 200,
  next_at: null,
  created_at: when,
  sent_at: when,
});

/** A channel outbox in `file` and its opener (a restart), with u1 and u2 sent at 1 h, u3 at 2 h, the mark at 2 h. */
async function threeSent(file: string) {
  const open = () => new JournalChannelLedger(new Journal(file));
  const ledger = open();
  await ledger.init(new Date(at(0)));
  await ledger.plan([sent('u1', at(1)), sent('u2', at(1))], at(1));
  await ledger.plan([sent('u3', at(2))], at(2));
  return { open, ledger };
}

describe('a channel sent count on the embedded engine', () => {
  it('outlives a compaction, a restart and db:export', async () => {
    // Planning moved past u1 and u2: they dedupe nothing any more, and a compaction drops them.
    const three = await threeSent(join(dir, CHANNEL_FILE));
    const { open } = three;
    let { ledger } = three;
    await ledger.compactIfWorthIt(true);
    // Before: 1 (u3 alone).
    expect(ledger.countsOf('chn_a')).toEqual({ queued: 0, sent: 3, failed: 0 });
    await ledger.plan([], at(3));
    await ledger.compactIfWorthIt(true);
    expect(ledger.countsOf('chn_a')).toEqual({ queued: 0, sent: 3, failed: 0 });
    await ledger.close();

    ledger = open();
    expect(ledger.countsOf('chn_a')).toEqual({ queued: 0, sent: 3, failed: 0 });
    expect(ledger.countsOf('chn_b')).toEqual({ queued: 0, sent: 0, failed: 0 });
    await ledger.close();

    const exported = readEmbeddedChannels(dir);
    expect(exported.sent_before).toEqual({ chn_a: 3 });
    const copy = join(dir, 'copy');
    mkdirSync(copy);
    await writeChannelFile(copy, exported);
    const imported = new JournalChannelLedger(new Journal(join(copy, CHANNEL_FILE)));
    expect(imported.countsOf('chn_a')).toEqual({ queued: 0, sent: 3, failed: 0 });
    await imported.close();
  });

  // From a review: the compaction counted the records it dropped before its file was written; when the write
  // failed, the old file still held them, a later mark carried the count, and a restart counted them twice.
  it('is not counted twice when a compaction could not be written', async () => {
    const folder = join(dir, 'failed-compaction');
    mkdirSync(folder);
    const three = await threeSent(join(folder, CHANNEL_FILE));
    const { open } = three;
    let { ledger } = three;
    // A folder where the compaction writes its new copy: the write fails (EISDIR), as a full disk's would.
    const blocked = join(folder, `.${CHANNEL_FILE}.${process.pid}.tmp`);
    mkdirSync(blocked);
    await expect(ledger.compactIfWorthIt(true)).rejects.toThrow();
    rmdirSync(blocked);
    expect(ledger.countsOf('chn_a')).toEqual({ queued: 0, sent: 3, failed: 0 });
    await ledger.plan([], at(3));
    await ledger.close();
    ledger = open();
    // Before: 5.
    expect(ledger.countsOf('chn_a')).toEqual({ queued: 0, sent: 3, failed: 0 });
    await ledger.compactIfWorthIt(true);
    await ledger.close();
    expect(open().countsOf('chn_a')).toEqual({ queued: 0, sent: 3, failed: 0 });
  });
});
