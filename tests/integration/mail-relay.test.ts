import { afterAll, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp } from '../helpers/smtp.ts';
import { SITE, outboxSettled, subscribeAndConfirm } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';

/**
 * The mail relay goes away in the worst hour: first it hangs (accepts TCP,
 * never greets), then it refuses connections, then it comes back. Public
 * pages and APIs keep answering throughout; the queue drains once it is back,
 * each subscriber getting the notice exactly once.
 */
let h: HeraldProcess | undefined;
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(() => stopAll(...cleanups.reverse(), h));

/** A TCP listener that accepts connections and never says a word (a hung relay). */
function hangingServer(port: number): Promise<{ server: Server; sockets: Set<Socket>; accepted: () => number }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createServer((s) => {
    count++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({ server, sockets, accepted: () => count }));
  });
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

const READERS = ['r1@example.test', 'r2@example.test', 'r3@example.test', 'r4@example.test', 'r5@example.test', 'r6@example.test'];

async function publicSurfacesAnswer(herald: HeraldProcess, incidentName: string) {
  for (const path of [
    '/',
    '/api/v2/summary.json',
    '/api/v2/incidents/unresolved.json',
    '/api/banner.json',
    '/history',
    '/history.atom',
    '/healthz',
  ]) {
    const res = await fetch(`${herald.url}${path}`);
    expect(res.status, path).toBe(200);
    const body = await res.text();
    if (path !== '/healthz' && path !== '/history' && path !== '/history.atom') expect(body, path).toContain(incidentName);
  }
}

describe('mail relay down or slow', () => {
  it('pages and APIs keep answering while the relay hangs, then refuses; the queue drains exactly once when it returns', async () => {
    // Subscribers confirmed while the relay works.
    const first = await startSmtp();
    const port = Number(new URL(first.url).port);
    h = await startHerald({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${port}/?greetingTimeout=1000&connectionTimeout=1000&socketTimeout=2000`,
        SITE_URL: SITE,
        MAIL_RETRY_BASE_MS: '200',
        MAIL_RETRY_MAX_MS: '800',
        MAIL_MAX_ATTEMPTS: '100',
      },
    });
    for (const r of READERS) await subscribeAndConfirm(h, first, r);
    await first.close();

    // 1. The relay hangs: accepts TCP, never greets.
    const hung = await hangingServer(port);
    cleanups.push(() => closeServer(hung.server, hung.sockets));
    const name = 'Relay outage drill';
    const declared = await h.admin('/incidents', { body: { name, impact: 'critical', body: 'Investigating.', notify: true } });
    expect(declared.status).toBe(201);
    await until(() => hung.accepted() > 0, 'Herald to try the hung relay');
    await publicSurfacesAnswer(h, name);
    // Writes keep working too: the publish path never waits for mail.
    expect((await h.admin('/components', { body: { name: 'Added during the relay outage' } })).status).toBe(201);
    const incidentId = ((await declared.json()) as { id: string }).id;
    type Deliveries = { updates: Array<{ incident_id: string; queued: number; sent: number; failed: number }>; failed: unknown[] };
    const counts = async () => {
      const d = (await (await h!.admin('/deliveries')).json()) as Deliveries;
      return { ...d.updates.find((u) => u.incident_id === incidentId), failedList: d.failed };
    };
    await until(async () => ((await counts()).queued ?? 0) >= READERS.length, 'queued deliveries');

    // 2. The relay refuses connections.
    await closeServer(hung.server, hung.sockets);
    await new Promise((r) => setTimeout(r, 1500)); // let a few retries hit ECONNREFUSED
    await publicSurfacesAnswer(h, name);
    const midway = await counts();
    expect(midway.queued).toBe(READERS.length);
    expect(midway.sent).toBe(0);
    expect(midway.failedList).toEqual([]);

    // 3. The relay comes back on the same port.
    const received: Array<{ to: string[]; messageId: string }> = [];
    const back = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      closeTimeout: 500, // as startSmtp's: Herald's idle pooled connections are cut, not waited for 30 s
      onData(stream, session, callback) {
        let raw = '';
        stream.on('data', (d: Buffer) => (raw += d));
        stream.on('end', () => {
          received.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            messageId: /^Message-ID:\s*(<[^>]+>)/im.exec(raw)?.[1] ?? '',
          });
          callback();
        });
      },
    });
    back.on('error', () => {}); // a connection cut by the close (421) may reset: expected, as in startSmtp
    await new Promise<void>((resolve) => back.listen(port, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => back.close(() => resolve())));
    await until(() => READERS.every((r) => received.some((m) => m.to.includes(r))), 'every reader to get the notice', 60_000);
    const settled = await outboxSettled(h);
    expect(settled.failed).toEqual([]);
    // Exactly once each, despite the timeouts and refusals on the way.
    for (const r of READERS) expect(received.filter((m) => m.to.includes(r))).toHaveLength(1);
    expect(new Set(received.map((m) => m.messageId)).size).toBe(received.length);
  }, 120_000);
});
