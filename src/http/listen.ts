import { createServer, type Server as NetServer, type AddressInfo } from 'node:net';
import type { Server as HttpServer } from 'node:http';

/**
 * How many listening sockets share Herald's port. libuv accepts one
 * connection each time the event loop finds a listening socket ready
 * (libuv/libuv#3696), and a loop serving 1,000 busy connections comes round
 * every 50-150 ms: a visitor arriving on a new connection waited behind every
 * other newcomer, about ten per second, and at the start of an outage surge
 * (a hundred new connections at once) for seconds before Herald read a byte.
 * With several sockets in one SO_REUSEPORT group the kernel spreads new
 * connections over them and each turn of the loop accepts one per socket.
 */
export const LISTENING_SOCKETS = 32;

export class PortInUse extends Error {}

export interface Listening {
  address: AddressInfo;
  close(): Promise<void>;
}

function listen(server: NetServer | HttpServer, options: { host: string; port: number; reusePort?: boolean }): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new PortInUse(err.message) : err);
    server.once('error', fail);
    server.listen(options, () => {
      server.off('error', fail);
      server.on('error', acceptFailed);
      resolve();
    });
  });
}

let lastAcceptLog = 0;
/**
 * A listening socket reports a failed accept (EMFILE, ENFILE: out of file
 * descriptors, likeliest in a surge) as an 'error' event, which with no
 * listener would end the process. The connection is lost, Herald is not: say
 * so, at most every 10 s.
 */
function acceptFailed(err: NodeJS.ErrnoException): void {
  if (Date.now() - lastAcceptLog < 10_000) return;
  lastAcceptLog = Date.now();
  console.error(`[herald] a connection could not be accepted (${err.code ?? err.message}); check the open-files limit (ulimit -n)`);
}

const closed = (s: NetServer | HttpServer) => new Promise<void>((resolve) => s.close(() => resolve()));

/**
 * Refuses (PortInUse) a port anything holds, by binding it alone for an instant; also the host's
 * own errors (not an address here, not resolvable). Port 0 is always free.
 */
export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await listen(probe, { host, port });
  await closed(probe);
}

/**
 * Starts `server` on host:port with `sockets` listening sockets (see
 * LISTENING_SOCKETS); where the platform cannot share a port that way, with
 * one. A port already held by anything, another Herald included, is refused
 * (PortInUse): the port is first bound once without SO_REUSEPORT, which fails
 * if any socket holds it. What this cannot stop: a process of the same user
 * that binds the port with SO_REUSEPORT in the instant between that probe and
 * the group's bind, or later, joins the group and gets a share of new
 * connections (the kernel admits only the same user to a group).
 */
export async function listenShared(server: HttpServer, host: string, port: number, sockets = LISTENING_SOCKETS): Promise<Listening> {
  // A group sharing the port would let a second process start into it silently: bind alone once, to find out.
  await assertPortFree(host, port);
  try {
    await listen(server, { host, port, reusePort: sockets > 1 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOTSUP' || sockets === 1) throw err;
    return listenShared(server, host, port, 1);
  }
  const address = server.address() as AddressInfo;
  const extra: NetServer[] = [];
  try {
    for (let i = 1; i < sockets; i++) {
      // Connections accepted here are handed to the one HTTP server: its timeouts, tracking and close() apply to them.
      // The socket options are those node:http gives its own (half-open allowed, Nagle off).
      const s = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => server.emit('connection', socket));
      await listen(s, { host: address.address, port: address.port, reusePort: true });
      extra.push(s);
    }
  } catch (err) {
    await Promise.all([...extra, server].map(closed));
    throw err;
  }
  return {
    address,
    close: async () => {
      await Promise.all([...extra, server].map(closed));
    },
  };
}
