import { join } from 'node:path';
import type { Herald } from '../herald.ts';
import { allEvents } from '../domain/model.ts';
import { type CopyReport, incidentPath, publishStaticSite, recoverStaticFolder } from './static-site.ts';
import { settledPageDigests } from './settled-pages.ts';
import { CopyRecord, type CopiedPage } from './copy-record.ts';
import { copyStaleAt } from './copy-ages.ts';

export interface StaticSnapshots {
  /** Resolves once no snapshot is running or scheduled (tests, shutdown). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

const RETRY_AFTER_FAILURE_MS = 30_000;
/**
 * How often a copy that keeps failing the same way is said again: said once only, an operator who missed that line
 * (or a log rotated since) never heard that the folder has been stale for days, while retries ran every 30 s.
 */
const REPEAT_FAILURE_LOG_MS = 3_600_000;
/** Longest sleep before the clock is read again: a wait for midnight survives a clock step (suspend, NTP). */
const MAX_AGE_SLEEP_MS = 10 * 60_000;
/** How long a stop waits for the last copy: well inside the 10 s Docker gives a container between SIGTERM and SIGKILL. */
const STOP_COPY_TIMEOUT_MS = 5_000;

/**
 * Keeps DATA_DIR/static a copy of the public site: after each publish
 * (debounced, so a burst of writes costs one copy) the site is fetched from
 * this server's own routes and swapped in whole. A failed copy leaves the
 * last good one and is retried later. A change during a copy triggers
 * another, so the folder always ends at the latest data. With no write, it is
 * copied again when time alone changes what the pages say (copy-ages.ts): an
 * estimate passing, local midnight, durations while something is under way.
 * Each process (each PostgreSQL replica) keeps its own folder this way.
 */
export function startStaticSnapshots(
  herald: Herald,
  origin: string,
  opts: {
    debounceMs: number;
    dir?: string;
    log?: (line: string) => void;
    stopTimeoutMs?: number;
    /** After a failed copy, the next try (tests: shorter). */
    retryAfterFailureMs?: number;
    /** How often the same failure, still failing, is logged again (tests: shorter). */
    repeatFailureLogMs?: number;
    /**
     * What renders the pages (copyIdentity): with it, the settled pages of the copy are recorded beside it for the
     * next start (copy-record.ts); without, every start renders them all.
     */
    identity?: string;
    /** The pages' clock and zone, for when time alone makes the copy stale (copy-ages.ts); the system clock and UTC without. */
    now?: () => Date;
    timeZone?: string;
  },
): StaticSnapshots {
  const dir = opts.dir ?? join(herald.config.dataDir, 'static');
  const log = opts.log ?? ((line: string) => console.error(line));
  const now = opts.now ?? (() => new Date());
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let dirty = false;
  let stopped = false;
  let lastFailure: string | null = null;
  /** Since the failure first said: when it was said last, when it began, and how many copies have failed. */
  let failureSaidAt = 0;
  let failingSince = '';
  let failures = 0;
  const repeatLogMs = opts.repeatFailureLogMs ?? REPEAT_FAILURE_LOG_MS;
  /** The store version the folder holds (-1: none copied by this process yet). */
  let copied = -1;
  const record = opts.identity ? new CopyRecord(dir, opts.identity) : null;
  /**
   * The settled incidents' pages the folder holds, by id: the digest of what each was made of (settled-pages.ts)
   * and the assets it references. A copy takes the page of one whose digest is the same from the folder, rather
   * than render it again. At the start, what the record beside the folder says (copy-record.ts), if anything.
   */
  let copiedPages = new Map<string, CopiedPage>();
  /** The stop gave up waiting: the server is closing under the copy, whose failure says nothing about the site. */
  let cutShort = false;
  let stopping: Promise<void> | null = null;
  /** Waits for the instant the copy goes stale with time (`staleAt`), armed after each good copy. */
  let ageTimer: NodeJS.Timeout | null = null;
  let staleAt = Number.POSITIVE_INFINITY;

  const waitForAge = (): void => {
    if (ageTimer) clearTimeout(ageTimer);
    ageTimer = null;
    if (stopped) return;
    const delay = staleAt - now().getTime();
    if (delay <= 0) {
      schedule(0);
      return;
    }
    // Long sleeps are cut short and the clock read again, so a wait for midnight is not thrown off by a clock step.
    ageTimer = setTimeout(waitForAge, Math.min(delay, MAX_AGE_SLEEP_MS));
    ageTimer.unref();
  };

  const schedule = (delay = opts.debounceMs) => {
    if (stopped) return;
    // The copy to come is armed afresh once made.
    if (ageTimer) clearTimeout(ageTimer);
    ageTimer = null;
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
    const db = herald.store.data;
    // What the pages say may change from this instant on, while they are fetched: the age is counted from here.
    const startedAt = now();
    const pages = settledPageDigests(db);
    const unchanged = new Map<string, readonly string[]>();
    for (const [id, digest] of pages) {
      const before = copiedPages.get(id);
      if (before?.digest === digest) unchanged.set(incidentPath(id), before.assets);
    }
    const report: CopyReport = { assets: new Map(), kept: new Set() };
    let failed = false;
    const copy = (async () => {
      // The record describes the folder as it is: gone before the folder changes, written again once it has.
      await record?.drop();
      await publishStaticSite(
        origin,
        allEvents(db).map((i) => i.id),
        dir,
        unchanged,
        report,
      );
    })()
      .then(async () => {
        copied = version;
        // A page fetched while the data changed (a write during the copy) may show the data before or after it,
        // whatever `db` says: only the pages taken over are known then (the next copy fetches the others again).
        const quiet = herald.store.version === version;
        copiedPages = new Map();
        for (const [id, digest] of pages) {
          const path = incidentPath(id);
          const refs = report.assets.get(path);
          if (refs && (quiet || report.kept.has(path))) copiedPages.set(id, { digest, assets: refs });
        }
        if (lastFailure) log('herald: static copy is up to date again');
        lastFailure = null;
        failures = 0;
        await record?.write(copiedPages).catch((err: Error) => {
          log(`herald: the pages of the static copy were not recorded (${err.message}): the next start copies every page`);
        });
      })
      .catch((err: Error) => {
        failed = true;
        // A copy can fail once its folder is in place (the old one not removed): what the folder holds is not known.
        copiedPages = new Map();
        if (cutShort) return;
        const now = Date.now();
        if (err.message !== lastFailure) {
          log(`herald: static copy in ${dir} not updated (the last good one stays): ${err.message}`);
          failureSaidAt = now;
          failingSince = new Date(now).toISOString();
          failures = 1;
        } else {
          failures++;
          // The same failure again: said again at a bounded rate, with how long it has lasted.
          if (now - failureSaidAt >= repeatLogMs) {
            log(
              `herald: static copy in ${dir} still not updated (${failures} tries failed since ${failingSince}; the last good one stays): ${err.message}`,
            );
            failureSaidAt = now;
          }
        }
        lastFailure = err.message;
      })
      .finally(() => {
        running = null;
        if (dirty || herald.store.version !== version) schedule();
        else if (failed) schedule(opts.retryAfterFailureMs ?? RETRY_AFTER_FAILURE_MS);
        else {
          staleAt = copyStaleAt(db, startedAt, opts.timeZone ?? 'UTC').getTime();
          waitForAge();
        }
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
  if (record) copiedPages = record.read();
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
        if (ageTimer) clearTimeout(ageTimer);
        ageTimer = null;
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
