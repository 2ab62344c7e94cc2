import { afterEach, describe, expect, it } from 'vitest';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LISTENING_SOCKETS, listenShared, PortInUse, type Listening } from '../../src/http/listen.ts';
import { rawHttp } from '../helpers/raw-http.ts';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function httpOn(sockets?: number): Promise<{ server: Server; listening: Listening }> {
  const server = createHttpServer((_req, res) => res.end('ok'));
  const listening = await listenShared(server, '127.0.0.1', 0, sockets);
  cleanup.push(() => listening.close());
  return { server, listening };
}

/** Listening sockets on a TCP port, as the kernel lists them (state 0A is LISTEN). */
function listenersOn(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const out = ['/proc/net/tcp', '/proc/net/tcp6'].map((f) => (existsSync(f) ? readFileSync(f, 'utf8') : '')).join('\n');
  return out.split('\n').filter((l) => l.trim().split(/\s+/)[1]?.endsWith(`:${hex}`) && l.trim().split(/\s+/)[3] === '0A').length;
}

/**
 * Opens `count` connections to `port` from another process while this one's
 * event loop is held (the kernel completes the handshakes on its own), then
 * lets the loop run with every turn kept busy, and counts the turns it took
 * to accept them all.
 */
async function turnsToAccept(server: Server, port: number, count: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-listen-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const flag = join(dir, 'connected');
  const script = `const net = require('node:net'); let n = 0; const all = [];
    for (let i = 0; i < ${count}; i++) all.push(net.connect(${port}, '127.0.0.1', () => { if (++n === ${count}) require('node:fs').writeFileSync(${JSON.stringify(flag)}, ''); }));
    setInterval(() => {}, 1000);`;
  const child: ChildProcess = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  cleanup.push(() => child.kill());
  let turn = 0;
  const acceptedAt: number[] = [];
  server.on('connection', () => acceptedAt.push(turn));
  // Hold the loop until every handshake is done: the connections wait in the accept queues.
  const until = Date.now() + 20_000;
  while (!existsSync(flag) && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  expect(existsSync(flag)).toBe(true);
  await new Promise<void>((resolve) => {
    const spin = () => {
      turn++;
      // A busy turn, as under load: the poll phase then checks sockets once per turn.
      const t = performance.now();
      while (performance.now() - t < 1);
      if (acceptedAt.length >= count || turn > count * 4) resolve();
      else setImmediate(spin);
    };
    setImmediate(spin);
  });
  expect(acceptedAt).toHaveLength(count);
  return acceptedAt.at(-1)! - acceptedAt[0]! + 1;
}

describe('listenShared: several listening sockets on one port', () => {
  it(`holds ${LISTENING_SOCKETS} listening sockets on the port, and closes them all`, async () => {
    const server = createHttpServer((_req, res) => res.end('ok'));
    const listening = await listenShared(server, '127.0.0.1', 0);
    const { port } = listening.address;
    expect(listenersOn(port)).toBe(LISTENING_SOCKETS);
    await listening.close();
    expect(listenersOn(port)).toBe(0);
    // Free again for anyone, without SO_REUSEPORT.
    const plain = createServer();
    await new Promise<void>((resolve, reject) => plain.once('error', reject).listen(port, '127.0.0.1', resolve));
    plain.close();
  });

  it('a burst of new connections is accepted many per turn of a busy event loop, not one', async () => {
    // libuv accepts one connection per ready listening socket per turn: with one socket, 64 newcomers take 64 turns.
    const one = await httpOn(1);
    expect(await turnsToAccept(one.server, one.listening.address.port, 64)).toBeGreaterThanOrEqual(60);
    const many = await httpOn();
    expect(await turnsToAccept(many.server, many.listening.address.port, 64)).toBeLessThanOrEqual(16);
  });

  it('a failed accept (out of file descriptors) is logged, not the end of the process', async () => {
    const { server } = await httpOn();
    const emfile = Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' });
    // With no 'error' listener, emit would throw: the uncaught exception that ends a process.
    expect(() => server.emit('error', emfile)).not.toThrow();
  });

  it('every socket hands its connections to the one HTTP server', async () => {
    const { listening } = await httpOn();
    const { port } = listening.address as AddressInfo;
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } }).then((r) => r.text())),
    );
    expect(answers.every((a) => a === 'ok')).toBe(true);
    // A client that half-closes after its request still gets the answer, whichever socket took it.
    const halfClosed = await Promise.all(
      Array.from({ length: 64 }, () => rawHttp(port, '127.0.0.1', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', { halfClose: true })),
    );
    expect(halfClosed.every((t) => t.startsWith('HTTP/1.1 200') && t.endsWith('ok'))).toBe(true);
  });

  it('where the platform cannot share a port (ENOTSUP), it listens with one socket', async () => {
    // Linux always can: the platform's refusal is played by the server's listen, for the shared bind only.
    const server = createHttpServer((_req, res) => res.end('ok'));
    const listen = server.listen.bind(server) as (options: object, cb: () => void) => Server;
    let refused = 0;
    Object.assign(server, {
      listen(options: { reusePort?: boolean }, cb: () => void) {
        if (!options.reusePort) return listen(options, cb);
        refused++;
        process.nextTick(() => server.emit('error', Object.assign(new Error('listen ENOTSUP'), { code: 'ENOTSUP' })));
        return server;
      },
    });
    const listening = await listenShared(server, '127.0.0.1', 0);
    cleanup.push(() => listening.close());
    const { port } = listening.address;
    expect(refused).toBe(1);
    expect(listenersOn(port)).toBe(1);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
  });

  it('a port held by anything else, another shared group included, is refused rather than shared', async () => {
    const first = await httpOn();
    const { port } = first.listening.address;
    const second = createHttpServer((_req, res) => res.end('intruder'));
    await expect(listenShared(second, '127.0.0.1', port)).rejects.toBeInstanceOf(PortInUse);
    expect(second.listening).toBe(false);
    expect(listenersOn(port)).toBe(LISTENING_SOCKETS);

    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => blocker.close());
    const taken = (blocker.address() as AddressInfo).port;
    await expect(listenShared(createHttpServer(), '127.0.0.1', taken)).rejects.toBeInstanceOf(PortInUse);
  });
});
