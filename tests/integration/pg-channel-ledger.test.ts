import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from '../../src/store/pg/client.ts';
import { PgTables } from '../../src/store/pg/tables.ts';
import { PgChannelLedger } from '../../src/store/channels/pg-ledger.ts';
import { LEADER_LOCK_KEY, TRY_LEAD } from '../../src/store/pg/leadership.ts';
import type { LeaderSession } from '../../src/store/leadership.ts';
import pg from 'pg';
import type { ChannelDelivery } from '../../src/store/channels/ledger.ts';
import { migratedDatabase, type PgCluster, startPgCluster } from '../helpers/pg.ts';
import { until } from '../helpers/poll.ts';

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
    const [older, newer] = [new PgChannelLedger(tables, 'test:1', () => null), new PgChannelLedger(tables, 'test:2', () => null)];
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

  // From an upgrade hunt: a channel's sent count fell from 7 to 2 at a replica's start (its compaction), and a
  // replica that reads the outbox counted only the posts of the newest update.
  it('every replica counts every post sent, before and after compaction, and after a restart', async () => {
    const tables = new PgTables(pool, 'channel deliveries', () => {});
    const leader = new PgChannelLedger(tables, 'test:1', () => null);
    await leader.init(new Date(AT));
    for (const id of ['ch2.u1', 'ch2.u2']) {
      await leader.plan([{ ...delivery(id), channel: 'ch2' }], AT);
      await leader.save({ ...delivery(id), channel: 'ch2', state: 'sent', attempts: 1, sent_at: AT });
    }
    // Planning moves past that update: its sent records dedupe nothing any more.
    await leader.plan([], '2026-12-01T11:00:00.000Z');
    const other = new PgChannelLedger(tables, 'test:2', () => null);
    await other.refresh();
    // Before: 0 here (the rows before the mark were not read).
    expect(other.countsOf('ch2')).toEqual({ queued: 0, sent: 2, failed: 0 });
    // Compaction drops them, counted all the same. Before: 0 on both.
    await leader.compactIfWorthIt();
    expect(leader.countsOf('ch2')).toEqual({ queued: 0, sent: 2, failed: 0 });
    await other.refresh();
    expect(other.countsOf('ch2')).toEqual({ queued: 0, sent: 2, failed: 0 });
    // A later post adds to them; a replica started afterwards, and a second compaction, say the same.
    await leader.plan([{ ...delivery('ch2.u3'), channel: 'ch2', at: '2026-12-01T11:00:00.000Z' }], '2026-12-01T11:00:00.000Z');
    await leader.save({ ...delivery('ch2.u3'), channel: 'ch2', at: '2026-12-01T11:00:00.000Z', state: 'sent', attempts: 1, sent_at: AT });
    await leader.plan([], '2026-12-01T12:00:00.000Z');
    await leader.compactIfWorthIt();
    const restarted = new PgChannelLedger(tables, 'test:3', () => null);
    await restarted.init(new Date(AT));
    expect(restarted.countsOf('ch2')).toEqual({ queued: 0, sent: 3, failed: 0 });
    expect(leader.countsOf('ch2')).toEqual(restarted.countsOf('ch2'));
  });

  it('a delivery whose state in memory goes back from sent is kept once and counted once', async () => {
    // A deposed leader's plan applying its own queued copy after a refresh read the delivery as sent, say.
    const ledger = new PgChannelLedger(new PgTables(pool, 'channel deliveries', () => {}), 'test:1', () => null);
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
      const [oldLeader, newLeader] = [
        new PgChannelLedger(tables, 'test:a', () => session.a),
        new PgChannelLedger(tables, 'test:b', () => session.b),
      ];
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
      expect(await new PgChannelLedger(tables, 'test:c', () => earlier).claim(d, now, 5_000)).toBe(false);
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

  it("a leader takes at once a post whose claimant is gone (no connection left), never a live one's, its own, or in an outage's grace", async () => {
    const tables = new PgTables(pool, 'channel deliveries', () => {});
    // The replicas' leadership connections, named as Herald names them (herald-lead:<host:pid>): a replica's
    // connections are how the others know it lives.
    const connect = async (replica: string) => {
      const c = new pg.Client({ connectionString: url, application_name: `herald-lead:${replica}` });
      await c.connect();
      return c;
    };
    const lead = async (c: pg.Client): Promise<LeaderSession> => {
      const { rows } = await c.query<{ ok: boolean } & LeaderSession>(TRY_LEAD);
      const { ok, ...session } = rows[0]!;
      expect(ok).toBe(true);
      return session;
    };
    const connected = async (replica: string) =>
      Number(await cluster.sql(`SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE '%:${replica}'`, url));
    const [oldConn, newConn] = [await connect('host:1'), await connect('host:2')];
    try {
      const session = { old: (await lead(oldConn)) as LeaderSession | null, new: null as LeaderSession | null };
      const oldLeader = new PgChannelLedger(tables, 'host:1', () => session.old);
      const newLeader = new PgChannelLedger(tables, 'host:2', () => session.new);
      await oldLeader.init(new Date(AT));
      const [d, e] = [
        { ...delivery('ch5.u1'), channel: 'ch5' },
        { ...delivery('ch6.u1'), channel: 'ch6' },
      ];
      await oldLeader.plan([d, e], AT);
      const now = Date.parse(AT);
      const mark = now + 5_000 + 30_000 + 5_000;
      expect(await oldLeader.claim(d, now, 5_000)).toBe(true);
      expect(await oldLeader.claim(e, now, 5_000)).toBe(true);
      expect(await cluster.sql(`SELECT claimant FROM channel_deliveries WHERE id = '${d.id}'`, url)).toBe('host:1');
      // One post is answered with a 503 and its retry time recorded: the claim is over, its claimant no longer counts.
      await oldLeader.save({ ...e, attempts: 1, last_error: 'HTTP 503', next_at: now + 20_000 });
      expect(await cluster.sql(`SELECT coalesce(claimant, 'none') FROM channel_deliveries WHERE id = '${e.id}'`, url)).toBe('none');

      // The lead moves; the old leader lives (its connection open, as a deposed or frozen leader's stays): its mark is waited for.
      await oldConn.query('SELECT pg_advisory_unlock($1)', [LEADER_LOCK_KEY]);
      session.new = await lead(newConn);
      await newLeader.refresh();
      expect(newLeader.claimantGone(d.id)).toBe(false);
      expect(await newLeader.claim(d, now + 1_000, 5_000, true)).toBe(false);
      expect(newLeader.deliveries.get(d.id)?.next_at).toBe(mark);

      // The old leader's process dies: PostgreSQL ends its sessions. The next look finds its claimant gone.
      await oldConn.end();
      await until(async () => (await connected('host:1')) === 0, "the dead replica's session to end");
      await newLeader.reread(d.id);
      expect(newLeader.claimantGone(d.id)).toBe(true);
      await newLeader.refresh();
      expect(newLeader.claimantGone(d.id)).toBe(true);
      expect(newLeader.claimantGone(e.id)).toBe(false);
      // Not while PostgreSQL was just away (the caller's OutageGrace says so), nor by a process of the same
      // name (the claimant itself, whose post may be under way).
      expect(await newLeader.claim(d, now + 1_000, 5_000, false)).toBe(false);
      expect(await new PgChannelLedger(tables, 'host:1', () => session.new).claim(d, now + 1_000, 5_000, true)).toBe(false);
      // A retry time is kept: the post whose outcome was recorded waits for it.
      expect(await newLeader.claim(e, now + 1_000, 5_000, true)).toBe(false);
      // The dead one's mark is taken at once, carrying on from the stored row, and marked as the new leader's.
      expect(await newLeader.claim(d, now + 1_000, 5_000, true)).toBe(true);
      expect(newLeader.deliveries.get(d.id)?.next_at).toBe(mark + 1_000);
      expect(newLeader.claimantGone(d.id)).toBe(false);
      expect(await cluster.sql(`SELECT claimant FROM channel_deliveries WHERE id = '${d.id}'`, url)).toBe('host:2');
      // Its own record ends its claim.
      await newLeader.save({ ...newLeader.deliveries.get(d.id)!, state: 'sent', attempts: 1, next_at: null, sent_at: AT });
      expect(await cluster.sql(`SELECT coalesce(claimant, 'none') FROM channel_deliveries WHERE id = '${d.id}'`, url)).toBe('none');
    } finally {
      await oldConn.end().catch(() => {});
      await newConn.end();
    }
  });
});
