import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A small tmpfs mounted for one test: a real file system that can fill up or turn read-only. */
export interface TestMount {
  dir: string;
  /** Writes a filler file until the file system answers ENOSPC. */
  fill(): void;
  /** Deletes the filler. */
  unfill(): void;
  /**
   * Makes the folder refuse new files and renames, even to root: the
   * immutable attribute (chattr +i). A `mount -o remount,ro` is refused by the
   * kernel ("busy") while Herald keeps a journal open for appends, so a
   * read-only remount cannot be staged under a running Herald.
   */
  readOnly(): void;
  readWrite(): void;
  unmount(): void;
}

const run = (args: string[]) => execFileSync('mount', args, { stdio: 'pipe' });
const umount = (args: string[]) => execFileSync('umount', args, { stdio: 'pipe' });

/**
 * Why real mounts (and the immutable attribute) cannot be used here, or null when they can. As root, chmod
 * does not stop writes, so read-only and disk-full need real mounts (root or
 * CAP_SYS_ADMIN); the tests using them skip with this reason otherwise.
 */
export function mountUnavailableReason(): string | null {
  let m: TestMount | null = null;
  try {
    m = mountTmpfs(64);
    m.readOnly();
    m.readWrite();
    return null;
  } catch (err) {
    return `cannot mount a tmpfs and set chattr +i here (${(err as Error).message.split('\n')[0]}); needs root or CAP_SYS_ADMIN and e2fsprogs`;
  } finally {
    m?.unmount();
  }
}

export function mountTmpfs(sizeKb: number): TestMount {
  const dir = mkdtempSync(join(tmpdir(), 'herald-mnt-'));
  try {
    run(['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0700`, 'tmpfs', dir]);
  } catch (err) {
    rmdirSync(dir);
    throw err;
  }
  const filler = join(dir, 'filler.bin');
  let mounted = true;
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      try {
        for (const size of [65536, 4096, 512, 1]) {
          const chunk = Buffer.alloc(size, 0x78);
          try {
            for (;;) writeSync(fd, chunk);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    unfill() {
      rmSync(filler, { force: true });
    },
    readOnly() {
      execFileSync('chattr', ['+i', dir], { stdio: 'pipe' });
    },
    readWrite() {
      execFileSync('chattr', ['-i', dir], { stdio: 'pipe' });
    },
    unmount() {
      if (!mounted) return;
      mounted = false;
      try {
        umount([dir]);
      } catch {
        umount(['-l', dir]);
      }
      rmdirSync(dir);
    },
  };
}
