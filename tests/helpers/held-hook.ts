import { createServer, type Server } from 'node:http';

type Json = Record<string, any>;

export interface HeldHook {
  server: Server;
  /** Every post that reached the receiver (webhook-id and the incident update it carries), in arrival order. */
  arrivals: Array<{ id: string; update: string }>;
  /** Answers the held post: until then it is in flight. */
  release: () => void;
  /** The receiver's URL, to add as a webhook channel. */
  url: string;
}

/**
 * A webhook receiver on loopback that holds the first incident post it gets (no answer until `release`), as a
 * post in flight when the leader changes; every other post is answered 204 at once.
 */
export async function heldHook(): Promise<HeldHook> {
  const arrivals: HeldHook['arrivals'] = [];
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  let holding = true;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const payload = JSON.parse(body) as Json;
      arrivals.push({ id: String(req.headers['webhook-id']), update: payload.incident?.incident_updates?.[0]?.id ?? 'other' });
      if (holding && payload.incident) {
        holding = false;
        void held.then(() => res.writeHead(204).end());
        return;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { server, arrivals, release: () => release(), url: `http://127.0.0.1:${port}/hook` };
}
