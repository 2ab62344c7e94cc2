import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { runHeraldExpectingExit, startHerald, type HeraldProcess } from '../helpers/server.ts';
import { DB_SCHEMA_VERSION, emptyDb } from '../../src/domain/model.ts';
import { mountTmpfs, mountUnavailableReason, type TestMount } from '../helpers/mounts.ts';
import { until } from '../helpers/poll.ts';
import { subscribe } from '../helpers/mail-flow.ts';
import { signIn } from '../helpers/console-session.ts';

const skipReason = mountUnavailableReason();
if (skipReason) console.warn(`storage-failure tests skipped: ${skipReason}`);

let herald: HeraldProcess | null = null;
let mount: TestMount | null = null;
afterEach(async () => {
  try {
    mount?.unfill();
    mount?.readWrite();
  } catch {
    // already writable
  }
  await herald?.stop();
  mount?.unmount();
  herald = null;
  mount = null;
});

const componentNamesOnDisk = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, 'herald.json'), 'utf8')) as { components: Array<{ name: string }> }).components
    .map((c) => c.name)
    .sort();
const componentNamesInMemory = async (h: HeraldProcess) =>
  ((await (await h.admin('/components')).json()) as { components: Array<{ name: string }> }).components.map((c) => c.name).sort();

/** What /healthz says of the storage. */
const healthOf = async (h: HeraldProcess) =>
  (await (await fetch(`${h.url}/healthz`)).json()) as { status: string; storage: { healthy: boolean; reason: string | null } };

/** Every write kind the admin API has answers 503 storage_unavailable, and nothing changes. */
async function expectWritesRefused(h: HeraldProcess, dir: string, before: string[]) {
  const incidentsBefore = ((await (await h.admin('/incidents')).json()) as { incidents: unknown[] }).incidents.length;
  const attempts = [
    h.admin('/components', { body: { name: 'Added while broken' } }),
    h.admin('/incidents', { body: { name: 'Declared while broken', impact: 'major', body: 'Investigating.' } }),
    h.admin('/components/first', { method: 'PATCH', body: { status: 'major_outage' } }),
  ];
  for (const res of await Promise.all(attempts)) {
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('storage_unavailable');
    expect(body.error.message).toMatch(/could not be saved/i);
  }
  // Memory equals disk equals the state before the failed writes.
  expect(await componentNamesInMemory(h)).toEqual(before);
  expect(componentNamesOnDisk(dir)).toEqual(before);
  expect(((await (await h.admin('/incidents')).json()) as { incidents: unknown[] }).incidents.length).toBe(incidentsBefore);
  const status = (await (await h.admin('/components/first')).json()) as { status: string };
  expect(status.status).toBe('operational');
  // Reads keep serving.
  const home = await fetch(`${h.url}/`);
  expect(home.status).toBe(200);
  expect(await home.text()).toContain('First');
  // The health check tells of it (before: "ok", healthy, while every change answered 503), naming no path.
  expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  const said = await healthOf(h);
  expect(said).toMatchObject({ status: 'degraded', storage: { healthy: false } });
  expect(said.storage.reason).toMatch(/^Writes to the data folder fail: herald\.json \((ENOSPC|EACCES|EPERM|EROFS)\)/);
  expect(said.storage.reason).not.toContain(dir);
  const summary = await fetch(`${h.url}/api/v2/summary.json`);
  expect(summary.status).toBe(200);
  // No temp file is left behind by a failed write.
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
}

async function startOnMount(sizeKb: number) {
  mount = mountTmpfs(sizeKb);
  // No static copy here: its refresh (and the clean-up of a refresh that hit ENOSPC) would
  // free and take space on the same mount while the test fills it. Covered in static-fallback.
  herald = await startHerald({ dataDir: mount.dir, env: { STATIC_SNAPSHOT: 'false' } });
  for (const [id, name] of [
    ['first', 'First'],
    ['second', 'Second'],
  ]) {
    expect((await herald.admin('/components', { body: { id, name } })).status).toBe(201);
  }
  return { h: herald, m: mount, before: ['First', 'Second'] };
}

