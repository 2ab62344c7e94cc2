import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { Unavailable } from '../../src/domain/errors.ts';
import { DB_SCHEMA_VERSION, dbSchema, emptyDb, type Db } from '../../src/domain/model.ts';
import { migrate } from '../../src/store/migrate.ts';
import { PgDocumentStore } from '../../src/store/pg/document-store.ts';
import { startPgCluster, type PgCluster } from '../helpers/pg.ts';

/**
 * A rolling deploy on PostgreSQL: a replica of the schema before the incident withdrawal (version 4, which
 * knew no `withdrawn`) still runs beside one that withdrew an incident. Its zod schema strips the keys it does
 * not know: were the document still version 4, its next write would erase `withdrawn` (and the withdrawn id
 * would be given again). The newer version makes it refuse to write instead.
 */
let cluster: PgCluster;
const stores: PgDocumentStore<unknown>[] = [];
beforeAll(async () => {
  cluster = await startPgCluster();
});
afterAll(async () => {
  for (const s of stores) await s.close();
  await cluster?.destroy();
});

/** The document as a Herald of schema version 4 read it: no `withdrawn`, unknown keys stripped. */
const version4 = dbSchema.omit({ withdrawn: true }).extend({ schema_version: z.literal(4) });

function replica<T>(url: string, name: string, parse: (raw: unknown) => T, upgrade?: typeof migrate): PgDocumentStore<T> {
  const store = new PgDocumentStore<T>({
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
  expect(DB_SCHEMA_VERSION).toBe(5);
  expect(data).toEqual({ ...v4, schema_version: 5 });
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
