import { openSync, writeSync, closeSync, readFileSync, unlinkSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirLocked extends Error {
  constructor(dir: string, pid: number) {
    super(
      `Refusing to start: another Herald (pid ${pid}) is using ${dir}. ` +
        'Herald is a single-writer process; stop the other one or use another DATA_DIR.',
    );
    this.name = 'DataDirLocked';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `DATA_DIR/herald.lock` for this process. A lock left by a dead pid is
 * taken over; a live owner makes this throw. Returns the release function.
 */
export function acquireLock(dir: string): () => void {
  const file = join(dir, 'herald.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, String(process.pid));
      fsyncSync(fd);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = NaN;
    try {
      owner = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    } catch {
      /* vanished between open and read: retry */
    }
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw new DataDirLocked(dir, owner);
    }
    try {
      unlinkSync(file); // stale: its owner is dead (or the file is empty/garbled)
    } catch {
      /* someone else took it over first; the next attempt decides */
    }
  }
  throw new Error(`Could not take the lock ${file}`);
}
