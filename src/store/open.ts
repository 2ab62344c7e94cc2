import { existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { dbSchema, emptyDb, type Db } from '../domain/model.ts';
import { randomId } from '../domain/ids.ts';
import type { DocumentStore } from './document-store.ts';
import { DurableJsonFile, removeStaleTempFiles } from './durable-file.ts';
import { Store } from './store.ts';
import { acquireLock } from './lock.ts';
import { migrate } from './migrate.ts';
import { soleLeader, type Leadership } from './leadership.ts';
import type { StoreContext } from './context.ts';
import { openPool, type Pool } from './pg/client.ts';
import { PgDocumentStore } from './pg/document-store.ts';
import { PgLeadership } from './pg/leadership.ts';
import { sharedSecret } from './pg/secrets.ts';
import type { ConsoleStore, ConsoleStoreOptions } from './console/port.ts';
import { memoryConsoleStore } from './console/memory.ts';
import { PgConsoleStore } from './console/pg.ts';

/**
 * Herald's storage, opened: the embedded engine (DATA_DIR's files, one
 * process) or PostgreSQL (DATABASE_URL; any number of replicas). Everything
 * stored goes through what this returns; nothing outside src/store knows
 * which engine it is, except for saying so in /healthz.
 */
export interface Storage {
  engine: 'embedded' | 'postgres';
  document: DocumentStore<Db>;
  /** The document did not exist: this start made it (and seeds it). */
  created: boolean;
  /** The stored document was from an older schema and was upgraded (written back once). */
  migrated: boolean;
  context: StoreContext;
  leadership: Leadership;
  /**
   * A secret every replica must share (the admin token, the link-signing key): the stored one, or
   * `make()` stored now; `created` on the start that made it. Null on the embedded engine, which
   * keeps its secrets as files in DATA_DIR (admin-token, subscribers.key).
   */
  secret: ((name: string, make: () => string) => Promise<{ value: string; created: boolean }>) | null;
  /**
   * The Comms Lead console's state (sessions, drafts, failed sign-ins): in this process's memory on the
   * embedded engine (a restart signs everyone out), in the database on PostgreSQL (shared by the
   * replicas). `A` is the drafts' action, kept as JSON. The caller closes it (before the storage).
   */
  openConsole<A>(opts: ConsoleStoreOptions): ConsoleStore<A>;
  /** What /healthz reports: whether the database answered lately (always true for the files). */
  health(): { engine: 'embedded' | 'postgres'; healthy: boolean; listening: boolean; leader: boolean };
  close(): Promise<void>;
}

export async function openStorage(config: Config, now: () => Date, log: (line: string) => void): Promise<Storage> {
  mkdirSync(config.dataDir, { recursive: true });
  // One process per DATA_DIR, on either engine: the static copy and the embedded journals live there.
  const releaseLock = acquireLock(config.dataDir);
  try {
    return config.DATABASE_URL
      ? await openPostgres(config, config.DATABASE_URL, now, log, releaseLock)
      : await openEmbedded(config, now, log, releaseLock);
  } catch (err) {
    releaseLock();
    throw err;
  }
}

async function openEmbedded(config: Config, now: () => Date, log: (line: string) => void, releaseLock: () => void): Promise<Storage> {
  const file = join(config.dataDir, 'herald.json');
  // A crash mid-write can leave a temp file; the lock says nobody is writing one now.
  removeStaleTempFiles(file);
  const created = !existsSync(file);
  const document = new Store<Db>(new DurableJsonFile(file, dbSchema), emptyDb(randomId(), now().toISOString()));
  const { migrated } = await document.load();
  return {
    engine: 'embedded',
    document,
    created,
    migrated,
    context: { engine: 'embedded', dataDir: config.dataDir, now, log },
    leadership: soleLeader(),
    secret: null,
    openConsole: <A>(opts: ConsoleStoreOptions) => memoryConsoleStore<A>(opts),
    health: () => ({ engine: 'embedded', healthy: true, listening: true, leader: true }),
    close: async () => releaseLock(),
  };
}

async function openPostgres(
  config: Config,
  url: string,
  now: () => Date,
  log: (line: string) => void,
  releaseLock: () => void,
): Promise<Storage> {
  const replica = `${hostname()}:${process.pid}`;
  const document = new PgDocumentStore<Db>({
    url,
    defaults: emptyDb(randomId(), now().toISOString()),
    parse: (raw) => dbSchema.parse(raw),
    upgrade: migrate,
    replica,
    log,
  });
  const { migrated, created } = await document.load();
  let pool: Pool | null = null;
  const leadership = new PgLeadership({ url, replica, log });
  try {
    pool = openPool(url, { max: 10, applicationName: `herald:${replica}`.slice(0, 63), log });
    await leadership.start();
  } catch (err) {
    await leadership.close();
    await pool?.end().catch(() => {});
    await document.close();
    throw err;
  }
  const shared = pool;
  return {
    engine: 'postgres',
    document,
    created,
    migrated,
    context: { engine: 'postgres', dataDir: config.dataDir, pool: shared, url, replica, now, log },
    leadership,
    secret: (name, make) => sharedSecret(shared, name, make),
    openConsole: <A>(opts: ConsoleStoreOptions) =>
      new PgConsoleStore<A>({ ...opts, pool: shared, replica, leadership, now: () => now().getTime(), log }),
    health: () => ({ engine: 'postgres', healthy: document.healthy, listening: document.listening, leader: leadership.isLeader }),
    close: async () => {
      await leadership.close();
      await document.close();
      await shared.end().catch(() => {});
      releaseLock();
    },
  };
}
