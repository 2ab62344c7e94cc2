import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { dbSchema, type Db } from '../domain/model.ts';
import { renderMarkdown } from '../render/markdown.ts';
import { DurableJsonFile } from './durable-file.ts';
import { acquireLock, DataDirLocked } from './lock.ts';
import { migrate } from './migrate.ts';
import { openPool, type Pool, type PoolClient, withClient } from './pg/client.ts';
import { DOCUMENT_CHANNEL } from './pg/document-options.ts';
import { MIGRATION_LOCK_KEY, migrateDatabase } from './pg/migrate.ts';
import { replicaSessions } from './pg/replica-sessions.ts';
import {
  databaseHasMail,
  MAIL_FILES,
  type MailData,
  readEmbeddedMail,
  readMailTables,
  writeMailFiles,
  writeMailTables,
} from './mail/transfer.ts';
import { refusedAddresses } from './mail/addresses.ts';
import { linkKeyFault } from './mail/tokens.ts';
import {
  CHANNEL_FILE,
  type ChannelData,
  readChannelTables,
  readEmbeddedChannels,
  writeChannelFile,
  writeChannelTables,
} from './channels/transfer.ts';

/**
 * Moving Herald's data between the engines (`npm run db:import` and
 * `npm run db:export`): the main document (components, incidents,
 * maintenance, settings, channels, audit, idempotency keys), the admin
 * token, email (subscribers, their link key and the outbox:
 * src/store/mail/transfer.ts says what of it) and the channel outbox
 * (src/store/channels/transfer.ts). Each side is validated as Herald would
 * read it before anything is written, all of it is written in one
 * transaction (import) or each file whole (export), and nothing is replaced
 * without `force`. What stays in a DATA_DIR is only what each process keeps
 * for itself (its lock, the static copy of the pages).
 */

/** The shortest admin token Herald uses (src/store/admin-token.ts and ADMIN_TOKEN's rule). */
const MIN_TOKEN_LENGTH = 16;

export class TransferRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransferRefused';
  }
}

export interface TransferReport {
  /** What was written where, one line each. */
  moved: string[];
}

/** Reads and validates DATA_DIR/herald.json as Herald would (upgrading an older schema in memory). */
async function readDocument(dataDir: string): Promise<Db> {
  const file = new DurableJsonFile(join(dataDir, 'herald.json'), dbSchema);
  let doc: Db | null;
  try {
    doc = await file.read();
  } catch (err) {
    throw new TransferRefused(`${(err as Error).message} Nothing was imported.`);
  }
  if (!doc) throw new TransferRefused(`${file.file} does not exist: nothing to import.`);
  return renderedAgain(doc);
}

/**
 * The document with each update's and post-mortem's HTML rendered again from its Markdown, as Herald
 * renders it when one is saved: a file from elsewhere (a backup, a hand edit) cannot bring HTML that the
 * pages of every replica would then show as it is.
 */
function renderedAgain(doc: Db): Db {
  const again = <T extends { body: string; body_html: string }>(u: T): T => ({ ...u, body_html: renderMarkdown(u.body) });
  return {
    ...doc,
    incidents: doc.incidents.map((i) => ({ ...i, updates: i.updates.map(again), postmortem: i.postmortem && again(i.postmortem) })),
    maintenances: doc.maintenances.map((m) => ({ ...m, updates: m.updates.map(again) })),
  };
}

/** The folder's lock, so that no Herald writes it meanwhile; a running one is a clear refusal. */
function lock(dir: string): () => void {
  // Else a mistyped path answers with the lock's temp file: ENOENT … open '<dir>/herald.lock.<pid>.tmp'.
  if (!existsSync(dir)) throw new TransferRefused(`${dir} does not exist: check the path. Nothing was changed.`);
  try {
    return acquireLock(dir);
  } catch (err) {
    if (err instanceof DataDirLocked) throw new TransferRefused(`A Herald is running on ${dir}: stop it first. Nothing was changed.`);
    throw err;
  }
}

/**
 * A replica reads the admin token and the subscribers' link key once, at start: one left running through an
 * import would load the new document but refuse the imported token and links, and keep the old ones working.
 */
async function refuseWhileReplicasRun(client: PoolClient): Promise<void> {
  const { connections, replicas } = await replicaSessions(client);
  if (connections === 0) return;
  const open = connections === 1 ? '1 Herald connection is' : `${connections} Herald connections are`;
  const names = replicas.length === 0 ? '' : ` (replica${replicas.length === 1 ? '' : 's'} ${replicas.join(', ')})`;
  throw new TransferRefused(
    `${open} open to this database${names}: a running replica would keep the admin token and link key it read at start. Stop every replica first, then import. Nothing was imported.`,
  );
}

