import { type Pool, type PoolClient, withClient } from './client.ts';
import { DOCUMENT_CHANNEL } from './document-options.ts';
import { applyMigrations, MigrationError, pendingMigrations, underMigrationLock } from './migrate.ts';
import { runningReplicas } from './replica-sessions.ts';

export interface UpgradeOptions {
  migrationsDir?: string;
  /** This replica's name (host:pid), not counted among the others. */
  replica?: string;
  /** Upgrades a stored document to this release's schema (src/store/migrate.ts's `migrate`), saying whether it did. */
  upgrade?: (raw: unknown) => { data: unknown; migrated: boolean };
  /** Validates the upgraded document (zod's parse), as the writes do. */
  parse: (raw: unknown) => unknown;
  /** Refuse to upgrade while other replicas run (false only in a test that plays the race this cannot close). */
  alone: boolean;
  log: (line: string) => void;
}

/**
 * Brings the database to this release, under the migrations' lock: the SQL migrations it lacks, then the
 * document's schema, written back with the previous document kept in herald_kept_documents (an older release
 * refuses the upgraded one; that copy is what a rollback puts back). Each says so in one line. An upgrade is
 * refused while replicas of the older release run on the database: they would serve stale pages and answer
 * writes 503 until stopped. A start that upgrades nothing (a rolling restart of one release) is not concerned.
 */
export async function upgradeDatabase(pool: Pool, opts: UpgradeOptions): Promise<void> {
  await withClient(pool, (client) =>
    underMigrationLock(client, async () => {
      const { pending, fresh } = await pendingMigrations(client, opts.migrationsDir);
      const upgrade = !fresh && pending.length > 0;
      const stored = fresh ? null : await storedDocument(client, opts);
      if (opts.alone && (upgrade || stored)) {
        const others = await runningReplicas(client, opts.replica);
        if (others.length > 0) {
          const what = [
            upgrade ? `its tables (${pending.map((m) => m.name).join(', ')})` : '',
            stored ? `its document (schema version ${stored.from} to ${stored.to})` : '',
          ];
          throw new MigrationError(
            `other Herald replicas run on this database (${others.join(', ')}); this release would upgrade ${what.filter(Boolean).join(' and ')} under them, which they cannot read. Stop them first, then start this release (README: Upgrading).`,
          );
        }
      }
      const applied = await applyMigrations(client, pending);
      if (applied.length > 0) opts.log(`[herald] applied the SQL migrations ${applied.join(', ')} to the database`);
      if (stored) await keepAndUpgrade(client, opts);
    }),
  );
}

interface StoredUpgrade {
  from: number;
  to: number;
  /** The stored text, as the older release wrote it. */
  text: string;
  upgraded: unknown;
}

/** The stored document when this release would upgrade it; null when there is none, it is current, or it is not one `upgrade` takes. */
async function storedDocument(client: PoolClient, opts: UpgradeOptions, lock = ''): Promise<StoredUpgrade | null> {
  if (!opts.upgrade) return null;
  const table = await client.query<{ present: boolean }>("SELECT to_regclass('herald_document') IS NOT NULL AS present");
  if (!table.rows[0]?.present) return null;
  const { rows } = await client.query<{ text: string }>(`SELECT data::text AS text FROM herald_document WHERE id = 1 ${lock}`);
  if (!rows[0]) return null;
  try {
    const raw = JSON.parse(rows[0].text) as { schema_version?: unknown };
    const { data, migrated } = opts.upgrade(raw);
    if (!migrated || typeof raw.schema_version !== 'number') return null;
    return {
      from: raw.schema_version,
      to: (data as { schema_version: number }).schema_version,
      text: rows[0].text,
      upgraded: opts.parse(data),
    };
  } catch {
    // A newer or invalid document: the load that follows refuses it, in its own words.
    return null;
  }
}

/** Keeps the stored document and writes the upgraded one in one transaction: the copy exists before the upgrade does. */
async function keepAndUpgrade(client: PoolClient, opts: UpgradeOptions): Promise<void> {
  await client.query('BEGIN');
  try {
    const stored = await storedDocument(client, opts, 'FOR UPDATE');
    if (!stored) {
      await client.query('ROLLBACK');
      return;
    }
    const kept = await client.query<{ kept_at: Date }>(
      'INSERT INTO herald_kept_documents (schema_version, data) VALUES ($1, $2) RETURNING kept_at',
      [stored.from, stored.text],
    );
    const { rows } = await client.query<{ version: string }>(
      'UPDATE herald_document SET version = version + 1, data = $1, updated_at = now() WHERE id = 1 RETURNING version',
      [JSON.stringify(stored.upgraded)],
    );
    await client.query('SELECT pg_notify($1, $2)', [DOCUMENT_CHANNEL, rows[0]!.version]);
    await client.query('COMMIT');
    const at = kept.rows[0]!.kept_at.toISOString();
    opts.log(
      `[herald] upgraded the Herald document in PostgreSQL from schema version ${stored.from} to ${stored.to}; the previous document is kept in herald_kept_documents (schema_version ${stored.from}, kept_at ${at})`,
    );
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
