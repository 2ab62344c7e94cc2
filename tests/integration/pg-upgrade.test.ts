import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { emptyDb } from '../../src/domain/model.ts';
import { openPool } from '../../src/store/pg/client.ts';
import { PgLeadership } from '../../src/store/pg/leadership.ts';
import { defaultMigrationsDir, migrateDatabase } from '../../src/store/pg/migrate.ts';
import { startPgCluster, type PgCluster } from '../helpers/pg.ts';
import { type HeraldProcess, runHeraldExpectingExit, startHerald, stopAll, tempDataDir } from '../helpers/server.ts';

/**
 * A database an older release made (SQL migrations up to 005, a schema 4 document), met by this release:
 * the upgrade says what it did and keeps the previous document for a rollback, and is refused while a
 * replica of the older release still runs on the database. Restarts that upgrade nothing are unaffected.
 */
let cluster: PgCluster;
const heralds: HeraldProcess[] = [];
const leaderships: PgLeadership[] = [];
beforeAll(async () => {
  cluster = await startPgCluster();
});
afterAll(async () => {
  for (const l of leaderships) await l.close();
  await stopAll(...heralds);
  await cluster?.destroy();
});

/** A replica of the older release still running, as the database sees it: its lead connection (herald-lead:<replica>). */
async function olderReplica(url: string, replica: string): Promise<PgLeadership> {
  const older = new PgLeadership({ url, replica, retryMs: 200, log: () => {} });
  leaderships.push(older);
  await older.start();
  return older;
}

/** The schema 4 document as the older release wrote it (json keeps this exact text). */
const V4_TEXT = JSON.stringify({ ...emptyDb('page-v4', '2026-01-01T00:00:00.000Z'), schema_version: 4 });

/** A database as a release of SQL migrations 001-005 and schema 4 left it. */
async function olderDatabase(): Promise<string> {
  const url = await cluster.database();
  const dir = mkdtempSync(join(tmpdir(), 'herald-migrations-'));
  for (const name of readdirSync(defaultMigrationsDir()).filter((n) => Number(n.slice(0, 3)) <= 5)) {
    cpSync(join(defaultMigrationsDir(), name), join(dir, name));
  }
  const pool = openPool(url, { applicationName: 'setup', log: () => {} });
  await migrateDatabase(pool, dir);
  await pool.query('INSERT INTO herald_document (id, version, data) VALUES (1, 7, $1)', [V4_TEXT]);
  await pool.end();
  return url;
}

const newMigrations = () =>
  readdirSync(defaultMigrationsDir())
    .filter((n) => Number(n.slice(0, 3)) > 5)
    .sort();

it('upgrades an older database saying so in two lines, keeping the previous document, which the README rollback puts back', {
  timeout: 60_000,
}, async () => {
  const url = await olderDatabase();
  const herald = await startHerald({ env: { DATABASE_URL: url } });
  heralds.push(herald);
  expect(herald.output()).toContain(`[herald] applied the SQL migrations ${newMigrations().join(', ')} to the database`);
  expect(herald.output()).toMatch(
    /\[herald\] upgraded the Herald document in PostgreSQL from schema version 4 to 8; the previous document is kept in herald_kept_documents \(schema_version 4, kept_at \d{4}-\d\d-\d\dT[\d:.]+Z\)/,
  );
  expect(await cluster.sql('SELECT schema_version, data::text FROM herald_kept_documents', url)).toBe(`4|${V4_TEXT}`);
  expect(await cluster.sql("SELECT data::jsonb ->> 'schema_version' FROM herald_document", url)).toBe('8');
  await herald.stop();

  // README's rollback of the document (Upgrading): the kept one back, under a new version.
  await cluster.sql(
    `UPDATE herald_document SET version = version + 1, updated_at = now(),
            data = (SELECT data FROM herald_kept_documents WHERE schema_version = 4 ORDER BY kept_at DESC LIMIT 1)
      WHERE id = 1`,
    url,
  );
  expect(await cluster.sql('SELECT version, data::text FROM herald_document', url)).toBe(`9|${V4_TEXT}`);
});

it('refuses to upgrade while a replica of the older release runs on the database, changing nothing; starts once it is stopped', {
  timeout: 60_000,
}, async () => {
  const url = await olderDatabase();
  const older = await olderReplica(url, 'old-host:4242');
  const dataDir = tempDataDir();
  const refused = await runHeraldExpectingExit({ DATABASE_URL: url, DATA_DIR: dataDir });
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(
    `herald: Herald cannot start: other Herald replicas run on this database (old-host:4242); this release would upgrade its tables (${newMigrations().join(', ')}) and its document (schema version 4 to 8) under them, which they cannot read. Stop them first, then start this release (README: Upgrading).`,
  );
  expect(await cluster.sql('SELECT max(version) FROM schema_migrations', url)).toBe('5');
  expect(await cluster.sql('SELECT version, data::text FROM herald_document', url)).toBe(`7|${V4_TEXT}`);

  await older.close();
  const herald = await startHerald({ dataDir, env: { DATABASE_URL: url } });
  heralds.push(herald);
  expect(herald.output()).toContain('from schema version 4 to 8');
  await herald.stop();
});

it('a document upgrade alone (the tables current) is refused beside an older replica too, and logs no SQL migrations', {
  timeout: 60_000,
}, async () => {
  const url = await cluster.database();
  const pool = openPool(url, { applicationName: 'setup', log: () => {} });
  await migrateDatabase(pool);
  const v7 = JSON.stringify({ ...emptyDb('page-v7', '2026-01-01T00:00:00.000Z'), schema_version: 7 });
  await pool.query('INSERT INTO herald_document (id, version, data) VALUES (1, 3, $1)', [v7]);
  await pool.end();
  const older = await olderReplica(url, 'old-host:7');
  const dataDir = tempDataDir();
  const refused = await runHeraldExpectingExit({ DATABASE_URL: url, DATA_DIR: dataDir });
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(
    'other Herald replicas run on this database (old-host:7); this release would upgrade its document (schema version 7 to 8) under them',
  );
  expect(await cluster.sql('SELECT version, data::text FROM herald_document', url)).toBe(`3|${v7}`);

  await older.close();
  const herald = await startHerald({ dataDir, env: { DATABASE_URL: url } });
  heralds.push(herald);
  expect(herald.output()).not.toContain('applied the SQL migrations');
  expect(herald.output()).toContain('from schema version 7 to 8; the previous document is kept in herald_kept_documents (schema_version 7');
  expect(await cluster.sql('SELECT data::text FROM herald_kept_documents', url)).toBe(v7);
  await herald.stop();
});

it('starts that upgrade nothing are not refused: replicas of one release starting together, and a rolling restart', {
  timeout: 90_000,
}, async () => {
  const url = await cluster.database();
  // A new database: both start, the first to take the migrations' lock makes the tables.
  const [a, b] = await Promise.all([startHerald({ env: { DATABASE_URL: url } }), startHerald({ env: { DATABASE_URL: url } })]);
  heralds.push(a!, b!);
  await b!.stop();
  const b2 = await startHerald({ dataDir: b!.dataDir, env: { DATABASE_URL: url } });
  heralds.push(b2);
  expect((await fetch(`${b2.url}/healthz`)).status).toBe(200);
  await a!.stop();
  await b2.stop();
});
