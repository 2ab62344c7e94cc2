import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openPool, type Pool } from '../../src/store/pg/client.ts';
import { migrateDatabase } from '../../src/store/pg/migrate.ts';
import { SqlText } from './sql-text.ts';

/**
 * A throwaway PostgreSQL 15 cluster for tests: initdb in a fresh temp folder,
 * a free loopback port, fsync off (nothing here must survive a power cut, and
 * the OS keeps what an immediate shutdown leaves; synchronous_commit stays on,
 * or kill() would lose commits still in PostgreSQL's own WAL buffers),
 * trust authentication for the superuser `herald`. One cluster per test file
 * (initdb costs about a second); each test takes a fresh database from it
 * (`database()`, a CREATE DATABASE from template0, some tens of ms).
 *
 * PostgreSQL refuses to run as root: as root (CI) the binaries run as the
 * `postgres` user through runuser and the folder is handed to that user;
 * as anyone else they run directly.
 */
export interface PgCluster {
  /** URL of the cluster's own `herald` database (for admin statements). */
  readonly url: string;
  readonly port: number;
  /** A fresh empty database; its URL. */
  database(name?: string): Promise<string>;
  /** Runs SQL on `db` (a database name or a URL from database(); default `herald`); its output as psql's unaligned, tuples-only one (tests/helpers/sql-text.ts). */
  sql(statement: string, db?: string): Promise<string>;
  /** Starts the cluster again after kill() or stop() (same port, same data). */
  start(): Promise<void>;
  /** Stops it cleanly and leaves it down (clients see their connections closed). */
  stop(): Promise<void>;
  /** An outage: immediate shutdown (no checkpoint; crash recovery at the next start), left down. */
  kill(): Promise<void>;
  /** A PostgreSQL restart as an operator or a crash causes: every connection is cut, then it comes back. */
  restart(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Stops it for good and removes its folder. */
  destroy(): Promise<void>;
}

const run = promisify(execFile);
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const asRoot = process.getuid?.() === 0;

/** The argv that runs a PostgreSQL binary as a user it accepts. */
function command(bin: string, args: string[]): [string, string[]] {
  const path = join(BIN, bin);
  return asRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
}

async function pg(bin: string, args: string[]): Promise<string> {
  const [file, argv] = command(bin, args);
  try {
    const { stdout } = await run(file, argv, { encoding: 'utf8', timeout: 60_000 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${bin} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

/** A loopback port nobody listens on right now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Clusters this process started (their folders): stopped and removed on exit even when a test file dies before its afterAll. */
const live = new Set<string>();
process.once('exit', () => {
  for (const root of live) {
    try {
      const [file, argv] = command('pg_ctl', ['stop', '-D', join(root, 'data'), '-m', 'immediate', '-s']);
      execFileSync(file, argv, { stdio: 'ignore', timeout: 10_000 });
    } catch {
      /* already down */
    }
    rmSync(root, { recursive: true, force: true });
  }
});

/**
 * `passwordUsers`: roles PostgreSQL asks a password of (scram-sha-256, over TCP; a test creates them
 * with CREATE ROLE … PASSWORD), for tests of a refused login. Everyone else stays trusted.
 */
export async function startPgCluster(opts: { passwordUsers?: string[] } = {}): Promise<PgCluster> {
  if (!existsSync(join(BIN, 'initdb'))) {
    throw new Error(`PostgreSQL 15 binaries not found in ${BIN}: install the Debian package postgresql-15 (or set PG_BIN).`);
  }
  const root = mkdtempSync(join(tmpdir(), 'herald-pg-'));
  const data = join(root, 'data');
  const sockets = join(root, 'sock');
  const log = join(root, 'postgres.log');
  mkdirSync(sockets);
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(root, uid, gid);
    chownSync(sockets, uid, gid);
  }
  try {
    await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'herald', '-E', 'UTF8', '--no-locale', '--no-sync']);
    if (opts.passwordUsers?.length) {
      // pg_hba.conf takes the first line that matches: these go before initdb's trust lines.
      const hba = join(data, 'pg_hba.conf');
      const lines = opts.passwordUsers.map((user) => `host all ${user} 127.0.0.1/32 scram-sha-256\n`).join('');
      writeFileSync(hba, lines + readFileSync(hba, 'utf8'));
    }
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }

  let port = 0;
  let lastError: unknown;
  const start = async () => {
    await pg('pg_ctl', [
      'start',
      '-D',
      data,
      '-l',
      log,
      '-w',
      '-t',
      '60',
      '-s',
      '-o',
      `-p ${port} -k ${sockets} -c listen_addresses=127.0.0.1 -c fsync=off`,
    ]);
  };
  // Another process may take the port between freePort() and the start: try a few.
  for (let attempt = 0; attempt < 5; attempt++) {
    port = await freePort();
    try {
      await start();
      lastError = undefined;
      break;
    } catch (err) {
      lastError = err;
    }
  }
  if (lastError) {
    const tail = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
    rmSync(root, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${(lastError as Error).message}\n${tail}`);
  }
  live.add(root);

  const statements = new SqlText(port);
  const psql = (statement: string, db = 'herald') =>
    statements.run(statement, db.startsWith('postgres://') ? decodeURIComponent(new URL(db).pathname.slice(1)) : db);
  // createdb needs a database to connect to: the superuser's own.
  await psql('CREATE DATABASE herald TEMPLATE template0', 'postgres');

  const urlOf = (db: string) => `postgres://herald@127.0.0.1:${port}/${db}`;
  const stopWith = async (mode: 'fast' | 'immediate') => {
    await statements.close();
    await pg('pg_ctl', ['stop', '-D', data, '-m', mode, '-w', '-s']);
  };
  let counter = 0;
  return {
    url: urlOf('herald'),
    port,
    async database(name = `t${process.pid}_${Date.now()}_${counter++}`) {
      await psql(`CREATE DATABASE "${name}" TEMPLATE template0`);
      return urlOf(name);
    },
    sql: psql,
    start,
    stop: () => stopWith('fast'),
    kill: () => stopWith('immediate'),
    async restart(mode = 'fast') {
      await stopWith(mode);
      await start();
    },
    async destroy() {
      try {
        await stopWith('immediate');
      } catch {
        /* already down */
      }
      live.delete(root);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A fresh database of `cluster` with Herald's tables, and a pool on it: for tests of the store classes themselves. */
export async function migratedDatabase(cluster: PgCluster, applicationName: string): Promise<{ url: string; pool: Pool }> {
  const url = await cluster.database();
  const pool = openPool(url, { applicationName, log: () => {} });
  await migrateDatabase(pool);
  return { url, pool };
}

/**
 * Makes PostgreSQL refuse the first `times` writes (`on` INSERT or UPDATE) of
 * a row of `table` for which `when` holds (SQL over OLD and NEW), as a
 * restart or a failover would: with SQLSTATE 40001, a serialization failure,
 * which Herald takes for a moment's failure. A refused statement stops at its
 * first matching row, so each refusal is one statement. `met()` says how many
 * matching rows were met so far, the refused ones among them; `drop()` ends it.
 */
export async function refuseFirst(
  cluster: PgCluster,
  db: string,
  o: { name: string; table: string; on: 'INSERT' | 'UPDATE'; when: string; times: number },
): Promise<{ met(): Promise<number>; drop(): Promise<void> }> {
  const seq = `${o.name}_refusals`;
  await cluster.sql(
    `CREATE SEQUENCE ${seq};
     CREATE FUNCTION ${o.name}() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       -- Counted only where the condition holds (PostgreSQL need not evaluate an AND's terms in order).
       IF ${o.when} THEN
         IF nextval('${seq}') <= ${o.times} THEN
           RAISE EXCEPTION 'refused for the test' USING ERRCODE = '40001';
         END IF;
       END IF;
       RETURN NEW;
     END $$;
     CREATE TRIGGER ${o.name} BEFORE ${o.on} ON ${o.table} FOR EACH ROW EXECUTE FUNCTION ${o.name}();`,
    db,
  );
  return {
    met: async () => Number((await cluster.sql(`SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM ${seq}`, db)).trim()),
    drop: async () => {
      await cluster.sql(`DROP TRIGGER ${o.name} ON ${o.table}`, db);
    },
  };
}
