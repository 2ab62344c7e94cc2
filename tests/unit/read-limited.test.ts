import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { readLimited } from '../../src/http/body.ts';
import { ClientGone } from '../../src/http/errors.ts';

/**
 * readLimited on a real loopback socket whose client goes away: it must
 * settle as ClientGone (dropped quietly), never hang, whether the client
 * left before or while the body was being read.
 */
let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/**
 * A request whose client has sent half a body (it promised 100 bytes): the
 * server's IncomingMessage, and `leave()`, which closes the client's side and
 * resolves once the server has seen the connection close (no timer decides
 * which side moves first).
 */
async function halfSentRequest(): Promise<{ incoming: IncomingMessage; leave: () => Promise<void> }> {
  const received = new Promise<IncomingMessage>((resolve) => {
    server = createServer((incoming) => resolve(incoming));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server!.address() as { port: number };
  const socket = connect(port, '127.0.0.1', () => {
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"e');
  });
  socket.on('error', () => {});
  const incoming = await received;
  const leave = () => {
    const closed = new Promise<void>((resolve) => incoming.socket.once('close', () => resolve()));
    socket.destroy();
    return closed;
  };
  return { incoming, leave };
}

const settled = (p: Promise<unknown>, ms: number) =>
  Promise.race([
    p.then(
      () => 'resolved',
      (err) => err,
    ),
    new Promise((r) => setTimeout(() => r('still pending'), ms)),
  ]);

describe('readLimited when the client goes away', () => {
  it('while the body is being read: rejects with ClientGone', async () => {
    const { incoming, leave } = await halfSentRequest();
    const read = readLimited(incoming, 16 * 1024);
    await leave();
    expect(await settled(read, 2000)).toBeInstanceOf(ClientGone);
  });

  it('before the body is read at all (it left while a guard was still deciding): rejects with ClientGone at once', async () => {
    const { incoming, leave } = await halfSentRequest();
    await leave();
    expect(incoming.destroyed).toBe(true);
    expect(await settled(readLimited(incoming, 16 * 1024), 1000)).toBeInstanceOf(ClientGone);
  });
});
