import { createAdaptorServer } from '@hono/node-server';
import type { Server as HttpServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { loadConfig, ConfigError, type Config } from './config.ts';
import { openHerald, type Herald, type OpenOptions } from './herald.ts';
import { createApp, METHODS } from './api/app.ts';
import { inProcessRenderer, type AstroHandler } from './snapshot/astro-render.ts';
import { startRefusalLine } from './start-refusal-line.ts';
import { startStaticSnapshots } from './snapshot/static-snapshots.ts';
import { copyIdentity } from './snapshot/copy-record.ts';
import { assertPortFree, listenShared, PortInUse, type Listening } from './http/listen.ts';
import { securityHeaders } from './http/security.ts';
import { projectRoot } from './paths.ts';
import { assertNodeVersion } from './node-version.ts';

// From the project folder, not this module's: `npm run serve` runs this code bundled into the build (scripts/build-server.ts).
const root = `${projectRoot()}/`;
// Run from src/: the build HERALD_DIST names (parallel builds, for tests and benchmarks, keep apart), default dist/.
// The bundled server is its build's own and says which (main's `dist`), whatever HERALD_DIST says.
const SOURCE_DIST = `${root}${process.env.HERALD_DIST ?? 'dist'}/`;
const ASTRO_ENTRY = `${SOURCE_DIST}server/entry.mjs`;

export interface Running {
  herald: Herald;
  url: string;
  close(): Promise<void>;
}

/** What a failure to listen tells the operator: one line naming what to change, where it is theirs to change. */
function refusal(err: unknown, config: Pick<Config, 'HOST' | 'PORT'>): unknown {
  if (err instanceof PortInUse) {
    return new ConfigError(`Refusing to start: ${config.HOST}:${config.PORT} is already in use. Stop what listens there or set PORT.`);
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EADDRNOTAVAIL') {
    return new ConfigError(
      `Refusing to start: HOST ${config.HOST} is ${code === 'EADDRNOTAVAIL' ? 'not an address of this machine' : 'a name that could not be resolved'}. Set HOST to one of its addresses (or 0.0.0.0 for all of them).`,
    );
  }
  return err;
}

/** The handler of Astro's build, loaded from HERALD_DIST (the bundled server is given its own instead). */
async function builtPages(): Promise<AstroHandler> {
  if (!existsSync(ASTRO_ENTRY)) {
    throw new ConfigError(`The pages are not built (${ASTRO_ENTRY} is missing): run \`npm run build\` first.`);
  }
  return ((await import(pathToFileURL(ASTRO_ENTRY).href)) as { handler: AstroHandler }).handler;
}

/** Starts Herald: checks its port, opens DATA_DIR, builds the app, listens. */
export async function start(
  env: NodeJS.ProcessEnv = process.env,
  opts: Pick<OpenOptions, 'workers' | 'existing'> & { astro?: AstroHandler; dist?: string } = {},
): Promise<Running> {
  assertNodeVersion();
  const config = loadConfig(env);
  const handler = opts.astro ?? (await builtPages());
  const dist = opts.dist ?? SOURCE_DIST;
  // Before the store is opened: a start that will not listen must not migrate the data or take the lead on its way out.
  await assertPortFree(config.HOST, config.PORT).catch((err: unknown) => {
    throw refusal(err, config);
  });
  const herald = await openHerald(config, opts);
  let origin = '';
  // Public pages are rendered by Astro in-process, then kept in memory until the data changes (see PageCache).
  const render = inProcessRenderer(handler, herald, () => new URL(origin).host);
  const app = createApp(herald, { astro: handler, clientDir: `${dist}client`, render });
  // Slow clients must not hold sockets forever: headers within HEADERS_TIMEOUT_MS,
  // the whole request within 30 s. Node checks these timers every
  // connectionsCheckingInterval (30 s by default), so check at a quarter of it.
  const headersTimeout = config.HEADERS_TIMEOUT_MS;
  const server = createAdaptorServer({
    fetch: app.fetch,
    // The host a request without a Host header (HTTP/1.0: load balancers' health checks) is taken to be for.
    hostname: config.HOST,
    serverOptions: {
      headersTimeout,
      requestTimeout: Math.max(30_000, headersTimeout),
      connectionsCheckingInterval: Math.min(5_000, Math.max(250, Math.floor(headersTimeout / 4))),
    },
  }) as HttpServer;
  // Node hands CONNECT to a 'connect' listener (none would drop the socket without a word): Herald is no proxy.
  // With the security headers every other answer carries.
  const connectAnswer = [
    'HTTP/1.1 405 Method Not Allowed',
    `Allow: ${[...METHODS].join(', ')}`,
    ...Object.entries(securityHeaders(config.SITE_URL.startsWith('https:'))).map(([k, v]) => `${k}: ${v}`),
    'Content-Length: 0',
    'Connection: close',
    '',
    '',
  ].join('\r\n');
  server.on('connect', (_req, socket) => {
    socket.end(connectAnswer);
  });
  let listening: Listening;
  try {
    listening = await listenShared(server, config.HOST, config.PORT);
  } catch (err) {
    await herald.close(); // release the DATA_DIR lock and stop workers before reporting
    throw refusal(err, config);
  }
  const { address } = listening;
  const loopbackHost =
    address.family === 'IPv6'
      ? `[${address.address === '::' ? '::1' : address.address}]`
      : address.address === '0.0.0.0'
        ? '127.0.0.1'
        : address.address;
  origin = `http://${loopbackHost}:${address.port}`;
  const snapshots = config.STATIC_SNAPSHOT
    ? startStaticSnapshots(herald, origin, {
        debounceMs: config.STATIC_DEBOUNCE_MS,
        identity: copyIdentity(config, dist),
        now: () => herald.now(),
        timeZone: config.SITE_TIMEZONE,
      })
    : null;
  if (snapshots) herald.onClose(() => snapshots.stop());
  return {
    herald,
    url: origin,
    close: async () => {
      // Before the listener closes: the last copy is fetched from this server's own routes.
      await snapshots?.stop();
      await listening.close();
      await herald.close();
    },
  };
}

/**
 * Runs Herald as a process: starts it, stops it on a signal. Bundled (scripts/build-server.ts), the build gives
 * its pages (`astro`) and its own folder (`dist`, ending in /).
 */
export async function main(astro?: AstroHandler, dist?: string): Promise<void> {
  let running: Running;
  try {
    running = await start(process.env, { astro, dist });
  } catch (err) {
    // No waiting here: a supervisor restarts the process (README's unit: Restart=always), and each start tries again.
    const line = startRefusalLine(err);
    if (line !== null) {
      console.error(`herald: ${line}`);
      process.exit(1);
    }
    throw err;
  }
  // One stop, however many signals: npm passes its signal on to Herald, and a terminal's Ctrl-C or systemd
  // signals the whole group as well, so the same stop often arrives twice. A second must not cut the first short.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (signal === 'SIGHUP') {
      // The terminal may be gone: a write to it failing (EIO) must not cut the stop short.
      process.stdout.on('error', () => {});
      process.stderr.on('error', () => {});
    }
    console.log(`herald: ${signal}, shutting down`);
    await running.close();
    process.exit(0);
  };
  // Before the line below: supervisors and scripts act on it, and a signal that finds no handler kills Herald outright.
  // SIGHUP too: a closed terminal (or an SSH session that drops) running `npm start` sends it, and unhandled it
  // killed Herald without its stop (herald.lock left behind, the static copy owed to the last publish never made).
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void stop('SIGHUP'));
  const { config } = running.herald;
  console.log(`Herald is serving ${config.SITE_NAME} at ${running.url} (site URL ${config.SITE_URL}, data in ${config.dataDir})`);
}

// Run as a script (`node src/server.ts`). Bundled, the build's entry calls main() with the pages (scripts/build-server.ts).
if (import.meta.main) await main();