describe.skipIf(skipReason !== null)('storage failures (real tmpfs mounts)', () => {
  it('disk full: writes answer 503 storage_unavailable, memory equals disk, reads keep serving, writes resume once space is back', async () => {
    const { h, m, before } = await startOnMount(1024);
    expect(await healthOf(h)).toMatchObject({ status: 'ok', storage: { healthy: true } });
    m.fill();
    await expectWritesRefused(h, m.dir, before);
    // One line per failed write, naming the file and the error (before: the whole error, an 11-line stack trace, each time).
    const logged = h
      .output()
      .split('\n')
      .filter((l) => l.includes('a write to'));
    expect(logged.length).toBeGreaterThanOrEqual(3);
    for (const line of logged)
      expect(line).toBe(
        `[herald] a write to ${join(m.dir, 'herald.json')} failed (ENOSPC: no space left on device, write); nothing was changed.`,
      );
    expect(h.output()).not.toMatch(/\n\s+at /);
    m.unfill();
    expect((await h.admin('/components', { body: { name: 'After space came back' } })).status).toBe(201);
    expect(componentNamesOnDisk(m.dir)).toContain('After space came back');
    // A write that succeeds ends the degraded report.
    expect(await healthOf(h)).toMatchObject({ status: 'ok', storage: { healthy: true, reason: null } });
  });

  it('read-only data folder (immutable even to root): writes answer 503 storage_unavailable, memory equals disk, reads keep serving, writes resume when writable', async () => {
    const { h, m, before } = await startOnMount(1024);
    m.readOnly();
    await expectWritesRefused(h, m.dir, before);
    m.readWrite();
    expect((await h.admin('/components', { body: { name: 'After remount' } })).status).toBe(201);
    expect(componentNamesOnDisk(m.dir)).toContain('After remount');
    // A write that succeeds ends the degraded report.
    expect(await healthOf(h)).toMatchObject({ status: 'ok', storage: { healthy: true, reason: null } });
  });

  // From a review: the sign-in's audit record was written before the cookie was given, so with the data folder
  // refusing writes nobody could open the console (503), where a full disk shows; and a sign-out said 503,
  // "nothing was changed", though its session had ended.
  it('read-only data folder: the console still signs in and out; the log says the audit did not record them', async () => {
    const { h, m } = await startOnMount(1024);
    m.readOnly();
    const s = await signIn(h, 'Dana');
    expect((await fetch(`${h.url}/admin`, { headers: { cookie: s.cookie } })).status).toBe(200);
    const out = await s.post('/admin/logout', {});
    expect(out.status).toBe(303);
    expect((await fetch(`${h.url}/admin`, { headers: { cookie: s.cookie }, redirect: 'manual' })).status).toBe(303);
    expect(h.output()).toContain('[console] session.sign_in of console:Dana not recorded in the audit log');
    expect(h.output()).toContain('[console] session.sign_out of console:Dana not recorded in the audit log');
  });
});

