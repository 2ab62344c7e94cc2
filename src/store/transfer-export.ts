import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { dbSchema } from '../domain/model.ts';
import { DurableJsonFile } from './durable-file.ts';
import { migrate } from './migrate.ts';
import { openPool, type Pool, withClient } from './pg/client.ts';
import { migrateDatabase } from './pg/migrate.ts';
import { MAIL_FILES, type MailData, readMailTables, writeMailFiles } from './mail/transfer.ts';
import { CHANNEL_FILE, type ChannelData, readChannelTables, writeChannelFile } from './channels/transfer.ts';
import { channelsMoved, lock, mailMoved, TransferRefused, type TransferReport } from './transfer.ts';

/** `npm run db:export`: PostgreSQL into a DATA_DIR (see transfer.ts). */

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
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new TransferRefused(`${dir} is a file, not a folder; nothing was exported.`);
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
    } else if (existsSync(join(dir, 'admin-token'))) {
      // The database holds none (a replica given ADMIN_TOKEN removed the stored one: a rotation). The folder's is an
      // older token, perhaps the very one rotated away: left, it would sign in again. The site's first start here
      // makes and prints a new one (or takes ADMIN_TOKEN).
      unlinkSync(join(dir, 'admin-token'));
      moved.push(`${join(dir, 'admin-token')} removed (the database holds no admin token)`);
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
