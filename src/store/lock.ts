import { openSync, writeSync, closeSync, readFileSync, unlinkSync, fsyncSync, linkSync } from 'node:fs';
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

/** Lock files this process holds: its own pid in a lock means "stale" only when it is not one of these. */
const held = new Set<string>();

/** Creates `file` holding our pid, atomically: it never exists empty (EEXIST when taken). */
function createLockFile(file: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, String(process.pid));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * Takes `DATA_DIR/herald.lock` for this process. A lock left by a dead pid is
 * taken over; a live owner makes this throw. Returns the release function.
 */
export function acquireLock(dir: string): () => void {
  const file = join(dir, 'herald.lock');
  if (held.has(file)) throw new DataDirLocked(dir, process.pid);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      createLockFile(file);
      held.add(file);
      return () => {
        held.delete(file);
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
    // Our own pid here is a lock from an earlier life of a container where we are pid 1 again.
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw new DataDirLocked(dir, owner);
    }
    try {
      unlinkSync(file); // stale: its owner is dead (or the file is garbled)
    } catch {
      /* someone else took it over first; the next attempt decides */
    }
  }
  throw new Error(`Could not take the lock ${file}`);
}