describe.skipIf(skipReason !== null)('/healthz after a full disk is fixed (real tmpfs)', () => {
  const env = {
    STATIC_SNAPSHOT: 'false',
    SITE_URL: 'https://status.example.test',
    SUBSCRIBE_LIMIT_PER_IP: '100000',
    SUBSCRIBE_LIMIT_PER_ADDRESS: '100',
    SUBSCRIBE_LIMIT_PER_ADDRESS_PER_DAY: '100',
  };

  it('a journal append that failed: ok again once space is back, without waiting for a write to that journal', async () => {
    mount = mountTmpfs(1024);
    herald = await startHerald({ dataDir: mount.dir, env });
    const h = herald;
    mount.fill();
    // The journal's last page may have room for a few lines: subscribe until an append needs a page the disk lacks.
    let refused: Response | null = null;
    for (let i = 0; i < 500 && !refused; i++) {
      const res = await subscribe(h, { email: `reader-${i}@example.com` });
      if (res.status === 503) refused = res;
      else expect(res.status).toBe(202);
    }
    expect(refused, 'a subscribe refused on the full disk').not.toBeNull();
    expect(((await refused!.json()) as { error: { code: string } }).error.code).toBe('storage_unavailable');
    expect((await healthOf(h)).storage.reason).toMatch(/subscribers\.jsonl \(ENOSPC\)/);

    mount.unfill();
    const declared = await h.admin('/incidents', {
      body: { name: 'After the disk was freed', impact: 'minor', body: 'Investigating.', notify: false },
    });
    expect(declared.status).toBe(201);
    // Before: still "degraded: subscribers.jsonl (ENOSPC)" until a subscribe wrote that journal again. Now the probe
    // sees the room within seconds (a write elsewhere proves nothing on a full disk: see the unit test).
    await until(async () => (await healthOf(h)).status === 'ok', '/healthz ok once the disk has room', 10_000);
    expect(await healthOf(h)).toMatchObject({ storage: { healthy: true, reason: null } });
  });

  it('with no write after space is back: degraded while the disk stays full, ok within seconds once it is freed, without /healthz writing', async () => {
    mount = mountTmpfs(1024);
    herald = await startHerald({ dataDir: mount.dir, env });
    const h = herald;
    mount.fill();
    const res = await h.admin('/incidents', { body: { name: 'On a full disk', impact: 'minor', body: 'Investigating.', notify: false } });
    expect(res.status).toBe(503);
    const written = statSync(join(mount.dir, 'herald.json')).mtimeMs;
    // Longer than the probe's looks (every 2 s): a disk still full is never reported ok.
    for (const end = Date.now() + 3000; Date.now() < end; await sleep(250))
      expect(await healthOf(h)).toMatchObject({ status: 'degraded', storage: { healthy: false } });

    mount.unfill();
    // Before: "degraded" for as long as nothing wrote herald.json again (timed out).
    await until(async () => (await healthOf(h)).status === 'ok', '/healthz ok once the disk has room', 10_000);
    expect(await healthOf(h)).toMatchObject({ storage: { healthy: true, reason: null } });
    expect(statSync(join(mount.dir, 'herald.json')).mtimeMs).toBe(written);
    expect(readdirSync(mount.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe.skipIf(skipReason !== null)(
  'a start on a full disk (real tmpfs): one line naming DATA_DIR and the room it needs, no stack',
  () => {
    const env = (dir: string) => ({ DATA_DIR: dir, STATIC_SNAPSHOT: 'false', DATABASE_URL: '' });

    it('a DATA_DIR with no room for the lock', async () => {
      mount = mountTmpfs(256);
      mount.fill();
      const { code, output } = await runHeraldExpectingExit(env(mount.dir));
      expect(code).toBe(1);
      // Before: an uncaught "Error: ENOSPC: no space left on device, write … at createLockFile (src/store/lock.ts:67)".
      expect(output.trim()).toBe(
        `herald: Refusing to start: ${join(mount.dir, 'herald.lock')} could not be written: no space left on its disk ` +
          '(ENOSPC: no space left on device, write). Free some space in DATA_DIR and start again.',
      );
      expect(readdirSync(mount.dir).sort()).toEqual(['filler.bin']);
    });

    it('an older herald.json to upgrade, with room for the lock but not for the copy kept beside it', async () => {
      mount = mountTmpfs(256);
      const file = join(mount.dir, 'herald.json');
      const old = JSON.stringify({ ...emptyDb('older', new Date().toISOString()), schema_version: DB_SCHEMA_VERSION - 1 });
      writeFileSync(file, old, { mode: 0o600 });
      // One page kept free (the lock's): the backup of herald.json needs another.
      const spacer = join(mount.dir, 'spacer');
      writeFileSync(spacer, Buffer.alloc(4096));
      mount.fill();
      rmSync(spacer);
      const { code, output } = await runHeraldExpectingExit(env(mount.dir));
      expect(code).toBe(1);
      // Before: an 11-line stack from keepBeforeUpgrade, then "The change could not be saved (ENOSPC); nothing was
      // changed. Reads keep working." (no Herald was left to read), never saying the upgrade needs room for a copy.
      const kb = (bytes: number) => Math.ceil(bytes / 1024);
      const upgraded = kb(Buffer.byteLength(old)); // about the same length: the test reads the number Herald gives
      const said = output.trim();
      expect(said).toMatch(
        new RegExp(
          `^herald: Refusing to start: upgrading ${file} from schema version ${DB_SCHEMA_VERSION - 1} to ${DB_SCHEMA_VERSION} failed ` +
            '\\(ENOSPC: no space left on device, write\\); it has not been changed\\. The upgrade first keeps the file as it was beside it ' +
            `\\(herald\\.json\\.v${DB_SCHEMA_VERSION - 1}\\.bak, ${kb(Buffer.byteLength(old))} KB\\), then writes the upgraded one \\((\\d+) KB\\): ` +
            `free at least (\\d+) KB in DATA_DIR \\(${mount.dir}\\) and start again\\.$`,
        ),
      );
      const [, newKb, atLeast] = /one \((\d+) KB\): free at least (\d+) KB/.exec(said)!;
      expect(Math.abs(Number(newKb) - upgraded)).toBeLessThanOrEqual(1);
      expect(Number(atLeast)).toBe(kb(Buffer.byteLength(old)) + Number(newKb));
      expect(readFileSync(file, 'utf8')).toBe(old);
      expect(existsSync(join(mount.dir, 'herald.lock'))).toBe(false);
      expect(readdirSync(mount.dir).sort()).toEqual(['filler.bin', 'herald.json']);
    });
  },
);
