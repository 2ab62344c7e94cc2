import { randomToken } from './auth/random.ts';
import { openChannels, type Channels } from './channels/service.ts';
import type { Config } from './config.ts';
import type { Db } from './domain/model.ts';
import type { VerbContext } from './domain/context.ts';
import { renderMarkdown } from './render/markdown.ts';
import type { DocumentStore } from './store/document-store.ts';
import { openStorage, type Storage } from './store/open.ts';
import { holdsDemo, readDemoSeed, seedDemo, seedLines } from './store/seed.ts';
import { openNotify, type Notify } from './notify/service.ts';
import { openConsoleState, type ConsoleState } from './console/state.ts';
import { startTimer, type Timer } from './timer/scheduler.ts';

/** The store and what acts on it: what every part of Herald is built on. */
export interface HeraldCore {
  config: Config;
  store: DocumentStore<Db>;
  /** The engine behind `store` and the rest of what Herald keeps (src/store): files, or PostgreSQL. */
  storage: Storage;
  now: () => Date;
  adminToken: string;
  log: (line: string) => void;
  /** A verb context over the committed data, for reading (and for dry runs on a copy). */
  context(actor: string): VerbContext;
  /** Runs a domain verb on a draft and commits it; answers after the write. */
  run<R>(actor: string, verb: (ctx: VerbContext) => R): Promise<R>;
  /** Called on shutdown, in reverse order of registration. */
  onClose(fn: () => void | Promise<void>): void;
  close(): Promise<void>;
}

/**
 * Everything a request handler or page needs, typed: one instance per
 * process, handed to Hono's routes by argument and to Astro's pages as
 * `Astro.locals.herald`.
 */
export interface Herald extends HeraldCore {
  /** Email: subscribers, the outbox and its worker. */
  notify: Notify;
  /** The Comms Lead console: sessions, drafts, sign-in limits. */
  console: ConsoleState;
  /** Slack, Teams and webhook channels: their outbox and worker. */
  channels: Channels;
}

export interface OpenOptions {
  now?: () => Date;
  log?: (line: string) => void;
  /** Start the timer (maintenance steps, late notices); a test of the timer itself starts its own. */
  timer?: boolean;
  /**
   * Send email, post to channels and run the timer (the default). Off for a process that only reads the
   * data, as the static export does: it must not send what the service left queued, from wherever it runs.
   */
  workers?: boolean;
  /**
   * Open only a site that exists (DATA_DIR's herald.json, or the database's document), refusing before anything
   * is written: a process that copies the site, as the static export does, must never make one (a mistyped
   * DATA_DIR once gave a demo site, a new admin token and a public copy of invented incidents).
   */
  existing?: boolean;
}

/** One closer for several that are independent of each other: all run at once, and every one ends before a failure is thrown. */
function together(fns: Array<() => void | Promise<void>>): () => Promise<void> {
  return async () => {
    const failed = (await Promise.allSettled(fns.map(async (fn) => fn()))).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
}

/**
 * Opens DATA_DIR: takes the single-writer lock, loads and validates the data
 * file (refusing a corrupt one), seeds demo content into an empty folder,
 * resolves the admin token (printed once, when generated), and starts email,
 * the console's state and the maintenance timer.
 */
export async function openHerald(config: Config, opts: OpenOptions = {}): Promise<Herald> {
  const now = opts.now ?? (() => new Date());
  const log = opts.log ?? ((line: string) => console.log(line));
  const storage = await openStorage(config, now, log, { existing: opts.existing === true });
  const closers: Array<() => void | Promise<void>> = [() => storage.close()];
  const close = async () => {
    for (const fn of closers.reverse()) await fn();
    closers.length = 0;
  };
  try {
    const store = storage.document;
    const givenIds = new Set<string>();
    const context = (actor: string): VerbContext => ({ db: store.data, now: now(), actor, markdown: renderMarkdown, givenIds });
    const core: HeraldCore = {
      config,
      store,
      storage,
      now,
      adminToken: '',
      log,
      context,
      run: (actor, verb) => store.update((db) => verb({ ...context(actor), db })),
      onClose: (fn) => closers.push(fn),
      close,
    };
    const seed = storage.created && config.HERALD_SEED === 'demo' ? readDemoSeed() : null;
    if (storage.created && config.HERALD_SEED === 'demo' && !seed) log(seedLines.missing(storage.engine));
    if (!storage.created && config.HERALD_SEED === 'none' && !opts.existing && holdsDemo(store.data.components)) {
      log(seedLines.kept(storage.engine));
    }
    if (seed) {
      await core.run('seed', (ctx) => seedDemo(ctx, seed));
      log(seedLines.seeded(seed, storage.engine));
    }
    // A process that only reads (`existing`) upgrades an older document in memory alone: written back, it would
    // be refused by the Herald of that schema still running on it (a replica on the same database).
    else if (storage.created || (storage.migrated && !opts.existing)) await store.flush();
    const consoleState = openConsoleState(config, storage, () => core.adminToken);
    closers.push(() => consoleState.close());
    const workers = opts.workers !== false;
    const drains = closers.length;
    const herald: Herald = { ...core, notify: openNotify(core, workers), console: consoleState, channels: openChannels(core, workers) };
    // At a stop, email and channels each wait for what is on the wire (up to 5 s and CHANNEL_TIMEOUT_MS + 1 s): one
    // after the other, a stop with both under way outlasted the 10 s Docker gives before its SIGKILL. At once, then.
    closers.push(together(closers.splice(drains)));
    // On PostgreSQL, links are signed with a key kept in the database: read before the first request.
    await herald.notify.opened;
    // Read before the first request can declare: both outboxes are open now.
    if (!opts.existing) for (const id of await storage.outboxEvents()) givenIds.add(id);
    // After the mail's start checks (a lost subscribers.key refuses the start): a token made and shown for a start
    // that then does not happen would be shown once and never used. On PostgreSQL every replica must accept the
    // same token: it is kept in the database. A process that only reads stores no token: one made here
    // (ADMIN_TOKEN not in its shell) would replace none the service uses, and would be a write to the site. It
    // serves no admin request anyway.
    const { token, generated, where } = opts.existing
      ? { token: config.ADMIN_TOKEN ?? randomToken(32), generated: false, where: '' }
      : await storage.adminToken(config.ADMIN_TOKEN);
    if (generated) log(`Generated an admin token (shown once; also stored in ${where}):\n  ${token}`);
    herald.adminToken = core.adminToken = token;
    if (opts.timer !== false && workers) {
      // The timer runs once across replicas: on the leader (always, on the embedded engine).
      let timer: Timer | null = null;
      const follow = (leading: boolean) => {
        if (leading && !timer) timer = startTimer(herald, { reminderMinutes: config.MAINTENANCE_REMINDER_MINUTES });
        else if (!leading && timer) {
          timer.stop();
          timer = null;
        }
      };
      follow(storage.leadership.isLeader);
      closers.push(storage.leadership.onChange(follow));
    }
    return herald;
  } catch (err) {
    await close();
    throw err;
  }
}
