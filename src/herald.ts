import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.ts';
import type { Db } from './domain/model.ts';
import type { VerbContext } from './domain/context.ts';
import { dbSchema, emptyDb } from './domain/model.ts';
import { randomId } from './domain/ids.ts';
import { DurableJsonFile, removeStaleTempFiles } from './store/durable-file.ts';
import { Store } from './store/store.ts';
import { acquireLock } from './store/lock.ts';
import { seedDemo } from './store/seed.ts';
import { resolveAdminToken } from './auth/admin-token.ts';

/** Everything a request handler or page needs: one instance per process. */
export interface Herald {
  config: Config;
  store: Store<Db>;
  now: () => Date;
  adminToken: string;
  /** Runs a domain verb on a draft and commits it; answers after the write. */
  run<R>(actor: string, verb: (ctx: VerbContext) => R): Promise<R>;
  /** Called on shutdown, in reverse order of registration. */
  onClose(fn: () => void | Promise<void>): void;
  close(): Promise<void>;
}

export interface OpenOptions {
  now?: () => Date;
  log?: (line: string) => void;
}

/**
 * Opens DATA_DIR: takes the single-writer lock, loads and validates the data
 * file (refusing a corrupt one), seeds demo content into an empty folder, and
 * resolves the admin token (printed once, when generated).
 */
export async function openHerald(config: Config, opts: OpenOptions = {}): Promise<Herald> {
  const now = opts.now ?? (() => new Date());
  const log = opts.log ?? ((line: string) => console.log(line));
  mkdirSync(config.dataDir, { recursive: true });
  const releaseLock = acquireLock(config.dataDir);
  const closers: Array<() => void | Promise<void>> = [releaseLock];
  try {
    const file = join(config.dataDir, 'herald.json');
    // A crash mid-write can leave a temp file; the lock says nobody is writing one now.
    removeStaleTempFiles(file);
    const isNew = !existsSync(file);
    const store = new Store<Db>(new DurableJsonFile(file, dbSchema), emptyDb(randomId(), now().toISOString()));
    await store.load();
    if (isNew) {
      if (config.HERALD_SEED === 'demo') await store.update((db) => seedDemo(db, now()));
      else await store.flush();
    }
    const { token, generated } = resolveAdminToken(config.dataDir, config.ADMIN_TOKEN);
    if (generated) {
      log(`Generated an admin token (shown once; also stored in ${join(config.dataDir, 'admin-token')}):\n  ${token}`);
    }
    const herald: Herald = {
      config,
      store,
      now,
      adminToken: token,
      run: (actor, verb) => store.update((db) => verb({ db, now: now(), actor })),
      onClose: (fn) => closers.push(fn),
      close: async () => {
        for (const fn of closers.reverse()) await fn();
        closers.length = 0;
      },
    };
    return herald;
  } catch (err) {
    releaseLock();
    throw err;
  }
}
