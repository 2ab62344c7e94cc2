import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPool, type Pool } from '../../src/store/pg/client.ts';
import { migrateDatabase } from '../../src/store/pg/migrate.ts';
import { PgTables } from '../../src/store/pg/tables.ts';
import { PgChannelLedger } from '../../src/store/channels/pg-ledger.ts';
import type { ChannelDelivery } from '../../src/store/channels/ledger.ts';
import { type PgCluster, startPgCluster } from '../helpers/pg.ts';

/**
 * The shared channel outbox (src/store/channels/pg-ledger.ts) on a real
 * PostgreSQL 15, two ledgers on one database standing for two leaders in
 * turn: what a plan meets already stored must not be lost to the planner.
 */
let cluster: PgCluster;
let pool: Pool;

beforeAll(async () => {
  cluster = await startPgCluster();
  pool = openPool(await cluster.database(), { applicationName: 'channel-ledger-test', log: () => {} });
  await migrateDatabase(pool);
});
afterAll(async () => {
  await pool?.end().catch(() => {});
  await cluster?.destroy();
});

const AT = '2026-12-01T10:00:00.000Z';
const delivery = (id: string): ChannelDelivery => ({
  t: 'c',
  id,
  channel: 'ch1',
  event: 'INC-1',
  update: 'u1',
  component: null,
  kind: 'declared',
  at: AT,
  state: 'queued',
  attempts: 0,
  last_error: null,
  last_status: null,
  next_at: null,
  created_at: AT,
  sent_at: null,
});

describe('the channel outbox on PostgreSQL', () => {
  it('a plan that meets a delivery already stored takes it as stored, so the leader posts what another plan made', async () => {
    const tables = new PgTables(pool, 'channel deliveries', () => {});
    const [older, newer] = [new PgChannelLedger(tables), new PgChannelLedger(tables)];
    await older.init(new Date(AT));
    await newer.init(new Date(AT));
    // The new leader read the outbox before the old one's plan landed: it plans the same delivery again.
    await older.plan([delivery('ch1.u1')], AT);
    expect(newer.has('ch1.u1')).toBe(false);
    await newer.plan([delivery('ch1.u1')], AT);
    expect(newer.deliveries.get('ch1.u1')?.state).toBe('queued');
    expect(newer.countsOf('ch1')).toEqual({ queued: 1, sent: 0, failed: 0 });
    // One the old leader had posted meanwhile is taken as sent: not posted again.
    await older.plan([delivery('ch1.u2')], AT);
    await older.save({ ...delivery('ch1.u2'), state: 'sent', attempts: 1, sent_at: AT });
    await newer.plan([delivery('ch1.u2')], AT);
    expect(newer.has('ch1.u2')).toBe(true);
    expect(newer.deliveries.has('ch1.u2')).toBe(false);
    expect(newer.countsOf('ch1')).toEqual({ queued: 1, sent: 1, failed: 0 });
  });

  it('compaction leaves the leader counting what every other replica counts', async () => {
    const tables = new PgTables(pool, 'channel deliveries', () => {});
    const leader = new PgChannelLedger(tables);
    await leader.init(new Date(AT));
    await leader.plan([{ ...delivery('ch2.u1'), channel: 'ch2' }], AT);
    await leader.save({ ...delivery('ch2.u1'), channel: 'ch2', state: 'sent', attempts: 1, sent_at: AT });
    // Planning moves past that update: its sent record dedupes nothing any more, and compaction drops it.
    await leader.plan([], '2026-12-01T11:00:00.000Z');
    await leader.compactIfWorthIt();
    const other = new PgChannelLedger(tables);
    await other.refresh();
    expect(other.countsOf('ch2')).toEqual({ queued: 0, sent: 0, failed: 0 });
    expect(leader.countsOf('ch2')).toEqual(other.countsOf('ch2'));
  });

  it('a delivery whose state in memory goes back from sent is kept once and counted once', async () => {
    // A deposed leader's plan applying its own queued copy after a refresh read the delivery as sent, say.
    const ledger = new PgChannelLedger(new PgTables(pool, 'channel deliveries', () => {}));
    await ledger.init(new Date(AT));
    const d = { ...delivery('ch3.u1'), channel: 'ch3' };
    await ledger.plan([d], AT);
    await ledger.save({ ...d, state: 'sent', attempts: 1, sent_at: AT });
    await ledger.save({ ...d, state: 'failed', attempts: 2 });
    expect(ledger.kept().filter((k) => k.id === d.id)).toHaveLength(1);
    await ledger.plan([], '2026-12-01T12:00:00.000Z');
    await ledger.compactIfWorthIt();
    expect(ledger.countsOf('ch3')).toEqual({ queued: 0, sent: 0, failed: 1 });
  });
});