/**
 * Copies DATA_DIR's document and admin token into the PostgreSQL database at `url` (migrating it first).
 * Refuses while a Herald runs on DATA_DIR or on the database, and when the database already holds a
 * document or an admin token, unless `force` (everything is then replaced, and everyone signed out).
 */
export async function importDataDir(dataDir: string, url: string, opts: { force?: boolean } = {}): Promise<TransferReport> {
  const release = lock(dataDir);
  try {
    const doc = await readDocument(dataDir);
    const tokenFile = join(dataDir, 'admin-token');
    const token = existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : null;
    // Herald ignores (and replaces) a stored token this short; every replica would share it from the database.
    if (token !== null && token.length < MIN_TOKEN_LENGTH) {
      throw new TransferRefused(`${tokenFile} holds no usable admin token (under ${MIN_TOKEN_LENGTH} characters); nothing was imported.`);
    }
    // A lost or short link key would be carried into the database, where every replica refuses to start on it.
    const keyFault = linkKeyFault(dataDir);
    if (keyFault?.kind === 'lost') throw new TransferRefused(`${keyFault.reason}. ${keyFault.remedy} Nothing was imported.`);
    if (keyFault)
      throw new TransferRefused(`${keyFault.file} is not a valid link key (${keyFault.reason}). ${keyFault.remedy} Nothing was imported.`);
    const mail = readEmbeddedMail(dataDir, new Date());
    const refused = refusedAddresses(mail.subscribers);
    if (refused !== null) throw new TransferRefused(`${join(dataDir, 'subscribers.jsonl')}: ${refused}. Nothing was imported.`);
    const channels = readEmbeddedChannels(dataDir);
    const pool = openPool(url, { max: 1, applicationName: 'herald:db-import' });
    try {
      // Before migrating too: a newer Herald's migrations are not applied under older replicas still running.
      await withClient(pool, refuseWhileReplicasRun);
      await migrateDatabase(pool);
      await withClient(pool, async (client) => {
        await client.query('BEGIN');
        try {
          // Held until the commit: a replica starting meanwhile waits in its migration step (src/store/pg/migrate.ts),
          // then reads what was imported, rather than the old token and key. One already past it is connected: refused.
          await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
          await refuseWhileReplicasRun(client);
          const { rows } = await client.query<{ version: string }>('SELECT version FROM herald_document WHERE id = 1 FOR UPDATE');
          const existing = rows[0] ? Number(rows[0].version) : null;
          if (existing !== null && !opts.force) {
            // What --force would destroy, so that nobody passes it to get past a refusal they did not read.
            const held = await client.query<{ incidents: number; maintenances: number; components: number; subscribers: string }>(
              `SELECT json_array_length(data -> 'incidents') AS incidents, json_array_length(data -> 'maintenances') AS maintenances,
                      json_array_length(data -> 'components') AS components, (SELECT count(*) FROM mail_subscribers) AS subscribers
                 FROM herald_document WHERE id = 1`,
            );
            const n = held.rows[0]!;
            throw new TransferRefused(
              `The database already holds a Herald site (${n.incidents} incidents, ${n.maintenances} maintenance windows, ${n.components} components, ${n.subscribers} subscribers); nothing was imported. --force would replace all of it with ${dataDir}'s data and sign everyone out: back it up first (pg_dump, or npm run db:export -- DIR) if any of it is to be kept.`,
            );
          }
          const version = (existing ?? 0) + 1;
          await client.query(
            `INSERT INTO herald_document (id, version, data, updated_at) VALUES (1, $1, $2, now())
             ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, data = EXCLUDED.data, updated_at = now()`,
            [version, JSON.stringify(doc)],
          );
          if (token !== null) {
            const { rowCount } = await client.query(
              `INSERT INTO herald_secrets (name, value) VALUES ('admin-token', $1)
               ON CONFLICT (name) DO ${opts.force ? 'UPDATE SET value = EXCLUDED.value' : 'NOTHING'}`,
              [token],
            );
            if (rowCount === 0) {
              throw new TransferRefused('The database already holds an admin token; nothing was imported. Pass --force to replace it.');
            }
          }
          if ((await databaseHasMail(client)) && !opts.force) {
            throw new TransferRefused(
              'The database already holds subscribers or deliveries; nothing was imported. Pass --force to replace them.',
            );
          }
          await writeMailTables(client, mail);
          await writeChannelTables(client, channels);
          // Sessions were signed in with the token being replaced, and drafts preview the document being replaced:
          // nobody stays signed in, and no old preview is published onto the new data. (Failed sign-ins count
          // addresses, not sessions: they stay.)
          await client.query('TRUNCATE console_sessions, console_drafts');
          await client.query('SELECT pg_notify($1, $2)', [DOCUMENT_CHANNEL, String(version)]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {});
          throw err;
        }
      });
    } finally {
      await pool.end().catch(() => {});
    }
    return {
      moved: [
        `herald.json → herald_document (${doc.components.length} components, ${doc.incidents.length} incidents, ${doc.maintenances.length} maintenance windows, ${doc.channels.length} channels, ${doc.audit.length} audit entries)`,
        ...(token !== null ? ['admin-token → herald_secrets'] : []),
        ...mailMoved(mail, 'subscribers.jsonl, deliveries.jsonl, subscribers.key → mail_* tables, herald_secrets'),
        ...channelsMoved(channels, `${CHANNEL_FILE} → channel_* tables`),
      ],
    };
  } finally {
    release();
  }
}

