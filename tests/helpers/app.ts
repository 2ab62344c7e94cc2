import { loadConfig } from '../../src/config.ts';
import { openHerald, type Herald } from '../../src/herald.ts';
import { createApp } from '../../src/api/app.ts';
import { removeDir, tempDataDir, TEST_TOKEN } from './server.ts';

/**
 * Herald's HTTP app in this process, on a real DATA_DIR, without a socket
 * (Hono's `app.request`): the JSON APIs answer in milliseconds. The pages need
 * Astro's build and a real server (tests/helpers/server.ts).
 */
export interface InProcess {
  herald: Herald;
  /** A request to the app as a client would send it. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** An admin API call with the bearer token; a body is sent as JSON. */
  admin(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  close(): Promise<void>;
}

export async function openInProcess(env: Record<string, string> = {}): Promise<InProcess> {
  const dataDir = tempDataDir('herald-app-');
  const herald = await openHerald(
    loadConfig({ DATA_DIR: dataDir, ADMIN_TOKEN: TEST_TOKEN, HERALD_SEED: 'none', SITE_URL: 'https://status.example.test', ...env }),
    { log: () => {} },
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
    close: async () => {
      await herald.close();
      removeDir(dataDir);
    },
  };
}
