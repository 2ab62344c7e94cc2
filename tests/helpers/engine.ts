import { inject } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { importDataDir } from '../../src/store/transfer-import.ts';

/**
 * Which storage engine the running vitest project tests (vitest.config.ts):
 * `embedded` (the files in DATA_DIR) or `postgres` (one throwaway cluster
 * started by tests/setup/postgres.ts, a fresh database per Herald).
 */
export const engine = (): 'embedded' | 'postgres' => (inject('pgAdminUrl') ? 'postgres' : 'embedded');

let databases = 0;

/**
 * The connection databases are made on, kept for the worker's life rather than one per database: a
 * PostgreSQL backend's start and exit cost about 25 ms of CPU on the 2-core machine (page faults after the
 * fork), for every Herald of the `postgres` project. allowExitOnIdle: an idle one does not hold the worker
 * open; after a few idle seconds it is closed, and the next database opens it again. A connection the
 * cluster's teardown cuts is dropped quietly.
 */
let adminPool: pg.Pool | undefined;
function adminConnection(admin: string): pg.Pool {
  if (!adminPool) {
    adminPool = new pg.Pool({ connectionString: admin, max: 1, idleTimeoutMillis: 5_000, allowExitOnIdle: true });
    adminPool.on('error', () => {});
  }
  return adminPool;
}

/** A database of the `postgres` project's cluster, made as `CREATE DATABASE <name> <how>`: its URL; null in the embedded project. */
async function createDatabase(how: string): Promise<string | null> {
  const admin = inject('pgAdminUrl') as string | undefined;
  if (!admin) return null;
  const name = `herald_t_${process.pid}_${++databases}`;
  await adminConnection(admin).query(`CREATE DATABASE ${name} ${how}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh empty database of the `postgres` project's cluster; null in the embedded project. */
export function freshDatabase(): Promise<string | null> {
  return createDatabase('');
}

/**
 * A fresh database for a Herald of the `postgres` project: a copy of one the project's setup migrated
 * (tests/setup/postgres.ts), so it holds Herald's tables and no data, as a database another replica
 * migrated does: the ten migrations no longer run at every Herald's start (tests/api settings, incidents
 * and severity, 95 opens: 43-47 s against 37 s). Migrations at a start are tested in the pg-* suites
 * (pg-migrate, pg-schema-version) and start-checks, on databases of their own. FILE_COPY: the template's
 * files copied at a checkpoint; WAL_LOG (the default) copies it page by page through WAL, slower than
 * migrating afresh (51 s).
 */
export function heraldDatabase(): Promise<string | null> {
  const template = inject('pgHeraldTemplate') as string | undefined;
  return createDatabase(template ? `TEMPLATE ${template} STRATEGY FILE_COPY` : '');
}

/** The environment that puts a Herald on this project's engine: `DATABASE_URL` of a fresh database, or nothing. */
export async function engineEnv(): Promise<Record<string, string>> {
  const url = await heraldDatabase();
  return url ? { DATABASE_URL: url } : {};
}

/**
 * The environment that puts a Herald on this project's engine with the data already in `dataDir`
 * (a herald.json a test wrote): on PostgreSQL, that file is imported into a fresh database first, as
 * `npm run db:import` does, and Herald keeps DATA_DIR for what stays there.
 */
export async function engineEnvWith(dataDir: string): Promise<Record<string, string>> {
  const url = await heraldDatabase();
  if (!url) return {};
  await importDataDir(dataDir, url);
  return { DATABASE_URL: url };
}

/** The stored document's text on PostgreSQL (the embedded engine's is DATA_DIR/herald.json). */
export async function storedRow(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ data: string }>('SELECT data::text AS data FROM herald_document');
    return rows[0]!.data;
  } finally {
    await client.end();
  }
}

/** The stored document's text of a running Herald, on either engine: to show that a refusal changed nothing. */
export async function storedText(h: { dataDir: string; databaseUrl: string | null }): Promise<string> {
  return h.databaseUrl ? storedRow(h.databaseUrl) : readFileSync(join(h.dataDir, 'herald.json'), 'utf8');
}

/** The key subscriber links are signed with, on either engine (DATA_DIR/subscribers.key, or herald_secrets). */
export async function linkKey(h: { dataDir: string; databaseUrl: string | null }): Promise<Buffer> {
  if (!h.databaseUrl) return Buffer.from(readFileSync(join(h.dataDir, 'subscribers.key'), 'utf8').trim(), 'base64');
  const client = new pg.Client({ connectionString: h.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ value: string }>("SELECT value FROM herald_secrets WHERE name = 'link-key'");
    return Buffer.from(rows[0]!.value, 'base64');
  } finally {
    await client.end();
  }
}
