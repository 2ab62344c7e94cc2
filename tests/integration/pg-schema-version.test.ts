import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { Unavailable } from '../../src/domain/errors.ts';
import { DB_SCHEMA_VERSION, dbSchema, emptyDb, type Db } from '../../src/domain/model.ts';
import { migrate } from '../../src/store/migrate.ts';
import { PgDocumentStore } from '../../src/store/pg/document-store.ts';
import { PgLeadership } from '../../src/store/pg/leadership.ts';
import { startPgCluster, type PgCluster } from '../helpers/pg.ts';
import { type HeraldProcess, startHerald, stopAll } from '../helpers/server.ts';
import { until } from '../helpers/poll.ts';

/**
 * A rolling deploy on PostgreSQL: a replica of the schema before the incident withdrawal (version 4, which
 * knew no `withdrawn`) still runs beside one that withdrew an incident. Its zod schema strips the keys it does
 * not know: were the document still version 4, its next write would erase `withdrawn` (and the withdrawn id
 * would be given again). The newer version makes it refuse to write instead.
 */
let cluster: PgCluster;
const stores: PgDocumentStore<unknown>[] = [];
const heralds: HeraldProcess[] = [];
const leaderships: PgLeadership[] = [];
beforeAll(async () => {
  cluster = await startPgCluster();
});
afterAll(async () => {
  for (const l of leaderships) await l.close();
  await stopAll(...heralds);
  for (const s of stores) await s.close();
  await cluster?.destroy();
});

/** The document as a Herald of schema version 4 read it: no `withdrawn`, unknown keys stripped. */
const version4 = dbSchema.omit({ withdrawn: true }).extend({ schema_version: z.literal(4) });

function replica<T>(url: string, name: string, parse: (raw: unknown) => T, upgrade?: typeof migrate): PgDocumentStore<T> {
  const store = new PgDocumentStore<T>({
    // Herald refuses to upgrade beside a running replica (pg-upgrade.test.ts); an older one starting in the moment
    // between that check and the upgrade is what this file plays.
    upgradeBesideOthers: true,
    url,
    defaults: emptyDb('page', '2026-01-01T00:00:00.000Z') as T,
    parse,
    upgrade,
    replica: name,
    pollMs: 100,
    log: () => {},
  });
  stores.push(store as PgDocumentStore<unknown>);
  return store;
}

it('migrates a version 4 document to the current version, changing nothing else', () => {
  const v4 = { ...emptyDb('page', '2026-01-01T00:00:00.000Z'), schema_version: 4 };
  const { data, migrated } = migrate(v4);
  expect(migrated).toBe(true);
  expect(DB_SCHEMA_VERSION).toBe(8);
  expect(data).toEqual({ ...v4, schema_version: DB_SCHEMA_VERSION });
});

it('an older replica still running cannot erase `withdrawn`: its writes are refused, the row keeps it', async () => {
  const url = await cluster.database();
  // The old replica starts first, on a version 4 document.
  const seed = replica(url, 'seed', (raw) => raw);
  await seed.load();
  await seed.update((d) => void ((d as { schema_version: number }).schema_version = 4));
  const old = replica(url, 'old', (raw) => version4.parse(raw));
  await old.load();

  // The new one starts (upgrading the document it reads), then withdraws an incident.
  const fresh = replica<Db>(url, 'new', (raw) => dbSchema.parse(raw), migrate);
  await fresh.load();
  await fresh.update((d) => void (d.withdrawn = [{ id: 'INC-1', name: 'Drill', at: '2026-01-02T00:00:00.000Z', actor: 'admin' }]));

  const err = await old.update((d) => void (d.settings = { ...d.settings })).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Unavailable);
  expect((err as Unavailable).code).toBe('storage_invalid');
  const stored = JSON.parse(await cluster.sql('SELECT data::text FROM herald_document WHERE id = 1', url)) as Db;
  expect(stored.withdrawn).toEqual([{ id: 'INC-1', name: 'Drill', at: '2026-01-02T00:00:00.000Z', actor: 'admin' }]);
});

/** Sets the stored document's schema_version behind the replicas' back, as a newer (or the current) Herald writing it. */
const storeSchemaVersion = (url: string, version: number) =>
  cluster.sql(
    `UPDATE herald_document SET version = version + 1, updated_at = now(),
            data = jsonb_set(data::jsonb, '{schema_version}', '${version}')`,
    url,
  );

it('a replica that refuses the stored document says degraded and gives the lead to one that reads it; both come back when it reads it again', {
  timeout: 60_000,
}, async () => {
  const url = await cluster.database();
  const herald = await startHerald({ env: { DATABASE_URL: url } });
  heralds.push(herald);
  const health = async () => (await (await fetch(`${herald.url}/healthz`)).json()) as { status: string; storage: Record<string, unknown> };
  await until(async () => (await health()).storage.leader === true, 'the replica to lead');
  // A replica of the newer release, which reads the document: it competes for the lead as a Herald does.
  const newer = new PgLeadership({ url, replica: 'newer', retryMs: 200, log: () => {} });
  leaderships.push(newer);
  await newer.start();
  expect(newer.isLeader).toBe(false);

  await storeSchemaVersion(url, DB_SCHEMA_VERSION + 1);
  // Before: "ok" and healthy for as long as it ran, holding the lead (a due window was not started).
  const degraded = await until(
    async () => {
      const h = await health();
      return h.status === 'degraded' && h;
    },
    '/healthz to say degraded',
    10_000,
  );
  expect(degraded.storage).toMatchObject({ engine: 'postgres', healthy: false });
  expect(degraded.storage.reason).toContain(`schema version ${DB_SCHEMA_VERSION + 1}, written by a newer Herald`);
  await until(() => newer.isLeader, 'the replica that reads the document to take the lead', 10_000);
  expect((await health()).storage.leader).toBe(false);
  expect(herald.output()).toContain('this replica stops leading: it cannot read the stored document');

  // Readable again (the newer release rolled back, say): ok, and it competes for the lead again.
  await storeSchemaVersion(url, DB_SCHEMA_VERSION);
  await until(async () => (await health()).status === 'ok', '/healthz ok again', 10_000);
  expect((await health()).storage.reason).toBeNull();
  await newer.close();
  await until(async () => (await health()).storage.leader === true, 'the replica to lead again', 10_000);
});

it('while the stored document is refused, catching up fails (a delivery waits rather than fail as "incident gone"), and a restore of the version held is read again', async () => {
  const url = await cluster.database();
  const store = replica<Db>(url, 'old', (raw) => dbSchema.parse(raw), migrate);
  await store.load();
  const held = await cluster.sql('SELECT version FROM herald_document WHERE id = 1', url);
  const row = await cluster.sql('SELECT data::text FROM herald_document WHERE id = 1', url);
  await storeSchemaVersion(url, DB_SCHEMA_VERSION + 1);
  await until(() => store.refusal !== null, 'the replica to refuse the newer document');
  // Before: caught up (the refused reload counted as a read), so the outbox called a newer Herald's incident gone.
  await expect(store.catchUp()).rejects.toMatchObject({ code: 'storage_invalid' });

  // A restore puts back the row this replica holds, version and all (raw SQL, pg_restore).
  await cluster.sql(`UPDATE herald_document SET version = ${held}, data = $row$${row}$row$::jsonb WHERE id = 1`, url);
  // Before: never read again (the version was the one held), the replica refusing and out of the lead for good.
  await until(() => store.refusal === null, 'the replica to read the restored document', 5_000);
  await expect(store.catchUp()).resolves.toBeUndefined();
});
