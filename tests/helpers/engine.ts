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

/** A fresh database of the `postgres` project's cluster; null in the embedded project. */
export async function freshDatabase(): Promise<string | null> {
  const admin = inject('pgAdminUrl') as string | undefined;
  if (!admin) return null;
  const name = `herald_t_${process.pid}_${++databases}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The environment that puts a Herald on this project's engine: `DATABASE_URL` of a fresh database, or nothing. */
export async function engineEnv(): Promise<Record<string, string>> {
  const url = await freshDatabase();
  return url ? { DATABASE_URL: url } : {};
}

/**
 * The environment that puts a Herald on this project's engine with the data already in `dataDir`
 * (a herald.json a test wrote): on PostgreSQL, that file is imported into a fresh database first, as
 * `npm run db:import` does, and Herald keeps DATA_DIR for what stays there.
 */
export async function engineEnvWith(dataDir: string): Promise<Record<string, string>> {
  const url = await freshDatabase();
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
