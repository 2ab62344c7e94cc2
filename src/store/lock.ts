import { openSync, writeSync, closeSync, readFileSync, unlinkSync, fsyncSync, linkSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { withPath } from './system-message.ts';

export class DataDirLocked extends Error {
  constructor(dir: string, pid: number) {
    super(
      `Refusing to start: another Herald (pid ${pid}) is using ${dir}. ` +
        'Herald is a single-writer process; stop the other one or use another DATA_DIR.',
    );
    this.name = 'DataDirLocked';
  }
}

/** What /proc says of a process: its state letter and when it started (clock ticks since boot). */
function procStat(pid: number): { state: string; started: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', started: fields[19] ?? '' };
  } catch {
    return null;
  }
}

/**
 * Whether the owner written in a lock (`pid` or `pid starttime`) is still
 * running. A pid alone is reused (after a reboot or a container restart the
 * pid in a stale lock may belong to some other live process), so where /proc
 * is there the start time must match too; a zombie (state Z) has exited.
 */
function ownerAlive(pid: number, recordedStart: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(pid);
  if (stat === null) return true;
  if (stat.state === 'Z') return false;
  return !recordedStart || stat.started === recordedStart;
}

/**
 * The folder a lock file sits in, as `dev:ino`. A copy of a running DATA_DIR (`cp -a`, a backup restored on
 * the same host) carries its herald.lock, naming the live Herald of the original: recorded in the lock, the
 * folder's identity tells that copy from the folder the owner really locked.
 */
function folderIdentity(file: string): string {
  const st = statSync(dirname(file), { bigint: true });
  return `${st.dev}:${st.ino}`;
}

/** Lock files this process holds: its own pid in a lock means "stale" only when it is not one of these. */
const held = new Set<string>();

/**
 * Creates `file` holding our pid, start time and folder (`pid starttime dev:ino`, the start time `-` where there
 * is no /proc), atomically (link of a whole temp file): it never exists empty; EEXIST when taken.
 */
function createLockFile(file: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    const started = procStat(process.pid)?.started;
    writeSync(fd, `${process.pid} ${started || '-'} ${folderIdentity(file)}`);
    fsyncSync(fd);
  } catch (err) {
    // A full disk refuses the write, not the open: the half-made temp file goes, and the error names the lock.
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw withPath(err, file);
  }
  closeSync(fd);
  try {
    linkSync(tmp, file);
  } finally {
    unlinkSync(tmp);
  }
}

/** The lock's text, or null when it is not there. */
function readLock(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Whether a lock's text names a running process other than this one's own earlier life, holding this folder:
 * a lock copied from another folder is stale whoever runs there. Locks written before the folder was
 * recorded (`pid` or `pid starttime`) are judged by the process alone.
 */
function liveOwner(text: string, file: string): number | null {
  const [pidText, recorded, folder] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return null; // garbled: a crash while writing it
  if (folder !== undefined && folder !== folderIdentity(file)) return null;
  const started = recorded === '-' ? undefined : recorded;
  // Our own pid here is a lock from an earlier life of a container where we are pid 1 again.
  if (pid === process.pid && !held.has(file)) return null;
  return ownerAlive(pid, started) ? pid : null;
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Removes a stale lock whose text was `seen`, unless it changed meanwhile.
 * Taking over must be one step: a racer that read the same stale lock must
 * not delete the fresh lock of the racer that took it over first. So only
 * the holder of a second lock, `herald.lock.takeover`, may delete, and only
 * after reading the lock again under it. A takeover lock left by a process
 * that died inside those few instructions is itself stale and removed.
 */
function removeStale(file: string, seen: string): void {
  const takeover = `${file}.takeover`;
  try {
    createLockFile(takeover);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const other = readLock(takeover);
    if (other !== null && liveOwner(other, takeover) === null) {
      try {
        unlinkSync(takeover);
      } catch {
        /* another racer removed it first */
      }
    }
    pause(5); // someone else is taking over: look again shortly
    return;
  }
  try {
    if (readLock(file) === seen) unlinkSync(file);
  } finally {
    unlinkSync(takeover);
  }
}

/**
 * Takes `DATA_DIR/herald.lock` for this process. A lock left by a dead pid is
 * taken over; a live owner makes this throw. Returns the release function.
 */
export function acquireLock(dir: string): () => void {
  const file = join(dir, 'herald.lock');
  if (held.has(file)) throw new DataDirLocked(dir, process.pid);
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      createLockFile(file);
      held.add(file);
      return () => {
        held.delete(file);
        if (readLock(file)?.trim().split(/\s+/)[0] === String(process.pid)) {
          try {
            unlinkSync(file);
          } catch {
            /* already gone */
          }
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const text = readLock(file);
    if (text === null) continue; // vanished between the link and the read: try again
    const owner = liveOwner(text, file);
    if (owner !== null) throw new DataDirLocked(dir, owner);
    removeStale(file, text);
  }
  throw new Error(`Could not take the lock ${file}: it keeps changing hands.`);
}
