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

/** A server that hands each request to `onRequest` after `delayMs`; a client sends half a body, then closes. */
async function abandonedRequest(delayMs: number): Promise<IncomingMessage> {
  const req = new Promise<IncomingMessage>((resolve) => {
    server = createServer((incoming) => setTimeout(() => resolve(incoming), delayMs));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server!.address() as { port: number };
  const socket = connect(port, '127.0.0.1', () => {
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"e');
    setTimeout(() => socket.destroy(), 50);
  });
  socket.on('error', () => {});
  return req;
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
    const incoming = await abandonedRequest(0);
    expect(await settled(readLimited(incoming, 16 * 1024), 2000)).toBeInstanceOf(ClientGone);
  });

  it('before the body is read at all (it left while a guard was still deciding): rejects with ClientGone at once', async () => {
    const incoming = await abandonedRequest(300);
    expect(incoming.destroyed).toBe(true);
    expect(await settled(readLimited(incoming, 16 * 1024), 1000)).toBeInstanceOf(ClientGone);
  });
});
