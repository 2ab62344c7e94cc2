import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { acquireLock, DataDirLocked } from '../../src/store/lock.ts';
import { removeDir, tempDataDir } from '../helpers/server.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = tempDataDir('herald-lock-');
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d);
});

const ownerOf = (dir: string) => Number(readFileSync(join(dir, 'herald.lock'), 'utf8').split(' ')[0]);

/** The pid of a process that has certainly exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('the DATA_DIR lock', () => {
  it('holds our pid while held and disappears on release', () => {
    const dir = tmp();
    const release = acquireLock(dir);
    expect(readFileSync(join(dir, 'herald.lock'), 'utf8')).toMatch(new RegExp(`^${process.pid} \\d+ \\d+:\\d+$`));
    expect(readdirSync(dir)).toEqual(['herald.lock']);
    release();
    expect(existsSync(join(dir, 'herald.lock'))).toBe(false);
  });

  it('refuses while a live process owns it, naming the pid and the folder, and leaves its lock alone', () => {
    const dir = tmp();
    const owner = process.ppid; // alive: it started us
    writeFileSync(join(dir, 'herald.lock'), String(owner));
    let err: unknown;
    try {
      acquireLock(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataDirLocked);
    expect((err as Error).message).toContain(`pid ${owner}`);
    expect((err as Error).message).toContain(dir);
    expect(readFileSync(join(dir, 'herald.lock'), 'utf8')).toBe(String(owner));
  });

  it('takes over a lock whose owner is dead', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'herald.lock'), String(await deadPid()));
    const release = acquireLock(dir);
    expect(ownerOf(dir)).toBe(process.pid);
    release();
  });

  it.skipIf(!existsSync('/proc/self/stat'))(
    'takes over a lock whose pid now belongs to another process (pid reused after a reboot or container restart)',
    () => {
      const dir = tmp();
      const parentStart = readFileSync(`/proc/${process.ppid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19];
      writeFileSync(join(dir, 'herald.lock'), `${process.ppid} ${Number(parentStart) + 1}`);
      const release = acquireLock(dir);
      expect(ownerOf(dir)).toBe(process.pid);
      release();
      // With its real start time the same pid is a live owner.
      writeFileSync(join(dir, 'herald.lock'), `${process.ppid} ${parentStart}`);
      expect(() => acquireLock(dir)).toThrow(DataDirLocked);
    },
  );

  it.skipIf(!existsSync('/proc/self/stat'))(
    'takes over a lock copied with its folder (cp -a of a running DATA_DIR, a backup restored beside it): its live owner holds another folder',
    () => {
      const original = tmp();
      const copy = tmp();
      const parentStart = readFileSync(`/proc/${process.ppid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19];
      const identity = (dir: string) => {
        const st = statSync(dir, { bigint: true });
        return `${st.dev}:${st.ino}`;
      };
      // What the live owner (our parent, standing in for the production Herald) wrote in the original.
      const live = `${process.ppid} ${parentStart} ${identity(original)}`;
      writeFileSync(join(original, 'herald.lock'), live);
      writeFileSync(join(copy, 'herald.lock'), live);
      // Before: "another Herald (pid N) is using <copy>".
      const release = acquireLock(copy);
      expect(ownerOf(copy)).toBe(process.pid);
      release();
      // In the folder it was written for, the same lock is the live owner's.
      expect(() => acquireLock(original)).toThrow(DataDirLocked);
      expect(readFileSync(join(original, 'herald.lock'), 'utf8')).toBe(live);
    },
  );

  it.each([
    ['empty', ''],
    ['garbled', 'not a pid\n'],
  ])('takes over an %s lock file: it then holds our pid, and release removes it', (_name, content) => {
    const dir = tmp();
    writeFileSync(join(dir, 'herald.lock'), content);
    const release = acquireLock(dir);
    expect(readFileSync(join(dir, 'herald.lock'), 'utf8')).toMatch(new RegExp(`^${process.pid} \\d+ \\d+:\\d+$`));
    expect(readdirSync(dir)).toEqual(['herald.lock']);
    release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('takes over a lock with our own pid from an earlier life (pid 1 in a restarted container): it then holds our pid with our start time', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'herald.lock'), String(process.pid));
    const release = acquireLock(dir);
    // Rewritten by this life (with its start time), not merely left as the earlier life wrote it.
    expect(readFileSync(join(dir, 'herald.lock'), 'utf8')).toMatch(new RegExp(`^${process.pid} \\d+ \\d+:\\d+$`));
    expect(() => acquireLock(dir)).toThrow(DataDirLocked);
    release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a second open of the same folder inside one process', () => {
    const dir = tmp();
    const release = acquireLock(dir);
    expect(() => acquireLock(dir)).toThrow(DataDirLocked);
    release();
    acquireLock(dir)();
  });

  it('release leaves a lock that another process has since taken', () => {
    const dir = tmp();
    const release = acquireLock(dir);
    writeFileSync(join(dir, 'herald.lock'), String(process.ppid));
    release();
    expect(readFileSync(join(dir, 'herald.lock'), 'utf8')).toBe(String(process.ppid));
  });

  it('of several processes starting at once, exactly one gets the lock', async () => {
    const dir = tmp();
    const module = pathToFileURL(join(process.cwd(), 'src/store/lock.ts')).href;
    // Each child reports, then a winner holds the lock until the test lets go (stdin closes).
    const script = `
      import { acquireLock } from ${JSON.stringify(module)};
      try { acquireLock(process.env.DIR); process.stdout.write('got'); process.stdin.resume(); process.stdin.on('end', () => process.exit(0)); }
      catch (e) { process.stdout.write(e.name); process.exit(0); }`;
    const children = Array.from({ length: 5 }, () =>
      spawn(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, DIR: dir },
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    );
    const answers = await Promise.all(
      children.map(
        (child) =>
          new Promise<string>((resolve) => {
            let out = '';
            child.stdout!.on('data', (d) => {
              out += d;
              if (out === 'got' || out === 'DataDirLocked') resolve(out);
            });
            child.once('exit', () => resolve(out));
          }),
      ),
    );
    for (const child of children) child.stdin!.end();
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)));
    expect(answers.filter((a) => a === 'got')).toHaveLength(1);
    expect(answers.filter((a) => a === 'DataDirLocked')).toHaveLength(4);
  });
});
