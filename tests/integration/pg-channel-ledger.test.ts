import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from '../../src/store/pg/client.ts';
import { PgTables } from '../../src/store/pg/tables.ts';
import { PgChannelLedger } from '../../src/store/channels/pg-ledger.ts';
import { LEADER_LOCK_KEY, TRY_LEAD } from '../../src/store/pg/leadership.ts';
import type { LeaderSession } from '../../src/store/leadership.ts';
import pg from 'pg';
import type { ChannelDelivery } from '../../src/store/channels/ledger.ts';
import { migratedDatabase, type PgCluster, startPgCluster } from '../helpers/pg.ts';

/**
 * The shared channel outbox (src/store/channels/pg-ledger.ts) on a real
 * PostgreSQL 15, two ledgers on one database standing for two leaders in
 * turn: what a plan meets already stored must not be lost to the planner,
 * and a post one leader may be making is not made by the next.
 */
let cluster: PgCluster;
let pool: Pool;
let url: string;

beforeAll(async () => {
  cluster = await startPgCluster();
  ({ url, pool } = await migratedDatabase(cluster, 'channel-ledger-test'));
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
    const [older, newer] = [new PgChannelLedger(tables, () => null), new PgChannelLedger(tables, () => null)];
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
    const leader = new PgChannelLedger(tables, () => null);
    await leader.init(new Date(AT));
    await leader.plan([{ ...delivery('ch2.u1'), channel: 'ch2' }], AT);
    await leader.save({ ...delivery('ch2.u1'), channel: 'ch2', state: 'sent', attempts: 1, sent_at: AT });
    // Planning moves past that update: its sent record dedupes nothing any more, and compaction drops it.
    await leader.plan([], '2026-12-01T11:00:00.000Z');
    await leader.compactIfWorthIt();
    const other = new PgChannelLedger(tables, () => null);
    await other.refresh();
    expect(other.countsOf('ch2')).toEqual({ queued: 0, sent: 0, failed: 0 });
    expect(leader.countsOf('ch2')).toEqual(other.countsOf('ch2'));
  });

  it('a delivery whose state in memory goes back from sent is kept once and counted once', async () => {
    // A deposed leader's plan applying its own queued copy after a refresh read the delivery as sent, say.
    const ledger = new PgChannelLedger(new PgTables(pool, 'channel deliveries', () => {}), () => null);
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

  it("a post is claimed only by the session holding the lead; a new leader waits for the old one's claim and takes its outcome", async () => {
    const tables = new PgTables(pool, 'channel deliveries', () => {});
    // Two replicas' leadership connections: the lead is the advisory lock, taken by one and then the other.
    const [first, second] = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })];
    await first.connect();
    await second.connect();
    try {
      const lead = async (c: pg.Client) => {
        const { rows } = await c.query<{ ok: boolean } & LeaderSession>(TRY_LEAD);
        const { ok, ...session } = rows[0]!;
        return { ok, session };
      };
      const a = await lead(first);
      expect(a.ok).toBe(true);
      const session = { a: a.session as LeaderSession | null, b: null as LeaderSession | null };
      const [oldLeader, newLeader] = [new PgChannelLedger(tables, () => session.a), new PgChannelLedger(tables, () => session.b)];
      await oldLeader.init(new Date(AT));
      const d = { ...delivery('ch4.u1'), channel: 'ch4' };
      await oldLeader.plan([d], AT);
      await newLeader.refresh();
      const now = Date.parse(AT);

      // A replica without the lead cannot claim it, nor can one whose session had the leader's pid before (the
      // server gives an ended session's pid to later ones); the leader can, for the post's timeout plus the
      // record's retries and a margin.
      expect(await newLeader.claim(d, now, 5_000)).toBe(false);
      const earlier = { pid: a.session.pid, started: String(BigInt(a.session.started) - 1_000_000n) };
      expect(await new PgChannelLedger(tables, () => earlier).claim(d, now, 5_000)).toBe(false);
      expect(await oldLeader.claim(d, now, 5_000)).toBe(true);
      const mark = now + 5_000 + 30_000 + 5_000;
      expect(oldLeader.deliveries.get(d.id)?.next_at).toBe(mark);
      expect(await cluster.sql(`SELECT next_at FROM channel_deliveries WHERE id = '${d.id}'`, url)).toBe(String(mark));

      // The lead moves mid-post (the old session cut): the new leader finds the mark and waits for it.
      await first.query('SELECT pg_advisory_unlock($1)', [LEADER_LOCK_KEY]);
      const b = await lead(second);
      expect(b.ok).toBe(true);
      session.b = b.session;
      await newLeader.refresh();
      expect(await newLeader.claim(d, now + 1_000, 5_000)).toBe(false);
      expect(newLeader.deliveries.get(d.id)?.next_at).toBe(mark);
      // The old leader's post lands and is recorded; once the mark has passed, the new leader takes that.
      await oldLeader.save({ ...d, state: 'sent', attempts: 1, next_at: null, sent_at: AT });
      expect(await newLeader.claim(d, mark + 1, 5_000)).toBe(false);
      expect(newLeader.deliveries.has(d.id)).toBe(false);
      expect(newLeader.countsOf('ch4')).toEqual({ queued: 0, sent: 1, failed: 0 });

      // The old leader, its session no longer holding the lead, cannot claim the next post; the new one can.
      const e = { ...delivery('ch4.u2'), channel: 'ch4' };
      await newLeader.plan([e], AT);
      await oldLeader.refresh();
      expect(await oldLeader.claim(e, now, 5_000)).toBe(false);
      // A claim carries on from the stored attempts (the old leader's refused post), not from its own copy.
      await oldLeader.save({ ...e, attempts: 2, last_error: 'HTTP 503', next_at: now });
      expect(await newLeader.claim(e, now, 5_000)).toBe(true);
      expect(newLeader.deliveries.get(e.id)).toMatchObject({ attempts: 2, last_error: 'HTTP 503', next_at: mark });

      // Recorded as sent and then compacted away (planning has moved past it): the claim finds no row, and the
      // delivery leaves memory, instead of being claimed again and again with the channel's later posts behind it.
      await oldLeader.save({ ...e, state: 'sent', attempts: 3, next_at: null, sent_at: AT });
      await newLeader.plan([], '2026-12-01T13:00:00.000Z');
      await newLeader.compactIfWorthIt();
      expect(await cluster.sql(`SELECT count(*) FROM channel_deliveries WHERE id = '${e.id}'`, url)).toBe('0');
      expect(newLeader.deliveries.has(e.id)).toBe(true);
      expect(await newLeader.claim(e, mark + 1, 5_000)).toBe(false);
      expect(newLeader.has(e.id)).toBe(false);
      expect(newLeader.queued().filter((q) => q.channel === 'ch4')).toEqual([]);
    } finally {
      await first.end();
      await second.end();
    }
  });
});
