import { openChannels, type Channels } from './channels/service.ts';
import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.ts';
import type { Db } from './domain/model.ts';
import type { VerbContext } from './domain/context.ts';
import { dbSchema, emptyDb } from './domain/model.ts';
import { randomId } from './domain/ids.ts';
import { renderMarkdown } from './render/markdown.ts';
import { DurableJsonFile, removeStaleTempFiles } from './store/durable-file.ts';
import { Store } from './store/store.ts';
import { acquireLock } from './store/lock.ts';
import { seedDemo } from './store/seed.ts';
import { resolveAdminToken } from './auth/admin-token.ts';
import { openNotify, type Notify } from './notify/service.ts';
import { openConsoleState, type ConsoleState } from './console/state.ts';
import { startTimer } from './timer/scheduler.ts';

/** The store and what acts on it: what every part of Herald is built on. */
export interface HeraldCore {
  config: Config;
  store: Store<Db>;
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
  mkdirSync(config.dataDir, { recursive: true });
  const releaseLock = acquireLock(config.dataDir);
  const closers: Array<() => void | Promise<void>> = [releaseLock];
  const close = async () => {
    for (const fn of closers.reverse()) await fn();
    closers.length = 0;
  };
  try {
    const file = join(config.dataDir, 'herald.json');
    // A crash mid-write can leave a temp file; the lock says nobody is writing one now.
    removeStaleTempFiles(file);
    const isNew = !existsSync(file);
    const store = new Store<Db>(new DurableJsonFile(file, dbSchema), emptyDb(randomId(), now().toISOString()));
    const { migrated } = await store.load();
    const context = (actor: string): VerbContext => ({ db: store.data, now: now(), actor, markdown: renderMarkdown });
    const core: HeraldCore = {
      config,
      store,
      now,
      adminToken: '',
      log,
      context,
      run: (actor, verb) => store.update((db) => verb({ ...context(actor), db })),
      onClose: (fn) => closers.push(fn),
      close,
    };
    if (isNew && config.HERALD_SEED === 'demo') await core.run('seed', (ctx) => seedDemo(ctx));
    else if (isNew || migrated) await store.flush();
    const { token, generated } = resolveAdminToken(config.dataDir, config.ADMIN_TOKEN);
    if (generated) {
      log(`Generated an admin token (shown once; also stored in ${join(config.dataDir, 'admin-token')}):\n  ${token}`);
    }
    core.adminToken = token;
    const herald: Herald = { ...core, notify: openNotify(core), console: openConsoleState(config), channels: openChannels(core) };
    if (opts.timer !== false) {
      startTimer(herald, { reminderMinutes: config.MAINTENANCE_REMINDER_MINUTES });
    }
    return herald;
  } catch (err) {
    await close();
    throw err;
  }
}
