import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { openHerald, type Herald, type OpenOptions } from '../../src/herald.ts';
import { createApp } from '../../src/api/app.ts';
import { removeDir, tempDataDir, TEST_TOKEN } from './server.ts';
import { heraldDatabase, storedRow } from './engine.ts';

/**
 * Herald's HTTP app in this process, on a real DATA_DIR, without a socket
 * (Hono's `app.request`): the JSON APIs answer in milliseconds. The pages need
 * Astro's build and a real server (tests/helpers/server.ts). In the `postgres`
 * project (vitest.config.ts) each one gets a fresh database of the project's
 * throwaway cluster: the same suites run on both engines.
 */
export interface InProcess {
  herald: Herald;
  /** A request to the app as a client would send it. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** An admin API call with the bearer token; a body is sent as JSON. */
  admin(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  /** The stored document's text (DATA_DIR/herald.json, or the row in PostgreSQL): to show a refusal changed nothing. */
  stored(): Promise<string>;
  close(): Promise<void>;
}

/** `now`: Herald's clock (a test that moves time itself); the real one by default. */
export async function openInProcess(env: Record<string, string> = {}, opts: Pick<OpenOptions, 'now'> = {}): Promise<InProcess> {
  const dataDir = tempDataDir('herald-app-');
  const database = await heraldDatabase();
  const herald = await openHerald(
    loadConfig({
      DATA_DIR: dataDir,
      ADMIN_TOKEN: TEST_TOKEN,
      HERALD_SEED: 'none',
      SITE_URL: 'https://status.example.test',
      ...(database ? { DATABASE_URL: database } : {}),
      ...env,
    }),
    { log: () => {}, ...opts },
  );
  const app = createApp(herald);
  const request = async (path: string, init?: RequestInit) => app.request(`https://status.example.test${path}`, init);
  return {
    herald,
    request,
    admin: (path, init = {}) =>
      request(`/api/admin${path}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: {
          authorization: `Bearer ${TEST_TOKEN}`,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...init.headers,
        },
        body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
      }),
    stored: async () => (database ? storedRow(database) : readFileSync(join(dataDir, 'herald.json'), 'utf8')),
    close: async () => {
      await herald.close();
      removeDir(dataDir);
    },
  };
}

/**
 * What each test of a file runs on, given to `use` before it: by default a Herald of its own, opened by `open`
 * and closed after it; one that the tests of a describe share, in their order, once the describe calls
 * `oneHerald()` (for tests that store nothing, or only what the tests after them do not look at); none once it
 * calls `noHerald()` (tests of a real server alone). A Herald opened costs about 0.2 s on PostgreSQL (its
 * database, six connections). Call it at the file's top level.
 */
export function heraldPerTest(open: () => Promise<InProcess>, use: (herald: InProcess) => void): { oneHerald(): void; noHerald(): void } {
  let mode: 'own' | 'shared' | 'none' = 'own';
  let shared: InProcess | undefined;
  let own: InProcess | undefined;
  beforeEach(async () => {
    if (mode === 'own') use((own = await open()));
    else if (mode === 'shared') use(shared!);
  });
  afterEach(async () => {
    const herald = own;
    own = undefined;
    await herald?.close();
  });
  return {
    oneHerald() {
      beforeAll(async () => {
        shared = await open();
        mode = 'shared';
      });
      afterAll(async () => {
        mode = 'own';
        const herald = shared;
        shared = undefined;
        await herald?.close();
      });
    },
    noHerald() {
      beforeAll(() => {
        mode = 'none';
      });
      afterAll(() => {
        mode = 'own';
      });
    },
  };
}
