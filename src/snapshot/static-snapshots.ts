import { join } from 'node:path';
import type { Herald } from '../herald.ts';
import { allEvents } from '../domain/model.ts';
import { publishStaticSite, recoverStaticFolder } from './static-site.ts';

export interface StaticSnapshots {
  /** Resolves once no snapshot is running or scheduled (tests, shutdown). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

const RETRY_AFTER_FAILURE_MS = 30_000;
/** How long a stop waits for the last copy: well inside the 10 s Docker gives a container between SIGTERM and SIGKILL. */
const STOP_COPY_TIMEOUT_MS = 5_000;

/**
 * Keeps DATA_DIR/static a copy of the public site: after each publish
 * (debounced, so a burst of writes costs one copy) the site is fetched from
 * this server's own routes and swapped in whole. A failed copy leaves the
 * last good one and is retried later. A change during a copy triggers
 * another, so the folder always ends at the latest data.
 */
export function startStaticSnapshots(
  herald: Herald,
  origin: string,
  opts: { debounceMs: number; dir?: string; log?: (line: string) => void; stopTimeoutMs?: number },
): StaticSnapshots {
  const dir = opts.dir ?? join(herald.config.dataDir, 'static');
  const log = opts.log ?? ((line: string) => console.error(line));
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let dirty = false;
  let stopped = false;
  let lastFailure: string | null = null;
  /** The store version the folder holds (-1: none copied by this process yet). */
  let copied = -1;
  /** The stop gave up waiting: the server is closing under the copy, whose failure says nothing about the site. */
  let cutShort = false;
  let stopping: Promise<void> | null = null;

  const schedule = (delay = opts.debounceMs) => {
    if (stopped) return;
    if (running) {
      dirty = true;
      return;
    }
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, delay);
    timer.unref();
  };

  const run = (): Promise<void> => {
    timer = null;
    dirty = false;
    const version = herald.store.version;
    let failed = false;
    const copy = publishStaticSite(
      origin,
      allEvents(herald.store.data).map((i) => i.id),
      dir,
    )
      .then(() => {
        copied = version;
        if (lastFailure) log('herald: static copy is up to date again');
        lastFailure = null;
      })
      .catch((err: Error) => {
        failed = true;
        if (cutShort) return;
        if (err.message !== lastFailure) log(`herald: static copy in ${dir} not updated (the last good one stays): ${err.message}`);
        lastFailure = err.message;
      })
      .finally(() => {
        running = null;
        if (dirty || herald.store.version !== version) schedule();
        else if (failed) schedule(RETRY_AFTER_FAILURE_MS);
      });
    running = copy;
    return copy;
  };

  /**
   * The copy still owed when the server stops (a publish within the debounce, a change during a copy), made
   * while the server still answers: the folder is the site once the host is gone, so it must hold the last publish.
   */
  const lastCopy = async (): Promise<void> => {
    const armed = timer !== null;
    if (timer) clearTimeout(timer);
    timer = null;
    if (running) await running;
    if (armed || dirty || herald.store.version !== copied) await run();
  };

  try {
    recoverStaticFolder(dir);
  } catch (err) {
    log(`herald: could not tidy ${dir} after a crash: ${(err as Error).message}`);
  }
  const off = herald.store.onChange(() => schedule());
  schedule(0);

  return {
    async idle() {
      while (running || timer) {
        if (running) await running;
        else await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop() {
      stopping ??= (async () => {
        stopped = true;
        off();
        const limit = opts.stopTimeoutMs ?? STOP_COPY_TIMEOUT_MS;
        let deadline: NodeJS.Timeout | undefined;
        const inTime = await Promise.race([
          lastCopy().then(() => true),
          new Promise<boolean>((resolve) => {
            deadline = setTimeout(() => resolve(false), limit);
          }),
        ]);
        clearTimeout(deadline);
        if (!inTime) {
          cutShort = true;
          log(`herald: stopped before the static copy in ${dir} caught up (${limit} ms): it lacks the latest changes until the next start`);
        }
      })();
      return stopping;
    },
  };
}
