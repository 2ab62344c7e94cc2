import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PoolClient } from '../pg/client.ts';
import { Journal } from '../journal.ts';
import { writeFileDurably } from '../durable-file.ts';
import { type ChannelDelivery, JournalChannelLedger } from './ledger.ts';
import { PgChannelLedger } from './pg-ledger.ts';

/**
 * The channel part of `db:import` / `db:export` (src/store/transfer.ts): the
 * planning mark and the deliveries the outbox still keeps (queued, failed,
 * and the sent ones that still dedupe), so that nothing waiting is lost and
 * nothing posted is planned again on the other engine.
 */
export interface ChannelData {
  since: string | null;
  /** Since when postmortems are planned (ChannelLedger.postmortemsFrom); null from an outbox that did not plan them. */
  postmortems_from?: string | null;
  /** Per channel, the posts sent that are not among `deliveries` (ChannelLedger.sentBefore); absent: none. */
  sent_before?: Record<string, number>;
  deliveries: ChannelDelivery[];
}

export const CHANNEL_FILE = 'channel-deliveries.jsonl';

/** Reads DATA_DIR/channel-deliveries.jsonl as Herald would at start (the caller holds the folder's lock). */
export function readEmbeddedChannels(dataDir: string): ChannelData {
  const file = join(dataDir, CHANNEL_FILE);
  if (!existsSync(file)) return { since: null, postmortems_from: null, deliveries: [] };
  const ledger = new JournalChannelLedger(new Journal(file));
  return {
    since: ledger.since,
    postmortems_from: ledger.postmortemsFrom,
    sent_before: ledger.sentBeforeRecord(),
    deliveries: ledger.kept(),
  };
}

/** Writes `data` into the channel tables, replacing what they hold (inside the caller's transaction). */
export async function writeChannelTables(client: PoolClient, data: ChannelData): Promise<void> {
  await client.query('TRUNCATE channel_deliveries, channel_outbox, channel_sent_before RESTART IDENTITY');
  if (data.since) {
    await client.query('INSERT INTO channel_outbox (one, since, postmortems_from) VALUES (true, $1, $2)', [
      data.since,
      data.postmortems_from ?? null,
    ]);
  }
  for (const d of data.deliveries) await PgChannelLedger.insert(client, d);
  for (const [channel, sent] of Object.entries(data.sent_before ?? {})) {
    await client.query('INSERT INTO channel_sent_before (channel, sent) VALUES ($1, $2)', [channel, sent]);
  }
}

/** Reads the channel tables (inside the caller's transaction, for one consistent view). */
export async function readChannelTables(client: PoolClient): Promise<ChannelData> {
  return PgChannelLedger.read(client);
}

/** Writes `data` into `dir` as the embedded engine's channel journal (whole, or not at all). */
export async function writeChannelFile(dir: string, data: ChannelData): Promise<void> {
  const before = Object.keys(data.sent_before ?? {}).length > 0 ? { sent_before: data.sent_before } : {};
  const mark = data.since
    ? [{ t: 'w', since: data.since, ...(data.postmortems_from ? { postmortems_from: data.postmortems_from } : {}), ...before }]
    : [];
  const records = [...mark, ...data.deliveries];
  await writeFileDurably(join(dir, CHANNEL_FILE), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
}
