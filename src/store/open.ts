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
import { acquireLock } from './lock.ts';
import { soleLeader, type Leadership } from './leadership.ts';
import type { ConsoleStore, ConsoleStoreOptions } from './console/port.ts';
import { memoryConsoleStore } from './console/memory.ts';
import { type EmbeddedMail, type MailStorage, openEmbeddedMail } from './mail/open.ts';
import { type ChannelLedger, JournalChannelLedger } from './channels/ledger.ts';
import type { Reach } from './pg/tables.ts';
import { Journal } from './journal.ts';
import { WriteHealth } from './write-health.ts';
import { fileAdminToken } from './admin-token.ts';
import { NoSite } from './no-site.ts';

export { NoSite };

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
  /**
   * The incidents and windows the outboxes name (email notices, channel posts), once both are open: after an
   * older document was restored, ones it no longer holds (VerbContext.givenIds: their ids are not given again).
   */
  outboxEvents(): Promise<Set<string>>;
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
      ? // Loaded only here: the PostgreSQL store and its client (pg) are no part of an embedded start.
        await (await import('./open-postgres.ts')).openPostgres(
          config.DATABASE_URL,
          config.dataDir,
          now,
          log,
          releaseLock,
          opts.existing,
          thisReplica(),
        )
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
  let mail: EmbeddedMail | null = null;
  let channels: JournalChannelLedger | null = null;
  return {
    engine: 'embedded',
    document,
    created,
    migrated,
    leadership: soleLeader(),
    openConsole: <A>(opts: ConsoleStoreOptions) => memoryConsoleStore<A>(opts),
    openMail: () => (mail = openEmbeddedMail(config.dataDir, writes)),
    openChannelLedger: () => {
      const journal = join(config.dataDir, 'channel-deliveries.jsonl');
      removeStaleTempFiles(journal);
      return (channels = new JournalChannelLedger(new Journal(journal, { writes })));
    },
    outboxEvents: async () => new Set([...(mail?.ledger.events() ?? []), ...(channels?.events() ?? [])]),
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
