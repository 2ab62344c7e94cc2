import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Server as NetServer } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const TEST_TOKEN = 'test-admin-token-0123456789abcdef';

/** Node's arguments as `npm run serve` gives them (V8 flags included), so tests and benchmarks run Herald as deployed. */
export const SERVE_ARGS: string[] = (() => {
  const serve: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.serve;
  const m = /^(?:exec )?node (.+)$/.exec(serve);
  if (!m) throw new Error(`package.json scripts.serve should be "node … dist/server/herald.mjs", not ${serve}`);
  // The build a test or benchmark names (HERALD_DIST) holds its own bundled server.
  const dist = process.env.HERALD_DIST;
  return m[1]!.split(/\s+/).map((arg) => (dist && arg.startsWith('dist/') ? `${dist}/${arg.slice('dist/'.length)}` : arg));
})();

export interface HeraldProcess {
  url: string;
  dataDir: string;
  token: string;
  proc: ChildProcess;
  /** The database it runs on (the `postgres` project, or a test's own), or null on the embedded engine. */
  databaseUrl: string | null;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Graceful stop (SIGTERM) and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit: a crash. */
  kill(): Promise<void>;
  /** Admin API call with the bearer token. */
  admin(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
}

/** The environment a test Herald runs with on `dataDir`: a free loopback port, the test token, no demo data. */
export function heraldEnv(dataDir: string, extra: Record<string, string> = {}) {
  return {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ADMIN_TOKEN: TEST_TOKEN,
    HERALD_SEED: 'none',
    ASTRO_TELEMETRY_DISABLED: '1',
    // The embedded engine unless the test says otherwise: a DATABASE_URL in the shell must not reach test servers.
    DATABASE_URL: '',
    // No static copy unless the test asks for it (STATIC_SNAPSHOT: 'true'): writing it after each start and change
    // costs 0.35-0.45 s of CPU per Herald, a tenth of the suite on two cores, for tests that never read it. The
    // suites that test the copy turn it on (static-fallback, static-settled-pages, pg-transfer, start-checks, and
    // the crash harness, which kills Herald while it writes one). Benchmarks run Herald as deployed, copy included.
    ...(process.env.VITEST ? { STATIC_SNAPSHOT: 'false' } : {}),
    ...extra,
  };
}

export function tempDataDir(prefix = 'herald-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * What a test starts and must end: a Herald, anything with an async close()
 * (a browser, the test SMTP server), a node:http or node:net server, a
 * clean-up function, or a folder. null and undefined (never started) are skipped.
 */
export type Stoppable = HeraldProcess | { close(): Promise<unknown> } | NetServer | (() => unknown) | string | null | undefined;

/**
 * The one teardown for afterAll/afterEach: ends each thing in the order given
 * (a Herald is stopped and its DATA_DIR removed, a browser or SMTP server
 * closed, a server closed, a function called, a folder removed). Every one is
 * tried even when an earlier one fails; then the failure is thrown.
 */
export async function stopAll(...things: Stoppable[]): Promise<void> {
  const failures: unknown[] = [];
  for (const thing of things) {
    try {
      if (!thing) continue;
      if (typeof thing === 'string') removeDir(thing);
      else if (typeof thing === 'function') await thing();
      else if (thing instanceof NetServer) {
        const closed = new Promise<void>((resolve) => thing.close(() => resolve()));
        // A test's own HTTP server: a browser page still open (a shared Chromium) keeps polling it, and close()
        // waits for the connection of a poll in flight; teardown cuts them (once took an embed suite's 60 s hook).
        (thing as Partial<HttpServer>).closeAllConnections?.();
        await closed;
      } else if ('dataDir' in thing && 'stop' in thing) {
        await thing.stop();
        removeDir(thing.dataDir);
      } else await thing.close();
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, `${failures.length} teardown steps failed`);
}

/**
 * Starts a real Herald (as `npm run serve` does) on a free loopback port with its
 * own DATA_DIR. Resolves once it prints its address; rejects with its output
 * if it exits first.
 */
export async function startHerald(
  opts: {
    dataDir?: string;
    env?: Record<string, string> /** Node flags put before the serve script's (benchmarks: --cpu-prof, --trace-gc). */;
    nodeArgs?: string[];
    /** The project folder to run (a copy of this one), when not this one. */
    cwd?: string;
  } = {},
): Promise<HeraldProcess> {
  const dataDir = opts.dataDir ?? tempDataDir();
  const env = heraldEnv(dataDir, opts.env);
  const engine = await projectEngine(opts);
  Object.assign(env, engine);
  if (engine.DATABASE_URL) databaseOf.set(dataDir, engine);
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...SERVE_ARGS], {
    cwd: opts.cwd ?? ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  let listening = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`Herald did not start in 20 s:\n${out}`));
    }, 20_000);
    const onData = () => {
      const m = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (!m) return;
      listening = true;
      clearTimeout(timer);
      proc.stdout!.off('data', onData);
      const url = m[1]!;
      const token = env.ADMIN_TOKEN;
      resolve({
        url,
        dataDir,
        token,
        proc,
        databaseUrl: env.DATABASE_URL || null,
        output: () => out,
        stop: async () => {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
          await exited;
        },
        kill: async () => {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
          await exited;
        },
        admin: (path, init = {}) =>
          fetch(`${url}/api/admin${path}`, {
            method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
            headers: {
              authorization: `Bearer ${token}`,
              ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
              ...init.headers,
            },
            body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
          }),
      });
    };
    proc.stdout!.on('data', onData);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (listening) return;
      // A start that failed leaves no temporary DATA_DIR behind (one the caller passed is theirs).
      if (!opts.dataDir) removeDir(dataDir);
      reject(new Error(`Herald exited (${code ?? signal}) before listening:\n${out}`));
    });
  });
}

/**
 * The engine of the vitest project running (tests/helpers/engine.ts): in the `postgres` project, a Herald
 * started without a DATABASE_URL of its own gets a fresh database (with the herald.json a test wrote in
 * its DATA_DIR imported first, as db:import does), so the same suites run on both engines. Nothing
 * outside vitest (the benchmarks) goes this way.
 */
async function projectEngine(opts: { dataDir?: string; env?: Record<string, string> }): Promise<Record<string, string>> {
  if (!process.env.VITEST || (opts.env && 'DATABASE_URL' in opts.env)) return {};
  // A Herald started again on the same DATA_DIR (a restart) finds its database again.
  const known = opts.dataDir ? databaseOf.get(opts.dataDir) : undefined;
  if (known) return known;
  const { engineEnv, engineEnvWith } = await import('./engine.ts');
  if (!opts.dataDir) return engineEnv();
  const has = (f: string) => existsSync(join(opts.dataDir!, f));
  // Subscribers a test seeded as the journal (tests/fixtures/subscribers.ts) come with an empty document, imported with them.
  return has('herald.json') ? engineEnvWith(opts.dataDir) : engineEnv();
}
/** The database each DATA_DIR's Herald got in the `postgres` project (see projectEngine). */
const databaseOf = new Map<string, Record<string, string>>();

/** Runs Herald (as npm run serve does) to completion and returns its exit code and output (for refused starts). */
export function runHeraldExpectingExit(
  env: Record<string, string>,
  opts: { cwd?: string } = {},
): Promise<{ code: number | null; output: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, SERVE_ARGS, {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ADMIN_TOKEN: TEST_TOKEN, HERALD_SEED: 'none', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => {
      out += d;
      stderr += d;
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output: out, stderr });
    });
  });
}
