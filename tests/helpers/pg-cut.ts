import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that can lose the answer to one commit
 * of Herald's document: armed, it passes the next COMMIT of a transaction that
 * wrote `herald_document` to the server, waits for the server's answer (so
 * the commit happened), drops it and cuts that connection. Herald sees a write
 * whose outcome it cannot know, as after a network cut or a failover at the
 * wrong instant. Other connections and later commits pass untouched.
 */
export interface CommitCutter {
  /** `url` with its host and port replaced by the proxy's. */
  url: string;
  arm(): void;
  /** Resolves once an armed commit was answered by PostgreSQL and the answer dropped. */
  cut: Promise<void>;
  close(): Promise<void>;
}

export async function commitCutter(url: string): Promise<CommitCutter> {
  const target = new URL(url);
  let armed = false;
  let cutDone: () => void = () => {};
  const cut = new Promise<void>((r) => (cutDone = r));
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    let wroteDocument = false;
    let losing = false;
    client.on('data', (chunk: Buffer) => {
      if (chunk.includes('herald_document') && chunk.includes('UPDATE')) wroteDocument = true;
      if (chunk.includes('COMMIT\0') || chunk.includes('ROLLBACK\0')) {
        if (armed && wroteDocument && chunk.includes('COMMIT\0')) {
          armed = false;
          losing = true;
        }
        wroteDocument = false;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!losing) {
        client.write(chunk);
        return;
      }
      client.destroy();
      upstream.destroy();
      cutDone();
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as AddressInfo).port);
  return {
    url: proxied.toString(),
    arm: () => {
      armed = true;
    },
    cut,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
