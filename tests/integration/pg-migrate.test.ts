import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPool, type Pool } from '../../src/store/pg/client.ts';
import { MigrationError, migrateDatabase } from '../../src/store/pg/migrate.ts';
import { type PgCluster, startPgCluster } from '../helpers/pg.ts';
import { until } from '../helpers/poll.ts';

/** src/store/pg/migrate.ts against a real PostgreSQL 15: once per file, whoever starts first. */
let cluster: PgCluster;
const pools: Pool[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  cluster = await startPgCluster();
});
afterAll(async () => {
  await cluster?.destroy();
});
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.end().catch(() => {});
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const pool = (url: string, name = 'migrate-test') => {
  const p = openPool(url, { applicationName: name, log: () => {} });
  pools.push(p);
  return p;
};

function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-migrations-'));
  dirs.push(dir);
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

describe('migrateDatabase', () => {
  it('four runners starting together apply each file exactly once, taking turns on the advisory lock', async () => {
    const url = await cluster.database();
    // Not idempotent on purpose: a second run of 001 would fail on CREATE TABLE, of 002 would insert twice.
    const dir = migrationsDir({
      '001_slow.sql': 'SELECT pg_sleep(0.5);\nCREATE TABLE one (id int);',
      '002_insert.sql': 'CREATE TABLE two (id int);\nINSERT INTO one VALUES (1);',
    });
    const runs = ['r1', 'r2', 'r3', 'r4'].map((name) => migrateDatabase(pool(url, name), dir));
    // While the first sleeps in 001, the others wait on the lock (not on a table lock, not done).
    await until(
      async () =>
        (await cluster.sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'", url)) ===
        '3',
      'three runners waiting on the advisory lock',
      10_000,
      10,
    );
    const applied = await Promise.all(runs);
    expect(applied.flat().sort()).toEqual(['001_slow.sql', '002_insert.sql']);
    expect(applied.filter((a) => a.length === 0)).toHaveLength(3);
    expect(await cluster.sql('SELECT count(*) FROM one', url)).toBe('1');
    expect(await cluster.sql("SELECT string_agg(version || ':' || name, ',' ORDER BY version) FROM schema_migrations", url)).toBe(
      '1:001_slow.sql,2:002_insert.sql',
    );
    // Nobody still holds the lock.
    expect(await cluster.sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'", url)).toBe('0');
  });

  it('a failing migration leaves no trace, nor do those before it in the same start; all are applied by a later start once fixed', async () => {
    const url = await cluster.database();
    const dir = migrationsDir({
      '001_ok.sql': 'CREATE TABLE ok (id int);',
      '002_bad.sql': 'CREATE TABLE half (id int);\nSELECT 1 / 0;',
    });
    await expect(migrateDatabase(pool(url), dir)).rejects.toThrow(
      /Migration 002_bad.sql failed, none of the 2 pending migrations \(001_ok.sql to 002_bad.sql\) was applied: division by zero/,
    );
    // Before: 001_ok.sql stayed applied, which the release before refuses and this one had not finished.
    expect(await cluster.sql('SELECT count(*) FROM schema_migrations', url)).toBe('0');
    expect(await cluster.sql("SELECT count(*) FROM pg_tables WHERE tablename IN ('ok', 'half')", url)).toBe('0');
    writeFileSync(join(dir, '002_bad.sql'), 'CREATE TABLE half (id int);');
    expect(await migrateDatabase(pool(url), dir)).toEqual(['001_ok.sql', '002_bad.sql']);
  });

  it('an upgrade after a rollback by pg_restore --clean, which leaves the newer tables behind: refused with the database as it was, then applied once they are dropped', async () => {
    const url = await cluster.database();
    const dir = migrationsDir({ '001_a.sql': 'CREATE TABLE a (id int);' });
    await migrateDatabase(pool(url), dir);
    // The newer release's tables, left by a restore of the dump taken before it (its rows in schema_migrations restored away).
    await cluster.sql('CREATE TABLE c (id int)', url);
    writeFileSync(join(dir, '002_b.sql'), 'CREATE TABLE b (id int);');
    writeFileSync(join(dir, '003_c.sql'), 'CREATE TABLE c (id int);');
    await expect(migrateDatabase(pool(url), dir)).rejects.toThrow(/Migration 003_c.sql failed, none of the 2 pending migrations/);
    // Before: 002_b.sql stayed applied, and the release before refused "migration(s) 2 that this Herald does not know".
    expect(await cluster.sql("SELECT string_agg(name, ',') FROM schema_migrations", url)).toBe('001_a.sql');
    expect(await cluster.sql("SELECT count(*) FROM pg_tables WHERE tablename = 'b'", url)).toBe('0');
    expect(await migrateDatabase(pool(url), migrationsDir({ '001_a.sql': 'CREATE TABLE a (id int);' }))).toEqual([]);
    await cluster.sql('DROP TABLE c', url);
    expect(await migrateDatabase(pool(url), dir)).toEqual(['002_b.sql', '003_c.sql']);
  });

  it('refuses a database that a newer Herald migrated further', async () => {
    const url = await cluster.database();
    const dir = migrationsDir({ '001_a.sql': 'CREATE TABLE a (id int);' });
    await migrateDatabase(pool(url), dir);
    await cluster.sql("INSERT INTO schema_migrations (version, name) VALUES (7, '007_future.sql')", url);
    const err = await migrateDatabase(pool(url), dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toMatch(/migration\(s\) 7 that this Herald does not know/);
  });

  it("Herald's own migrations, every file in order, create the one-row document table", async () => {
    const url = await cluster.database();
    const own = readdirSync(new URL('../../src/store/migrations/', import.meta.url))
      .filter((f) => f.endsWith('.sql'))
      .sort();
    expect(own[0]).toBe('001_document.sql');
    expect(await migrateDatabase(pool(url))).toEqual(own);
    expect(await migrateDatabase(pool(url))).toEqual([]);
    await cluster.sql(`INSERT INTO herald_document (version, data) VALUES (1, '{}')`, url);
    // The check pins the single row: a second document cannot exist.
    await expect(cluster.sql(`INSERT INTO herald_document (id, version, data) VALUES (2, 1, '{}')`, url)).rejects.toThrow(
      /check constraint/,
    );
    // json keeps the text as written (key order), unlike jsonb.
    await cluster.sql(`UPDATE herald_document SET data = '{"zeta":1,"a":2}'`, url);
    expect(await cluster.sql('SELECT data::text FROM herald_document', url)).toBe('{"zeta":1,"a":2}');
  });
});
