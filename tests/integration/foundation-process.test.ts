import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runHeraldExpectingExit, startHerald, tempDataDir, TEST_TOKEN, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { banner, trail } from '../helpers/page.ts';
import { LISTENING_SOCKETS } from '../../src/http/listen.ts';
import { rawHttp } from '../helpers/raw-http.ts';

const dirs: string[] = [];
const running: HeraldProcess[] = [];
const start = async (opts: Parameters<typeof startHerald>[0]) => {
  const h = await startHerald(opts);
  running.push(h);
  return h;
};
afterAll(() => stopAll(...running.map((h) => () => h.kill()), ...dirs));
const newDir = () => {
  const d = tempDataDir();
  dirs.push(d);
  return d;
};
const lockOwner = (dataDir: string) => Number(readFileSync(join(dataDir, 'herald.lock'), 'utf8').split(' ')[0]);
const json = async (res: Response) => {
  expect(res.status, res.url).toBeLessThan(300);
  return res.json();
};

describe('one DATA_DIR, one Herald: restart, a second instance, a crash', () => {
  it('keeps everything across a restart, refuses a second instance while the first lives, takes over after a crash', async () => {
    const dataDir = newDir();
    const first = await start({ dataDir });
    await json(await first.admin('/components', { body: { id: 'api', name: 'API', group: 'Core' } }));
    const inc = await json(
      await first.admin('/incidents', {
        body: { name: 'Slow API', impact: 'minor', body: 'Looking.', components: { api: 'degraded_performance' } },
      }),
    );
    await json(await first.admin(`/incidents/${inc.id}/updates`, { body: { status: 'identified', body: 'Found it.' } }));
    await json(
      await first.admin(`/incidents/${inc.id}/updates/${inc.incident_updates[0].id}`, {
        method: 'PATCH',
        body: { body: 'Looking closely.' },
      }),
    );
    const snapshot = async (h: HeraldProcess) => ({
      incidents: await json(await h.admin('/incidents')),
      components: await json(await h.admin('/components')),
      audit: await json(await h.admin('/audit')),
    });
    const before = await snapshot(first);

    // A second Herald on the same folder is refused and changes nothing.
    const file = join(dataDir, 'herald.json');
    const bytes = readFileSync(file);
    const second = await runHeraldExpectingExit({ DATA_DIR: dataDir });
    expect(second.code).toBe(1);
    expect(second.output).toContain(`herald: Refusing to start: another Herald (pid ${first.proc.pid}) is using ${dataDir}.`);
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect(lockOwner(dataDir)).toBe(first.proc.pid);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);

    // A clean restart keeps every record.
    await first.stop();
    expect(existsSync(join(dataDir, 'herald.lock'))).toBe(false);
    const restarted = await start({ dataDir });
    expect(await snapshot(restarted)).toEqual(before);
    const home = await (await fetch(`${restarted.url}/`)).text();
    expect(banner(home)).toBe('Minor Service Outage');
    expect(trail(home)).toEqual(['Identified', 'Investigating']);

    // A crash (SIGKILL) leaves a lock with a dead pid: the next start takes it over.
    await restarted.kill();
    expect(lockOwner(dataDir)).toBe(restarted.proc.pid);
    const afterCrash = await start({ dataDir });
    expect(lockOwner(dataDir)).toBe(afterCrash.proc.pid);
    expect(await snapshot(afterCrash)).toEqual(before);
    await afterCrash.stop();
  }, 60_000); // three starts and a crash: 24 s of the default 30 on a loaded machine
});

