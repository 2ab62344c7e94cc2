import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { dbSchema, emptyDb, type Db } from '../domain/model.ts';
import { randomId } from '../domain/ids.ts';
import type { DocumentStore } from './document-store.ts';
import { DurableJsonFile, isUpgradeBackup, removeStaleTempFiles } from './durable-file.ts';
import { keepPrivate } from './private-file.ts';
import { Store } from './store.ts';
import { SiteDocumentLost, siteRemains } from './site-remains.ts';
import { folderSite, SiteNotImported } from './folder-site.ts';
import { acquireLock } from './lock.ts';
import { migrate } from './migrate.ts';
import { soleLeader, type Leadership } from './leadership.ts';
import { openPool, POOL_SIZES, type Pool } from './pg/client.ts';
import { PgDocumentStore } from './pg/document-store.ts';
import { PgLeadership } from './pg/leadership.ts';
import { pgHealth } from './pg/health.ts';
import { removeSecretUnless, sharedSecret } from './pg/secrets.ts';
import { checkAdminTokenAgreement } from './pg/admin-token-agreement.ts';
import { startRefusal } from './pg/start-refusal.ts';
import type { ConsoleStore, ConsoleStoreOptions } from './console/port.ts';
import { memoryConsoleStore } from './console/memory.ts';
import { PgConsoleStore } from './console/pg.ts';
import { type MailStorage, openEmbeddedMail, openSharedMail } from './mail/open.ts';
import { type ChannelLedger, JournalChannelLedger } from './channels/ledger.ts';
import { PgChannelLedger } from './channels/pg-ledger.ts';
import { PgTables, type Reach } from './pg/tables.ts';
import { Journal } from './journal.ts';
import { WriteHealth } from './write-health.ts';
import { fileAdminToken } from './admin-token.ts';
import { randomToken } from '../auth/random.ts';

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
  leadership: Leadership;
  /**
   * The Comms Lead console's state (sessions, drafts, failed sign-ins): in this process's memory on the
   * embedded engine (a restart signs everyone out), in the database on PostgreSQL (shared by the
   * replicas). `A` is the drafts' action, kept as JSON. The caller closes it (before the storage).
   */
  openConsole<A>(opts: ConsoleStoreOptions): ConsoleStore<A>;
  /** Subscribers and the email outbox (src/store/mail): opened once, by the email service. */
  openMail(): MailStorage;
  /**
   * The Slack, Teams and webhook outbox (src/store/channels): opened once, by the channel service. `reach`
   * hears whether its statements reach PostgreSQL (nothing on the embedded engine).
   */
  openChannelLedger(reach?: Reach): ChannelLedger;
  /**
   * The admin token: ADMIN_TOKEN when set; else the stored one, or a new one stored now (`generated`, on
   * the one start that made it; `where` it is kept). In DATA_DIR/admin-token (0600) on the embedded
   * engine, in the database (shared by the replicas) on PostgreSQL, where a token that is not the one a running
   * replica takes is logged as a warning (pg/admin-token-agreement.ts).
   */
  adminToken(fromEnv: string | undefined): Promise<{ token: string; generated: boolean; where: string }>;
  /** This process, as the other replicas and the outbox name it (host:pid). */
  replica: string;
  /**
   * What /healthz reports: whether the database answered lately and holds a document this replica reads
   * (always true for the files), and if not, why (pg/health.ts).
   */
  health(): { engine: 'embedded' | 'postgres'; healthy: boolean; listening: boolean; leader: boolean; reason: string | null };
  close(): Promise<void>;
}

/** This process, as the replicas and the outbox name it. */
const thisReplica = (): string => `${hostname()}:${process.pid}`;

export async function openStorage(
  config: Config,
  now: () => Date,
  log: (line: string) => void,
  opts: { existing: boolean } = { existing: false },
): Promise<Storage> {
  if (opts.existing && !config.DATABASE_URL && !existsSync(join(config.dataDir, 'herald.json'))) throw new NoSite(config.dataDir, false);
  // Before the lock and the folder's creation: a refused start leaves the folder as it found it.
  const remains = config.DATABASE_URL ? [] : siteRemains(config.dataDir);
  if (remains.length > 0) throw new SiteDocumentLost(config.dataDir, remains);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  // One process per DATA_DIR, on either engine: the static copy and the embedded journals live there.
  const releaseLock = acquireLock(config.dataDir);
  try {
    return config.DATABASE_URL
      ? await openPostgres(config.DATABASE_URL, config.dataDir, now, log, releaseLock, opts.existing)
      : await openEmbedded(config, now, releaseLock);
  } catch (err) {
    releaseLock();
    throw err;
  }
}