/**
 * Writes the PostgreSQL database's document (and admin token) into `dir` as the embedded engine's
 * DATA_DIR/herald.json (and DATA_DIR/admin-token, mode 0600). Refuses when `dir` holds a data file,
 * unless `force`, and while a Herald runs on `dir`.
 */
export async function exportToDir(url: string, dir: string, opts: { force?: boolean } = {}): Promise<TransferReport> {
  const pool = openPool(url, { max: 1, applicationName: 'herald:db-export' });
  try {
    // Nothing is made anywhere for a database that holds no site (a mistyped DATABASE_URL).
    const table = await pool.query<{ present: boolean }>("SELECT to_regclass('herald_document') IS NOT NULL AS present");
    const site = table.rows[0]?.present ? await pool.query('SELECT 1 FROM herald_document WHERE id = 1') : null;
    if (!site?.rowCount) throw new TransferRefused('The database holds no Herald document; nothing was exported.');
    // Tables of another release are read as this one reads them only once migrated, and an export only reads:
    // older ones (a release still running on them) are refused with what to do, before any folder is made.
    await migrateDatabase(pool, undefined, { readOnly: true });
    return await exportSnapshot(pool, dir, opts);
  } finally {
    await pool.end().catch(() => {});
  }
}

async function exportSnapshot(pool: Pool, dir: string, opts: { force?: boolean }): Promise<TransferReport> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const release = lock(dir);
  try {
    const file = join(dir, 'herald.json');
    for (const f of [file, join(dir, 'admin-token'), ...[...MAIL_FILES, CHANNEL_FILE].map((m) => join(dir, m))]) {
      if (existsSync(f) && !opts.force) throw new TransferRefused(`${f} exists; nothing was exported. Pass --force to replace it.`);
    }
    let raw: unknown;
    let token: string | null = null;
    let mail: MailData | null = null;
    let channels: ChannelData | null = null;
    // One snapshot of everything, as it was at one moment, whatever the replicas write meanwhile.
    await withClient(pool, async (client) => {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const doc = await client.query<{ data: unknown }>('SELECT data FROM herald_document WHERE id = 1');
        if (!doc.rows[0]) throw new TransferRefused('The database holds no Herald document; nothing was exported.');
        raw = doc.rows[0].data;
        const secret = await client.query<{ value: string }>(`SELECT value FROM herald_secrets WHERE name = 'admin-token'`);
        token = secret.rows[0]?.value ?? null;
        mail = await readMailTables(client, new Date());
        channels = await readChannelTables(client);
      } finally {
        await client.query('ROLLBACK').catch(() => {});
      }
    });
    const parsed = dbSchema.safeParse(migrate(raw).data);
    if (!parsed.success) throw new TransferRefused(`The database's document is not valid for this Herald; nothing was exported.`);
    await new DurableJsonFile(file, dbSchema).write(parsed.data);
    const moved = [`herald_document → ${file}`];
    if (token !== null) {
      const tokenFile = join(dir, 'admin-token');
      // Created 0600 (never readable by others, not even for a moment) and fsynced.
      const fd = openSync(tokenFile, 'w', 0o600);
      try {
        writeSync(fd, `${token}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      chmodSync(tokenFile, 0o600);
      moved.push(`herald_secrets admin-token → ${tokenFile}`);
    }
    if (mail) {
      await writeMailFiles(dir, mail);
      moved.push(...mailMoved(mail, `mail_* tables, herald_secrets link-key → ${MAIL_FILES.map((f) => join(dir, f)).join(', ')}`));
    }
    if (channels) {
      await writeChannelFile(dir, channels);
      moved.push(...channelsMoved(channels, `channel_* tables → ${join(dir, CHANNEL_FILE)}`));
    }
    return { moved };
  } finally {
    release();
  }
}

function mailMoved(mail: MailData, where: string): string[] {
  return [
    `${where} (${mail.subscribers.length} subscribers, ${mail.intents.length} notices, ${mail.deliveries.length} deliveries kept${mail.linkKey ? ', the link key' : ''})`,
  ];
}

function channelsMoved(channels: ChannelData, where: string): string[] {
  const waiting = channels.deliveries.filter((d) => d.state !== 'sent').length;
  return [`${where} (${channels.deliveries.length} channel deliveries kept, ${waiting} queued or failed)`];
}
