/**
 * The discard SMTP server of `npm run bench:fanout` and `bench:surge`, in its
 * own process so its CPU and memory are not counted as Herald's. Accepts
 * everything, keeps only counts (messages, distinct recipients), reports them
 * over IPC. startSink() forks this file and talks to it.
 */
import { SMTPServer } from 'smtp-server';
import { fork, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Messages accepted, distinct recipients, and distinct recipients per domain (to tell notices from confirmations). */
export interface SinkCounts {
  messages: number;
  recipients: number;
  byDomain: Record<string, number>;
}
export interface Sink {
  port: number;
  proc: ChildProcess;
  counts(): Promise<SinkCounts>;
  stop(): void;
}

/** Forks the sink and resolves once it listens. */
export async function startSink(): Promise<Sink> {
  const proc = fork(fileURLToPath(import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const kill = () => proc.kill(); // not left behind by a benchmark that failed
  process.once('exit', kill);
  proc.once('exit', () => process.off('exit', kill));
  const ask = <T>(msg?: object) =>
    new Promise<T>((resolve) => {
      proc.once('message', (m) => resolve(m as T));
      if (msg) proc.send(msg);
    });
  const { port } = await ask<{ port: number }>();
  return { port, proc, counts: () => ask<SinkCounts>({ type: 'count' }), stop: () => void proc.kill() };
}

function serve(): void {
  let messages = 0;
  const recipients = new Set<string>();
  const byDomain: Record<string, number> = {};
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    maxClients: 100,
    onData(stream, session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        messages++;
        for (const { address } of session.envelope.rcptTo) {
          if (recipients.has(address)) continue;
          recipients.add(address);
          const domain = address.slice(address.lastIndexOf('@') + 1);
          byDomain[domain] = (byDomain[domain] ?? 0) + 1;
        }
        callback();
      });
    },
  });
  server.on('error', () => {});
  server.listen(0, '127.0.0.1', () => {
    process.send!({ port: (server.server.address() as AddressInfo).port });
  });
  process.on('message', (m: { type: string }) => {
    if (m.type === 'count') process.send!({ messages, recipients: recipients.size, byDomain });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) serve();