async function openEmbedded(config: Config, now: () => Date, releaseLock: () => void): Promise<Storage> {
  const file = join(config.dataDir, 'herald.json');
  // A crash mid-write can leave a temp file; the lock says nobody is writing one now.
  removeStaleTempFiles(file);
  const created = !existsSync(file);
  // Whole copies of the document, as private as it; the files the stores open are checked as they open them.
  for (const name of readdirSync(config.dataDir)) if (isUpgradeBackup('herald.json', name)) keepPrivate(join(config.dataDir, name));
  const writes = new WriteHealth();
  const document = new Store<Db>(new DurableJsonFile(file, dbSchema), emptyDb(randomId(), now().toISOString()), {
    health: writes,
    name: file,
  });
  const { migrated } = await document.load();
  return {
    engine: 'embedded',
    document,
    created,
    migrated,
    leadership: soleLeader(),
    openConsole: <A>(opts: ConsoleStoreOptions) => memoryConsoleStore<A>(opts),
    openMail: () => openEmbeddedMail(config.dataDir, writes),
    openChannelLedger: () => {
      const journal = join(config.dataDir, 'channel-deliveries.jsonl');
      removeStaleTempFiles(journal);
      return new JournalChannelLedger(new Journal(journal, { writes }));
    },
    adminToken: async (fromEnv) => ({ ...fileAdminToken(config.dataDir, fromEnv), where: join(config.dataDir, 'admin-token') }),
    replica: thisReplica(),
    health: () => {
      const reason = writes.reason;
      return { engine: 'embedded', healthy: reason === null, listening: true, leader: true, reason };
    },
    close: async () => {
      writes.close();
      releaseLock();
    },
  };
}

/** Where a process that only reads the site (openStorage's `existing`) found none: nothing was written. */
export class NoSite extends Error {
  constructor(dataDir: string, onPostgres: boolean) {
    super(
      onPostgres
        ? 'The database in DATABASE_URL holds no Herald site; nothing was written. Set DATABASE_URL to the database the service runs on.'
        : `${dataDir} holds no Herald site (no herald.json); nothing was written. Set DATA_DIR to the folder the service runs on.`,
    );
    this.name = 'NoSite';
  }
}

async function openPostgres(
  url: string,
  dataDir: string,
  now: () => Date,
  log: (line: string) => void,
  releaseLock: () => void,
  existing: boolean,
): Promise<Storage> {
  const replica = thisReplica();
  // A process that only reads (the static export) leaves DATA_DIR's files alone whatever site they hold.
  const folder = existing ? null : folderSite(dataDir);
  const document = new PgDocumentStore<Db>({
    readOnly: existing,
    refuseToCreate: existing ? new NoSite(dataDir, true) : folder ? new SiteNotImported(dataDir, 'empty') : undefined,
    // The normal restart after db:import passes (the same page id); a folder that cannot say which site it holds does not.
    refuseSite: folder
      ? (pageId) => (folder.id !== null && pageId === folder.id ? undefined : new SiteNotImported(dataDir, 'another site'))
      : undefined,
    url,
    defaults: emptyDb(randomId(), now().toISOString()),
    parse: (raw) => dbSchema.parse(raw),
    upgrade: migrate,
    replica,
    log,
  });
  const { migrated, created } = await document.load();
  let pool: Pool | null = null;
  // A replica that refuses the stored document does not lead: its timer and planners would act on stale data. Nor
  // does a process that only reads (the static export): leading, it would hold the lead from the service's replicas
  // (their timer, fan-outs and channel posts waiting meanwhile) and sweep the console's tables.
  const leadership = new PgLeadership({ url, replica, log, mayLead: () => !existing && document.refusal === null });
  try {
    pool = openPool(url, { max: POOL_SIZES.shared, applicationName: `herald:${replica}`.slice(0, 63), log });
    await leadership.start();
  } catch (err) {
    await leadership.close();
    await pool?.end().catch(() => {});
    await document.close();
    throw startRefusal(err, url) ?? err;
  }
  const shared = pool;
  return {
    engine: 'postgres',
    document,
    created,
    migrated,
    leadership,
    openConsole: <A>(opts: ConsoleStoreOptions) =>
      new PgConsoleStore<A>({ ...opts, pool: shared, replica, leadership, now: () => now().getTime(), log }),
    openMail: () => openSharedMail(shared, log),
    openChannelLedger: (reach) =>
      new PgChannelLedger(new PgTables(shared, 'the channel outbox', log, reach), replica, () => leadership.session),
    adminToken: async (fromEnv) => {
      // A stored token that is not ADMIN_TOKEN is an earlier one (a leaked one, replaced by ADMIN_TOKEN): kept, a replica
      // started later without ADMIN_TOKEN signed in with it again, silently. Removed, such a replica makes a new one and
      // prints it. ADMIN_TOKEN itself is not stored: a fleet that sets it keeps it out of the database and its dumps.
      if (fromEnv && (await removeSecretUnless(shared, 'admin-token', fromEnv))) {
        log(
          '[herald] removed the admin token stored in the database (it is not ADMIN_TOKEN): a replica started from now on without ADMIN_TOKEN makes and prints a new one, not that one',
        );
      }
      const taken = fromEnv
        ? { token: fromEnv, generated: false, where: 'ADMIN_TOKEN' }
        : await sharedSecret(shared, 'admin-token', () => randomToken(32)).then((r) => ({
            token: r.value,
            generated: r.created,
            where: 'the database',
          }));
      await checkAdminTokenAgreement(shared, replica, taken.token, Boolean(fromEnv), log);
      return taken;
    },
    replica,
    health: () => pgHealth(document, leadership),
    close: async () => {
      await leadership.close();
      await document.close();
      await shared.end().catch(() => {});
      releaseLock();
    },
  };
}
