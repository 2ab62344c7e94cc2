/**
 * The receivers of `npm run bench:channels`, each forked into its own process
 * so their CPU and memory are not Herald's and their clocks are not held up by
 * the measuring process:
 *
 * - `smtp`: a discard SMTP server that counts messages per recipient (so a
 *   duplicate is seen, not only distinct recipients) and when the last new
 *   recipient arrived.
 * - `http`: a webhook receiver (POST /hook/<n> answers 204 at once) that
 *   counts deliveries per webhook-id and path and keeps raw bodies and headers
 *   of every `sampleEvery`-th path for signature checks; and on a second port
 *   a receiver that reads the request and never answers (/hang/<n>), which
 *   tracks how many such requests are open.
 *
 * Arrival times are epoch milliseconds (performance.timeOrigin + now), the
 * same clock as the parent's.
 */
import { SMTPServer } from 'smtp-server';
import http from 'node:http';
import { fork, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';

const epochMs = () => performance.timeOrigin + performance.now();

export interface SmtpStats {
  messages: number;
  /** Distinct recipients in `domain`, and how many messages beyond one each of them got. */
  recipients: number;
  duplicates: number;
  /** Distinct recipients outside `domain` (confirmations, say). */
  otherRecipients: number;
  firstAt: number | null;
  /** When the latest new recipient in `domain` arrived. */
  lastNewAt: number | null;
}

export interface HookDelivery {
  id: string;
  path: string;
  count: number;
  firstAt: number;
}
export interface HookSample {
  path: string;
  body: string;
  headers: Record<string, string>;
}
export interface HttpStats {
  requests: number;
  /** Requests without a webhook-id header, or to a path that is not /hook/<n>. */
  malformed: number;
  deliveries: HookDelivery[];
  hang: { requests: number; open: number; closed: number; timeline: Array<[at: number, open: number]> };
}

export interface Receiver<S> {
  proc: ChildProcess;
  ports: number[];
  stats(): Promise<S>;
  samples(): Promise<HookSample[]>;
  stop(): void;
}

/** Forks a receiver and resolves once it listens. */
export async function startReceiver<S>(role: 'smtp' | 'http', args: string[] = []): Promise<Receiver<S>> {
  const proc = fork(fileURLToPath(import.meta.url), [role, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const kill = () => proc.kill('SIGKILL'); // not left behind by a benchmark that failed
  process.once('exit', kill);
  proc.once('exit', () => process.off('exit', kill));
  let seq = 0;
  const waiting = new Map<number, (v: unknown) => void>();
  let ready: (ports: number[]) => void;
  const listening = new Promise<number[]>((resolve, reject) => {
    ready = resolve;
    proc.once('exit', (code) => reject(new Error(`${role} receiver exited (${code}) before listening`)));
  });
  proc.on('message', (m: { type: 'ready'; ports: number[] } | { type: 'answer'; seq: number; value: unknown }) => {
    if (m.type === 'ready') ready(m.ports);
    else {
      waiting.get(m.seq)?.(m.value);
      waiting.delete(m.seq);
    }
  });
  const ask = <T>(type: string) =>
    new Promise<T>((resolve) => {
      const n = ++seq;
      waiting.set(n, resolve as (v: unknown) => void);
      proc.send({ type, seq: n });
    });
  const ports = await listening;
  return {
    proc,
    ports,
    stats: () => ask<S>('stats'),
    samples: () => ask<HookSample[]>('samples'),
    stop: () => void proc.kill('SIGKILL'),
  };
}

function serveSmtp(domain: string): void {
  let messages = 0;
  let duplicates = 0;
  let firstAt: number | null = null;
  let lastNewAt: number | null = null;
  const perRecipient = new Map<string, number>();
  const others = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    maxClients: 100,
    onData(stream, session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        const at = epochMs();
        messages++;
        firstAt ??= at;
        for (const { address } of session.envelope.rcptTo) {
          if (!address.endsWith(`@${domain}`)) {
            others.add(address);
            continue;
          }
          const seen = perRecipient.get(address) ?? 0;
          perRecipient.set(address, seen + 1);
          if (seen > 0) duplicates++;
          else lastNewAt = at;
        }
        callback();
      });
    },
  });
  server.on('error', () => {});
  server.listen(0, '127.0.0.1', () => {
    process.send!({ type: 'ready', ports: [(server.server.address() as AddressInfo).port] });
  });
  process.on('message', (m: { type: string; seq: number }) => {
    const value: SmtpStats | [] =
      m.type === 'stats' ? { messages, recipients: perRecipient.size, duplicates, otherRecipients: others.size, firstAt, lastNewAt } : [];
    process.send!({ type: 'answer', seq: m.seq, value });
  });
}

function serveHttp(sampleEvery: number): void {
  let requests = 0;
  let malformed = 0;
  const deliveries = new Map<string, HookDelivery>();
  const samples: HookSample[] = [];
  const hooks = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = epochMs();
      requests++;
      const id = req.headers['webhook-id'];
      const m = /^\/hook\/(\d+)$/.exec(req.url ?? '');
      if (req.method !== 'POST' || typeof id !== 'string' || !m) malformed++;
      else {
        const d = deliveries.get(id);
        if (d) d.count++;
        else deliveries.set(id, { id, path: req.url!, count: 1, firstAt: at });
        if (Number(m[1]) % sampleEvery === 0) {
          const headers: Record<string, string> = {};
          for (const h of ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'content-type', 'user-agent']) {
            const v = req.headers[h];
            if (typeof v === 'string') headers[h] = v;
          }
          samples.push({ path: req.url!, body: Buffer.concat(chunks).toString('utf8'), headers });
        }
      }
      res.writeHead(204).end();
    });
  });

  // Reads the request, then never answers: the socket stays open until Herald gives up.
  const hang = { requests: 0, open: 0, closed: 0, timeline: [] as Array<[number, number]> };
  const hanging = http.createServer((req) => {
    hang.requests++;
    hang.open++;
    req.resume();
    req.socket.once('close', () => {
      hang.open--;
      hang.closed++;
    });
  });
  // No server-side timeouts: only Herald ends these requests.
  hanging.requestTimeout = 0;
  hanging.headersTimeout = 0;
  hanging.timeout = 0;
  hanging.keepAliveTimeout = 0;
  setInterval(() => {
    if (hang.requests > 0) hang.timeline.push([Math.round(epochMs()), hang.open]);
  }, 250).unref();

  let listening = 0;
  const ports: number[] = [];
  for (const [i, server] of [hooks, hanging].entries()) {
    server.on('error', () => {});
    // A long backlog: 1,000 channels may connect at once, and a refused connect would read as Herald's retry.
    server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
      ports[i] = (server.address() as AddressInfo).port;
      if (++listening === 2) process.send!({ type: 'ready', ports });
    });
  }
  process.on('message', (m: { type: string; seq: number }) => {
    const value = m.type === 'stats' ? ({ requests, malformed, deliveries: [...deliveries.values()], hang } satisfies HttpStats) : samples;
    process.send!({ type: 'answer', seq: m.seq, value });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [role, arg] = process.argv.slice(2);
  if (role === 'smtp') serveSmtp(arg ?? 'bench.example');
  else serveHttp(Number(arg ?? 10));
}
