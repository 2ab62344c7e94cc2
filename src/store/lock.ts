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

/**
 * When a process started (clock ticks since boot, /proc/<pid>/stat field 22),
 * or null where /proc is not there. A pid alone is reused: after a reboot or a
 * container restart the pid in a stale lock may belong to some other live
 * process, and Herald would refuse to start for good.
 */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether the owner written in a lock (`pid` or `pid starttime`) is still running. */
function ownerAlive(pid: number, recordedStart: string | undefined): boolean {
  if (!isAlive(pid)) return false;
  if (!recordedStart) return true;
  const actual = startTimeOf(pid);
  return actual === null || actual === recordedStart;
}

/** Lock files this process holds: its own pid in a lock means "stale" only when it is not one of these. */
const held = new Set<string>();

/** Creates `file` holding our pid, atomically: it never exists empty (EEXIST when taken). */
function createLockFile(file: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    const started = startTimeOf(process.pid);
    writeSync(fd, started ? `${process.pid} ${started}` : String(process.pid));
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
          if (readFileSync(file, 'utf8').trim().split(/\s+/)[0] === String(process.pid)) unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = NaN;
    let ownerStart: string | undefined;
    try {
      const [pidText, started] = readFileSync(file, 'utf8').trim().split(/\s+/);
      owner = Number(pidText);
      ownerStart = started;
    } catch {
      /* vanished between open and read: retry */
    }
    // Our own pid here is a lock from an earlier life of a container where we are pid 1 again.
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && ownerAlive(owner, ownerStart)) {
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
