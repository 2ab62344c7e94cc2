import { dbSchema, emptyDb, type Db } from '../domain/model.ts';
import { randomId } from '../domain/ids.ts';
import { randomToken } from '../auth/random.ts';
import type { Storage } from './open.ts';
import { NoSite } from './no-site.ts';
import { folderSite, SiteNotImported } from './folder-site.ts';
import { migrate } from './migrate.ts';
import { openPool, POOL_SIZES, type Pool } from './pg/client.ts';
import { PgDocumentStore } from './pg/document-store.ts';
import { PgLeadership } from './pg/leadership.ts';
import { pgHealth } from './pg/health.ts';
import { removeSecretUnless, sharedSecret } from './pg/secrets.ts';
import { checkAdminTokenAgreement } from './pg/admin-token-agreement.ts';
import { startRefusal } from './pg/start-refusal.ts';
import type { ConsoleStoreOptions } from './console/port.ts';
import { PgConsoleStore } from './console/pg.ts';
import { openSharedMail } from './mail/open-shared.ts';
import { PgChannelLedger } from './channels/pg-ledger.ts';
import { PgTables } from './pg/tables.ts';

/** Opens the site in PostgreSQL (open.ts's openStorage, DATABASE_URL set). */
export async function openPostgres(
  url: string,
  dataDir: string,
  now: () => Date,
  log: (line: string) => void,
  releaseLock: () => void,
  existing: boolean,
  replica: string,
): Promise<Storage> {
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
    outboxEvents: async () => {
      const { rows } = await shared.query<{ id: string }>(
        'SELECT incident AS id FROM mail_intents UNION SELECT event FROM channel_deliveries',
      );
      return new Set(rows.map((r) => r.id));
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
