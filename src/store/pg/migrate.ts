import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../paths.ts';
import { type Pool, type PoolClient, withClient } from './client.ts';

/**
 * Brings a database's tables up to date: the SQL files of
 * src/store/migrations/ (NNN_name.sql), applied in order, each once, those of
 * one start in one transaction together with their rows in schema_migrations
 * (so an upgrade that fails leaves no trace and is tried again at the next start).
 *
 * Several replicas start at once: a session-level advisory lock makes them
 * take turns, so the second finds the first's rows and applies nothing. The
 * lock is held by the connection, so a runner that dies releases it.
 */

/** Any constant will do, as long as nothing else in the database takes it: "herald" in ASCII, truncated to 32 bits. */
export const MIGRATION_LOCK_KEY = 0x68657261;

export interface Migration {
  version: number;
  name: string;
  file: string;
}

export class MigrationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/** The folder of Herald's own migrations, found the same way from src/ and from the Astro build. */
export const defaultMigrationsDir = (): string => join(projectRoot(), 'src', 'store', 'migrations');

/**
 * The migrations among a folder's file names, in order. Strict about names,
 * because a typo'd file silently skipped would be a schema that differs
 * between replicas.
 */
export function planMigrations(fileNames: string[], dir = ''): Migration[] {
  const migrations: Migration[] = [];
  for (const name of fileNames) {
    if (!name.endsWith('.sql')) continue;
    const m = /^(\d{3,})_[a-z0-9_]+\.sql$/.exec(name);
    if (!m) throw new MigrationError(`${name}: a migration is named NNN_words.sql (digits, an underscore, lower-case words).`);
    migrations.push({ version: Number(m[1]), name, file: join(dir, name) });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new MigrationError(`${migrations[i - 1]!.name} and ${migrations[i]!.name} have the same number.`);
    }
  }
  return migrations;
}

/** The migrations the database has applied, refusing any this Herald does not know. */
async function appliedVersions(client: PoolClient, migrations: Migration[]): Promise<Set<number>> {
  const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
  const applied = new Set(rows.map((r) => r.version));
  const known = new Set(migrations.map((m) => m.version));
  const unknown = [...applied].filter((v) => !known.has(v));
  if (unknown.length > 0) {
    // A newer Herald changed the tables; this one would misread them. Refuse rather than guess.
    throw new MigrationError(
      `the database has migration(s) ${unknown.sort((a, b) => a - b).join(', ')} that this Herald does not know: a newer Herald upgraded its tables, which this one would misread. Run that newer Herald.`,
    );
  }
  return applied;
}

/**
 * For a process that only reads (the static export, db:export): the tables are left to the service, so
 * nothing is created or locked (a read-only role or a standby serves it), and tables migrated by another
 * release are refused: older ones, migrated here, would stop the release still running on them at its next
 * start. A database without Herald's tables is left for the caller to name.
 */
async function checkApplied(client: PoolClient, migrations: Migration[]): Promise<string[]> {
  const table = await client.query<{ present: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  if (!table.rows[0]?.present) return [];
  const applied = await appliedVersions(client, migrations);
  const pending = migrations.filter((m) => !applied.has(m.version));
  if (pending.length > 0) {
    throw new MigrationError(
      `the database's tables are older than this Herald (${pending.map((m) => m.name).join(', ')} not applied), and this process only reads: start this release's service first, or run the release the database is on.`,
    );
  }
  return [];
}

/**
 * Applies the pending migrations of `dir`; returns the names it applied (none when another runner got there
 * first). `readOnly`: applies none, and refuses tables this release would have to migrate (checkApplied).
 */
export async function migrateDatabase(pool: Pool, dir = defaultMigrationsDir(), opts: { readOnly?: boolean } = {}): Promise<string[]> {
  const migrations = planMigrations(readdirSync(dir), dir);
  if (opts.readOnly) return withClient(pool, async (client) => checkApplied(client, migrations));
  return withClient(pool, (client) =>
    underMigrationLock(client, async () => applyMigrations(client, (await pendingMigrations(client, dir)).pending)),
  );
}

/** Runs `fn` holding the migrations' advisory lock on `client` (other runners, and db:import, wait meanwhile). */
export async function underMigrationLock<R>(client: PoolClient, fn: () => Promise<R>): Promise<R> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  try {
    return await fn();
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
  }
}

/**
 * The migrations of `dir` the database lacks, and whether it had none applied (`fresh`: a new database, which
 * no release runs on yet, nor has a document; its tables may be another application's). Under the migrations' lock.
 */
export async function pendingMigrations(
  client: PoolClient,
  dir = defaultMigrationsDir(),
): Promise<{ pending: Migration[]; fresh: boolean }> {
  const migrations = planMigrations(readdirSync(dir), dir);
  await client.query(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       version integer PRIMARY KEY,
       name text NOT NULL,
       applied_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
  const applied = await appliedVersions(client, migrations);
  const pending = migrations.filter((m) => !applied.has(m.version));
  return { pending, fresh: applied.size === 0 };
}

/**
 * Applies `pending` in order, all in one transaction with their rows in schema_migrations; returns their names.
 * Under the migrations' lock. All or none: one at a time, an upgrade that failed at its fifth left four applied,
 * which the release before refuses (migrations it does not know) and this one could not finish, so neither
 * started (a rollback by pg_restore --clean leaves the tables the dump did not have, and the next upgrade met them).
 */
export async function applyMigrations(client: PoolClient, pending: Migration[]): Promise<string[]> {
  if (pending.length === 0) return [];
  await client.query('BEGIN');
  for (const m of pending) {
    try {
      // No parameters: the simple protocol, which runs a file of several statements.
      await client.query(readFileSync(m.file, 'utf8'));
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      const none =
        pending.length === 1
          ? 'nothing of it was applied'
          : `none of the ${pending.length} pending migrations (${pending[0]!.name} to ${pending.at(-1)!.name}) was applied`;
      throw new MigrationError(
        `Migration ${m.name} failed, ${none}: ${(err as Error).message}. Fix what PostgreSQL names; it is tried again at the next start or import.`,
        { cause: err },
      );
    }
  }
  await client.query('COMMIT');
  return pending.map((m) => m.name);
}
