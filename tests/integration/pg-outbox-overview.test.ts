import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Pool } from '../../src/store/pg/client.ts';
import { PgTables } from '../../src/store/pg/tables.ts';
import { PgOutbox } from '../../src/store/mail/pg-outbox.ts';
import { migratedDatabase, type PgCluster, startPgCluster } from '../helpers/pg.ts';

/**
 * The outbox overview (GET /api/admin/deliveries, the console's deliveries
 * page) on a real PostgreSQL 15 while deliveries change state under it, as
 * they do while replicas send: its counts, its list of failures and its
 * waiting count must describe the same moment.
 */
const N = 60;

let cluster: PgCluster;
let pool: Pool;
let url: string;

beforeAll(async () => {
  cluster = await startPgCluster();
  ({ url, pool } = await migratedDatabase(cluster, 'overview-test'));
  await cluster.sql(
    `INSERT INTO mail_intents (key, incident, update_id, kind, created_at) VALUES ('inc1:upd1', 'inc1', 'upd1', 'disruption', now());
     INSERT INTO mail_deliveries (id, sub, intent, kind, state, created_at)
     SELECT 'd' || g, 's' || g, 'inc1:upd1', 'disruption', 'queued', now() FROM generate_series(1, ${N}) g`,
    url,
  );
});
afterAll(async () => {
  await pool?.end().catch(() => {});
  await cluster?.destroy();
});

describe('the outbox overview on PostgreSQL', () => {
  it('reads as of one moment: its counts, failures and waiting agree while deliveries fail and are retried', async () => {
    const outbox = new PgOutbox(new PgTables(pool, 'subscribers and deliveries', () => {}));
    // Another session flips deliveries between queued and failed (a send failing, an operator's retry), one commit each.
    const writer = new pg.Client({ connectionString: url });
    await writer.connect();
    let writing = true;
    let flips = 0;
    const flipping = (async () => {
      while (writing) {
        const id = `d${1 + (flips % N)}`;
        await writer.query(`UPDATE mail_deliveries SET state = CASE state WHEN 'queued' THEN 'failed' ELSE 'queued' END WHERE id = $1`, [
          id,
        ]);
        flips++;
      }
    })();
    const disagreements: string[] = [];
    try {
      for (let i = 0; i < 300; i++) {
        const o = await outbox.overview({ notices: 10, failed: 1000 });
        const notice = o.notices[0]!;
        const seen = `counted ${notice.queued} queued and ${notice.failed} failed, listed ${o.failed.length} failed, ${o.waiting} waiting`;
        if (notice.queued + notice.failed !== N || o.failed.length !== notice.failed || o.waiting !== notice.queued)
          disagreements.push(seen);
      }
    } finally {
      writing = false;
      await flipping;
      await writer.end();
    }
    expect(flips).toBeGreaterThan(300);
    expect(disagreements).toEqual([]);
  });

  it('a fan-out ended where it stands (its incident withdrawn) makes nothing more and reads done, not fanning out', async () => {
    const outbox = new PgOutbox(new PgTables(pool, 'subscribers and deliveries', () => {}));
    await cluster.sql(
      `INSERT INTO mail_subscribers (id, email, email_key, state, components, confirms, requested_at, created_at, updated_at)
       SELECT 'w' || g, 'w' || g || '@example.com', 'w' || g || '@example.com', 'confirmed', '{}', 1, now(), now(), now()
       FROM generate_series(1, 5) g`,
      url,
    );
    const notice = { key: 'inc2:upd1', incident: 'inc2', update: 'upd1', kind: 'disruption' as const, components: [], existing: [] };
    expect(await outbox.fanOutStep(notice, 2, new Date())).toEqual({ created: 2, done: false });
    await outbox.endFanOut(notice.key);
    expect(await outbox.fanOutDone(notice.key)).toBe(true);
    expect(await outbox.fanOutStep(notice, 2, new Date())).toEqual({ created: 0, done: true });
    expect(await cluster.sql(`SELECT count(*) FROM mail_deliveries WHERE intent = 'inc2:upd1'`, url)).toBe('2');
  });
});