describe('refused starts', () => {
  it.each([
    ['not JSON', '{"schema_version": 1, "components": ['],
    ['JSON of the wrong shape', JSON.stringify({ schema_version: 1, components: [{ id: 'api' }] })],
  ])('a data file that is %s stops the start with a clear message and is left byte-identical', async (_name, content) => {
    const dataDir = newDir();
    const file = join(dataDir, 'herald.json');
    writeFileSync(file, content);
    const { code, output } = await runHeraldExpectingExit({ DATA_DIR: dataDir });
    expect(code).toBe(1);
    expect(output).toContain(`herald: Refusing to start: ${file} is not a valid Herald data file`);
    expect(output).toContain('It has not been changed.');
    expect(output).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(readFileSync(file, 'utf8')).toBe(content);
    expect(existsSync(join(dataDir, 'herald.lock'))).toBe(false);
  });

  it('a port in use stops the start with a clear message and leaves no lock behind', async () => {
    const dataDir = newDir();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, output } = await runHeraldExpectingExit({ DATA_DIR: dataDir, PORT: String(port) });
      expect(code).toBe(1);
      expect(output).toContain(`herald: Refusing to start: 127.0.0.1:${port} is already in use.`);
      expect(output).not.toMatch(/\n\s+at /);
      expect(existsSync(join(dataDir, 'herald.lock'))).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('listens with several sockets on its port (see src/http/listen.ts), yet a second Herald on that port is refused', async () => {
    const first = await start({ dataDir: newDir() });
    const port = Number(new URL(first.url).port);
    const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    const listeners = () =>
      readFileSync('/proc/net/tcp', 'utf8')
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f[1]?.endsWith(hex) && f[3] === '0A').length;
    expect(listeners()).toBe(LISTENING_SOCKETS);

    const { code, output } = await runHeraldExpectingExit({ DATA_DIR: newDir(), PORT: String(port) });
    expect(code).toBe(1);
    expect(output).toContain(`herald: Refusing to start: 127.0.0.1:${port} is already in use.`);
    expect(listeners()).toBe(LISTENING_SOCKETS);
    // Fresh connections, spread over the sockets by the kernel, all reach the first Herald.
    const statuses = await Promise.all(
      Array.from({ length: 64 }, () => fetch(`${first.url}/healthz`, { headers: { connection: 'close' } }).then((r) => r.status)),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    // HTTP/1.0 without a Host header, as load balancers' health checks send it (HAProxy's httpchk), is answered.
    const raw = await rawHttp(port, '127.0.0.1', 'GET /healthz HTTP/1.0\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 200 /);
    expect(raw).toContain('"status":"ok"');
    // Mail with nothing paused (here: no SMTP_URL, messages written to the outbox folder).
    expect(raw).toContain('"mail":{"status":"ok","paused_at":null}');
    await first.stop();
    expect(listeners()).toBe(0);
  });

  it('a DATA_DIR that cannot be created stops the start with a message naming it', async () => {
    const parent = newDir();
    writeFileSync(join(parent, 'file'), 'not a folder');
    const dataDir = join(parent, 'file', 'data');
    const { code, output } = await runHeraldExpectingExit({ DATA_DIR: dataDir });
    expect(code).toBe(1);
    expect(output).toMatch(/herald: Refusing to start: ENOTDIR.*file\/data/);
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('bad configuration stops the start, naming the variable', async () => {
    const dataDir = newDir();
    const { code, output } = await runHeraldExpectingExit({ DATA_DIR: dataDir, PORT: 'eighty', ADMIN_TOKEN: 'short' });
    expect(code).toBe(1);
    expect(output).toMatch(/herald: Invalid configuration:\n\s+PORT: .*\n\s+ADMIN_TOKEN: ADMIN_TOKEN must be at least 16 characters/);
    expect(existsSync(join(dataDir, 'herald.json'))).toBe(false);
  });
});

describe('first start: the demo seed and the generated admin token', () => {
  it('seeds grouped components and a resolved past incident; prints the generated token once, stored 0600', async () => {
    const dataDir = newDir();
    const first = await start({ dataDir, env: { HERALD_SEED: 'demo', ADMIN_TOKEN: '' } });
    const printed = /Generated an admin token[^\n]*\n\s+(\S+)/.exec(first.output());
    expect(printed).not.toBeNull();
    const token = printed![1]!;
    expect(token.length).toBeGreaterThanOrEqual(32);
    const tokenFile = join(dataDir, 'admin-token');
    expect(readFileSync(tokenFile, 'utf8').trim()).toBe(token);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(first.output().split(token)).toHaveLength(2); // printed exactly once

    const admin = (h: HeraldProcess, path: string, t = token) =>
      fetch(`${h.url}/api/admin${path}`, { headers: { authorization: `Bearer ${t}` } });
    expect((await admin(first, '/components', TEST_TOKEN)).status).toBe(401);
    const { components, groups } = await json(await admin(first, '/components'));
    expect(components.length).toBeGreaterThanOrEqual(5);
    expect(groups.length).toBeGreaterThanOrEqual(2);
    const grouped = components.filter((c: any) => c.group !== null);
    expect(new Set(grouped.map((c: any) => c.group)).size).toBe(groups.length);
    expect(components.every((c: any) => c.status === 'operational')).toBe(true);

    const { incidents } = await json(await admin(first, '/incidents'));
    expect(incidents).toHaveLength(1);
    const past = incidents[0];
    expect(past).toMatchObject({ status: 'resolved', resolved_at: expect.any(String) });
    expect(past.incident_updates.map((u: any) => u.status)).toEqual(['resolved', 'monitoring', 'identified', 'investigating']);
    expect(past.incident_updates.every((u: any) => u.deliver_notifications === false)).toBe(true);
    const home = await (await fetch(`${first.url}/`)).text();
    expect(banner(home)).toBe('All Systems Operational');
    // The demo's components are older than the uptime bar: each figure covers its 90 days (no "since …").
    expect(home.match(/ % uptime<\/span><span class="uptime-span"> \(90 days\)<\/span>/g)).toHaveLength(components.length);
    expect(home).not.toContain('uptime-since');
    const detail = await (await fetch(`${first.url}/incidents/${past.id}`)).text();
    expect(trail(detail)).toEqual(['Resolved', 'Monitoring', 'Identified', 'Investigating']);

    // Second start: the same token, not printed again, and no second seed.
    await first.stop();
    const second = await start({ dataDir, env: { HERALD_SEED: 'demo', ADMIN_TOKEN: '' } });
    expect(second.output()).not.toContain(token);
    expect(second.output()).not.toContain('Generated an admin token');
    expect((await json(await admin(second, '/incidents'))).incidents).toHaveLength(1);
    expect((await json(await admin(second, '/components'))).components).toHaveLength(components.length);
    await second.stop();
    expect(second.output()).not.toContain(token);
  });
});
