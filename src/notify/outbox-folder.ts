import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { UNSUBSCRIBED_RETENTION_MS } from '../store/mail/retention.ts';

/** The outbox folder is looked through at most this often (at the start, then after a message is written). */
const SWEEP_EVERY_MS = 3600_000;

/**
 * Keeps the outbox folder (no SMTP_URL: each message an .eml file) to the last 30 days, as long as Herald
 * keeps an unsubscribed address: without it the folder grew by every message ever written, and kept the
 * addresses the retention rule had erased everywhere else. Returns the sweep to call; it runs at most once
 * an hour, one at a time, and a file it cannot read or remove is left for the next one.
 */
export function outboxSweeper(dir: string, now: () => number = Date.now): () => Promise<void> {
  let last = Number.NEGATIVE_INFINITY;
  let running = false;
  return async () => {
    const t = now();
    if (running || t - last < SWEEP_EVERY_MS) return;
    running = true;
    last = t;
    try {
      for (const name of await readdir(dir)) {
        if (!name.endsWith('.eml')) continue;
        const file = join(dir, name);
        const written = await stat(file).then(
          (s) => s.mtimeMs,
          () => null,
        );
        if (written !== null && t - written > UNSUBSCRIBED_RETENTION_MS) await unlink(file).catch(() => {});
      }
    } catch {
      // The folder unreadable for now: the next sweep tries again.
    } finally {
      running = false;
    }
  };
}
