import { constants } from 'node:fs';
import { access, stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Failures of the file system, not of one file: a write that succeeds in the same folder proves them gone. Not a
 * full disk (ENOSPC, EDQUOT): an append that fits in a journal's last block succeeds on it, while herald.json,
 * rewritten whole, still cannot be written; those wait for the probe, or a write to that file.
 */
const FOLDER_WIDE = new Set(['EROFS']);
/** Failures the probe can see end without writing; the others (EIO, EDQUOT…) wait for a write that succeeds. */
const PROBED = new Set(['ENOSPC', 'EROFS', 'EACCES', 'EPERM']);
/** How often the probe looks, while a write has failed (only then). */
export const PROBE_EVERY_MS = 2000;

/**
 * Whether the embedded engine's files take writes: a file whose last write failed (a full disk, a read-only
 * remount) is named until it is known writable again. /healthz said "ok" while every declare and subscribe
 * answered 503 `storage_unavailable`, so a monitor could not tell that the Comms Lead could not publish. It
 * then said "degraded" after the disk was freed, until the very file that failed was written again (a journal
 * waits for the next subscribe): so a write that succeeds clears a read-only folder's failures there, and
 * while any failure stands a probe looks every PROBE_EVERY_MS, without writing, whether it has ended.
 */
export class WriteHealth {
  /** The files whose last write failed, oldest first: its error code, and the failure's number (a probe clears only the one it looked at). */
  private readonly failing = new Map<string, { code: string; seq: number }>();
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private probing = false;

  private readonly probeEveryMs: number;

  constructor(probeEveryMs = PROBE_EVERY_MS) {
    this.probeEveryMs = probeEveryMs;
  }

  /** Records the outcome of a write to `file` (its path): an error code, or null when it succeeded. */
  record(file: string, code: string | null): void {
    if (code === null) {
      this.failing.delete(file);
      for (const [other, failure] of this.failing)
        if (FOLDER_WIDE.has(failure.code) && dirname(other) === dirname(file)) this.failing.delete(other);
    } else {
      // The newest code: the probe looks for the end of the failure as it is now.
      this.failing.set(file, { code, seq: ++this.seq });
    }
    this.schedule();
  }

  /** Why writes fail, for /healthz (public: the code and the file's name, never its path), or null. */
  get reason(): string | null {
    if (this.failing.size === 0) return null;
    const which = [...this.failing].map(([file, { code }]) => `${file.split('/').at(-1)} (${code})`);
    return `Writes to the data folder fail: ${which.join(', ')}; changes answer 503 until one succeeds.`;
  }

  /** Looks once whether each failure the probe can see has ended, and forgets those that have. */
  async probe(): Promise<void> {
    for (const [file, { code, seq }] of [...this.failing]) {
      if (!PROBED.has(code) || !(await writableAgain(file, code))) continue;
      if (this.failing.get(file)?.seq === seq) this.failing.delete(file);
    }
    this.schedule();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.failing.size === 0) this.close();
    else if (!this.timer) {
      // One look at a time: a hung file system (NFS) would otherwise pile them up.
      this.timer = setInterval(() => {
        if (this.probing) return;
        this.probing = true;
        void this.probe()
          .catch(() => {})
          .finally(() => {
            this.probing = false;
          });
      }, this.probeEveryMs);
      this.timer.unref();
    }
  }
}

/**
 * Whether `file` would take the write that failed with `code`, seen without writing: its folder and the file
 * may be written (access: a read-only or immutable folder says no, even to root), and for a full disk, there is
 * room for a whole new copy of it and a block more (herald.json is rewritten whole, a journal's compaction too).
 */
async function writableAgain(file: string, code: string): Promise<boolean> {
  try {
    await access(dirname(file), constants.W_OK);
    await access(file, constants.W_OK).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    if (code !== 'ENOSPC') return true;
    const size = await stat(file).then(
      (s) => s.size,
      () => 0,
    );
    const fs = await statfs(dirname(file));
    return fs.bavail * fs.bsize >= size + fs.bsize;
  } catch {
    return false;
  }
}
