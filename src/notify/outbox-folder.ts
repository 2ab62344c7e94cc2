import { existsSync, mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { opendir, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { UNSUBSCRIBED_RETENTION_MS } from '../store/mail/retention.ts';
import { keepFolderPrivate } from '../store/private-file.ts';

/** The outbox folder is looked through at the start, then this often. */
const SWEEP_EVERY_MS = 3600_000;

/** A temp file this old is no write in progress (one takes milliseconds) but one a crash cut short. */
const TEMP_STALE_MS = SWEEP_EVERY_MS;

/** A temp file writeFileDurably leaves when a crash cuts a write short: `.<delivery id>.eml.<pid>.tmp`. */
const TEMP = /^\.(.+\.eml)\.\d+\.tmp$/;

/** The message a file of the outbox holds, or was being written as: its `<delivery id>.eml` name; null for another file. */
export function messageOf(name: string): { message: string; temp: boolean } | null {
  const temp = TEMP.exec(name);
  if (temp) return { message: temp[1]!, temp: true };
  return name.endsWith('.eml') ? { message: name, temp: false } : null;
}

/**
 * The subscriber a message went to: a delivery id is `<subscriber id>.<notice>` (model.ts deliveryId), and the
 * ids Herald makes are letters and digits (domain/ids.ts randomId), so the part before the first dot is theirs.
 */
const subscriberOf = (message: string): string => message.slice(0, message.indexOf('.'));

/** DATA_DIR/outbox, where messages are written as .eml files when no SMTP_URL is set. */
export interface OutboxFolder {
  dir: string;
  /** Removes messages past 30 days and temp files a crash left; at most once an hour, one at a time. */
  sweep(): Promise<void>;
  /**
   * Removes these subscribers' messages (and temp files) now, in the background: a removal is answered
   * without waiting for a folder of tens of thousands of files to be read. Resolves when done (tests).
   */
  forget(subscriberIds: readonly string[]): Promise<void>;
  close(): void;
}

/**
 * Keeps the outbox folder to the last 30 days, as long as Herald keeps an unsubscribed address: without it
 * the folder grew by every message ever written, and kept the addresses the retention rule had erased
 * everywhere else. It does so whatever the mailer: a folder left from runs without SMTP_URL holds those
 * addresses and live links just the same. `create`: make the folder when missing (the .eml mailer writes
 * there). Call only while holding DATA_DIR's lock: the start then removes every temp file in it, as no
 * other process is writing one.
 */
export function openOutboxFolder(dir: string, create: boolean, now: () => number = Date.now): OutboxFolder {
  const exists = existsSync(dir);
  if (!exists && create) mkdirSync(dir, { recursive: true, mode: 0o700 });
  let timer: NodeJS.Timeout | null = null;
  const sweep = outboxSweeper(dir, now);
  if (exists || create) {
    // Each message holds its address and live confirm and unsubscribe links; a restore makes them the umask's 0644.
    keepFolderPrivate(dir, (name) => messageOf(name) !== null);
    removeTempFiles(dir);
    void sweep();
    timer = setInterval(() => void sweep(), SWEEP_EVERY_MS);
    timer.unref();
  }
  return {
    dir,
    sweep,
    forget: (ids) => removeMessagesOf(dir, ids),
    close: () => {
      if (timer) clearInterval(timer);
    },
  };
}

function removeTempFiles(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (!messageOf(name)?.temp) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      // Gone meanwhile, or not ours to delete: the sweep tries again.
    }
  }
}

async function removeMessagesOf(dir: string, subscriberIds: readonly string[]): Promise<void> {
  // An id with a dot (none is made so; an import could bring one) cannot be told from the start of another's.
  const ids = new Set(subscriberIds.filter((id) => id !== '' && !id.includes('.')));
  if (ids.size === 0) return;
  try {
    // Read as a stream: a folder of tens of thousands of names is not held, nor read in one turn.
    for await (const entry of await opendir(dir)) {
      const m = messageOf(entry.name);
      if (m && ids.has(subscriberOf(m.message))) await unlink(join(dir, entry.name)).catch(() => {});
    }
  } catch {
    // No folder (never written to), or unreadable for now: the 30-day sweep still removes them.
  }
}

/**
 * The sweep of `dir` to call: it runs at most once an hour, one at a time (a call meanwhile waits for the
 * one running), and a file it cannot read or remove is left for the next one.
 */
export function outboxSweeper(dir: string, now: () => number = Date.now): () => Promise<void> {
  let last = Number.NEGATIVE_INFINITY;
  let running: Promise<void> | null = null;
  const run = async (t: number) => {
    try {
      for (const name of await readdir(dir)) {
        const m = messageOf(name);
        if (!m) continue;
        const file = join(dir, name);
        const written = await stat(file).then(
          (s) => s.mtimeMs,
          () => null,
        );
        if (written !== null && t - written > (m.temp ? TEMP_STALE_MS : UNSUBSCRIBED_RETENTION_MS)) await unlink(file).catch(() => {});
      }
    } catch {
      // The folder unreadable for now (or not there): the next sweep tries again.
    } finally {
      running = null;
    }
  };
  return () => {
    const t = now();
    if (running) return running;
    if (t - last < SWEEP_EVERY_MS) return Promise.resolve();
    last = t;
    running = run(t);
    return running;
  };
}
