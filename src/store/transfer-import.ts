import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_TOKEN_RULE, isAdminToken } from '../config.ts';
import { dbSchema, type Db } from '../domain/model.ts';
import { renderMarkdown } from '../render/markdown.ts';
import { CorruptDataFile, DurableJsonFile } from './durable-file.ts';
import { openPool, type PoolClient, withClient } from './pg/client.ts';
import { DOCUMENT_CHANNEL } from './pg/document-options.ts';
import { MIGRATION_LOCK_KEY, migrateDatabase } from './pg/migrate.ts';
import { replicaSessions } from './pg/replica-sessions.ts';
import { databaseHasMail, readEmbeddedMail, writeMailTables } from './mail/transfer.ts';
import { refusedAddresses } from './mail/addresses.ts';
import { linkKeyFault } from './mail/tokens.ts';
import { CHANNEL_FILE, readEmbeddedChannels, writeChannelTables } from './channels/transfer.ts';
import { channelsMoved, lock, mailMoved, TransferRefused, type TransferReport } from './transfer.ts';

/** `npm run db:import`: DATA_DIR into PostgreSQL (see transfer.ts). */

/** Reads and validates DATA_DIR/herald.json as Herald would (upgrading an older schema in memory). */
async function readDocument(dataDir: string): Promise<Db> {
  const file = new DurableJsonFile(join(dataDir, 'herald.json'), dbSchema);
  const doc = await readable(() => file.read());
  if (!doc) throw new TransferRefused(`${file.file} does not exist: nothing to import.`);
  return renderedAgain(doc);
}

/** What reads a DATA_DIR file, its refusal told as the import's (the start's words say "Refusing to start"). */
async function readable<T>(read: () => T | Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (!(err instanceof CorruptDataFile)) throw err;
    throw new TransferRefused(
      `${err.file} is not a valid Herald data file (${err.reason}); it has not been changed, and nothing was imported. Restore it from a backup first.`,
    );
  }
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
    // An empty file is none, as at a start (which makes a new token in it): the site's first start makes one.
    const token = (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : '') || null;
    // Herald refuses to start on such a file (src/store/admin-token.ts); every replica would share it from the database.
    if (token !== null && !isAdminToken(token)) {
      throw new TransferRefused(`${tokenFile} holds no usable admin token (as ADMIN_TOKEN: ${ADMIN_TOKEN_RULE}); nothing was imported.`);
    }
    // A lost or short link key would be carried into the database, where every replica refuses to start on it.
    const keyFault = linkKeyFault(dataDir);
    if (keyFault?.kind === 'lost') throw new TransferRefused(`${keyFault.reason}. ${keyFault.remedy} Nothing was imported.`);
    if (keyFault)
      throw new TransferRefused(`${keyFault.file} is not a valid link key (${keyFault.reason}). ${keyFault.remedy} Nothing was imported.`);
    const mail = await readable(() => readEmbeddedMail(dataDir, new Date()));
    const refused = refusedAddresses(mail.subscribers);
    if (refused !== null) throw new TransferRefused(`${join(dataDir, 'subscribers.jsonl')}: ${refused}. Nothing was imported.`);
    const channels = await readable(() => readEmbeddedChannels(dataDir));
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
          // --force replaces the whole site: the replaced one's token (it may be why the site is being replaced)
          // must not sign in to this one. The first replica started without ADMIN_TOKEN makes and prints a new one.
          else if (opts.force) await client.query(`DELETE FROM herald_secrets WHERE name = 'admin-token'`);
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
          // Documents kept for a version's rollback are the replaced site's: README's rollback would put one of
          // them over the imported site.
          if (opts.force) await client.query('TRUNCATE herald_kept_documents');
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
