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
