import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { acquireLock } from '../../src/store/lock.ts';
import { removeDir, tempDataDir } from '../helpers/server.ts';
import { until } from '../helpers/poll.ts';

/**
 * Taking over a stale DATA_DIR lock must be one step: of several processes
 * that find the same stale lock at the same moment, exactly one may end up
 * holding it (two Heralds writing one DATA_DIR corrupt it). And an owner that
 * has exited but was not reaped yet (a zombie) is dead.
 */

/**
 * Rounds: with the old read-then-unlink takeover, two of three racers both
 * held the lock in about 1 round in 80 on a 2-core machine (11 to 14 rounds
 * in 1,000), so 40 rounds would often miss it. Racers stay loaded between
 * rounds, so a round costs milliseconds and 1,000 rounds are affordable.
 */
const ROUNDS = 1_000;
const RACERS = 3;
const LOCK_MODULE = new URL('../../src/store/lock.ts', import.meta.url).href;

const dirs: string[] = [];
const tmp = () => {
  const d = tempDataDir('herald-lock-race-');
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d);
});

const hasProc = existsSync('/proc/self/stat');

/** /proc/<pid>/stat's state letter and start time (field 22), counted from the last ')'. */
function procStat(pid: number): { state: string; started: string } | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
    return { state: fields[0]!, started: fields[19]! };
  } catch {
    return null;
  }
}

/** What a Herald that died would leave: the pid of an exited (and reaped) process, and the start time it had. */
async function staleLockText(): Promise<string> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const started = procStat(child.pid!)?.started;
  child.kill('SIGKILL');
  await exited;
  return started ? `${child.pid} ${started}` : String(child.pid);
}

/**
 * A racer: a process that has loaded lock.ts and waits. Given a directory it
 * calls acquireLock once and answers WON, LOCKED or ERROR; a winner keeps the
 * lock until told `release` (after every racer of the round answered), so two
 * WONs in a round are two processes holding the lock at the same time.
 */
const RACER = `
  import { acquireLock } from ${JSON.stringify(LOCK_MODULE)};
  import { createInterface } from 'node:readline';
  let release = null;
  process.stdout.write('READY\\n');
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'release') {
      release();
      release = null;
      process.stdout.write('RELEASED\\n');
      return;
    }
    try {
      release = acquireLock(line);
    } catch (e) {
      process.stdout.write((e.name === 'DataDirLocked' ? 'LOCKED' : 'ERROR ' + e.message) + '\\n');
      return;
    }
    process.stdout.write('WON\\n');
  });`;

interface Racer {
  proc: ChildProcess;
  send(line: string): void;
  next(): Promise<string>;
}

function startRacer(): Racer {
  const proc = spawn(process.execPath, ['--input-type=module', '-e', RACER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else lines.push(line);
  });
  proc.once('exit', (code, signal) => {
    for (const w of waiting.splice(0)) w(`EXITED ${code ?? signal}`);
  });
  return {
    proc,
    send: (line) => void proc.stdin!.write(`${line}\n`),
    next: () => (lines.length ? Promise.resolve(lines.shift()!) : new Promise((resolve) => waiting.push(resolve))),
  };
}

describe('taking over a stale DATA_DIR lock', () => {
  let racers: Racer[] = [];
  beforeAll(async () => {
    racers = Array.from({ length: RACERS }, startRacer);
    expect(await Promise.all(racers.map((r) => r.next()))).toEqual(Array(RACERS).fill('READY'));
  });
  afterAll(async () => {
    await Promise.all(
      racers.map((r) => {
        if (r.proc.exitCode !== null || r.proc.signalCode !== null) return null;
        const exited = new Promise((resolve) => r.proc.once('exit', resolve));
        r.proc.kill();
        return exited;
      }),
    );
  });

  it(`of ${RACERS} processes that find the same stale lock at once, exactly one holds it (${ROUNDS} rounds)`, {
    timeout: 180_000,
  }, async () => {
    // The start time is in the lock, so even if the dead pid were reused meanwhile the lock stays stale.
    const stale = await staleLockText();
    const expected = ['WON', ...Array(RACERS - 1).fill('LOCKED')].sort().join(' ');
    const bad: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const dir = tmp();
      writeFileSync(join(dir, 'herald.lock'), stale);
      for (const r of racers) r.send(dir); // each is loaded and waiting: they start together
      const answers = await Promise.all(racers.map((r) => r.next()));
      // Every racer has answered while the winners still hold the lock; now they let go.
      const release = (r: Racer) => {
        r.send('release');
        return r.next();
      };
      const released = await Promise.all(racers.map((r, i) => (answers[i] === 'WON' ? release(r) : 'RELEASED')));
      expect(released, `round ${round}: winners released`).toEqual(Array(RACERS).fill('RELEASED'));
      const outcome = [...answers].sort().join(' ');
      if (outcome !== expected) bad.push(`round ${round}: ${outcome}`);
      // Released: no lock (and no takeover lock or temp file) is left behind.
      else expect(readdirSync(dir), `round ${round}`).toEqual([]);
      removeDir(dirs.pop()!);
    }
    expect(bad, `rounds without exactly one WON and the rest LOCKED (${expected})`).toEqual([]);
  });
});

describe.skipIf(!hasProc)('a zombie owner', () => {
  let parent: ChildProcess | undefined;
  afterEach(async () => {
    if (parent && parent.exitCode === null && parent.signalCode === null) {
      const exited = new Promise((resolve) => parent!.once('exit', resolve));
      parent.kill('SIGKILL');
      await exited;
    }
    parent = undefined;
  });

  /** A process that has exited but is not reaped: its parent (sh exec'd into sleep) never waits for it. */
  async function zombie(): Promise<{ pid: number; started: string }> {
    parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = Number(await new Promise<string>((resolve) => createInterface({ input: parent!.stdout! }).once('line', resolve)));
    // Poll with a generous upper bound until the kernel reports it as a zombie.
    await until(
      () => procStat(pid)?.state === 'Z',
      () => `/proc/${pid}/stat to show a zombie (state ${procStat(pid)?.state})`,
      10_000,
      50,
    );
    const stat = procStat(pid);
    expect(stat?.state, `/proc/${pid}/stat state`).toBe('Z');
    return { pid, started: stat!.started };
  }

  it.each([
    ['pid and start time', (z: { pid: number; started: string }) => `${z.pid} ${z.started}`],
    ['pid only', (z: { pid: number; started: string }) => String(z.pid)],
  ])('counts as dead: its lock (%s) is taken over', async (_what, text) => {
    const z = await zombie();
    const dir = tmp();
    writeFileSync(join(dir, 'herald.lock'), text(z));
    const release = acquireLock(dir);
    expect(readFileSync(join(dir, 'herald.lock'), 'utf8')).toMatch(new RegExp(`^${process.pid} \\d+ \\d+:\\d+$`));
    release();
    expect(existsSync(join(dir, 'herald.lock'))).toBe(false);
    // It was still a zombie throughout: the takeover did not just wait for it to be reaped.
    expect(procStat(z.pid)?.state).toBe('Z');
  });
});
