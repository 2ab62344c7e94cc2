/**
 * autocannon load in a child process, measured over a window the parent
 * chooses (bench:surge). In its own process the load generator neither
 * starves nor is starved by the measuring process's event loop (subscribes,
 * progress polling), and its CPU can be read apart from it. The window
 * leaves out the ramp (1,000 connections opening) and ends when the parent
 * says, which autocannon's own totals (whole run) cannot do.
 */
import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LatencyHistogram } from './common.ts';

export interface LoadTarget {
  name: string;
  url: string;
  connections: number;
}
export interface WindowRow {
  name: string;
  requests: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}
export interface WindowReport {
  seconds: number;
  rows: WindowRow[];
}
export interface LoadRun {
  proc: ChildProcess;
  /** Starts the measured window (everything before it is ramp). */
  mark(): Promise<void>;
  /** Ends the window, stops the load and returns its figures. */
  finish(): Promise<WindowReport>;
}

/** Starts the load (one autocannon instance per target, all in one child) and resolves once it runs. */
export async function startLoad(targets: LoadTarget[]): Promise<LoadRun> {
  const proc = fork(fileURLToPath(import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  // A benchmark that fails midway must not leave 1,000 connections hammering a server.
  const kill = () => proc.kill();
  process.once('exit', kill);
  proc.once('exit', () => process.off('exit', kill));
  const ask = async <T>(msg: object): Promise<T> => {
    const reply = once(proc, 'message') as Promise<[T]>;
    proc.send(msg);
    return (await reply)[0];
  };
  await ask({ type: 'start', targets });
  return {
    proc,
    mark: () => ask({ type: 'mark' }),
    finish: async () => {
      const exited = once(proc, 'exit');
      const report = await ask<WindowReport>({ type: 'finish' });
      await exited;
      return report;
    },
  };
}

/** The child: counts every response and error per target from the last mark on. */
function child(): void {
  let targets: LoadTarget[] = [];
  let stats: Array<{ latency: LatencyHistogram; non2xx: number; errors: number; timeouts: number }> = [];
  let since = 0;
  const instances: Array<ReturnType<typeof autocannon>> = [];
  const reset = () => {
    stats = targets.map(() => ({ latency: new LatencyHistogram(), non2xx: 0, errors: 0, timeouts: 0 }));
    since = performance.now();
  };
  process.on('message', (m: { type: 'start'; targets: LoadTarget[] } | { type: 'mark' } | { type: 'finish' }) => {
    if (m.type === 'start') {
      targets = m.targets;
      reset();
      targets.forEach((t, i) => {
        // Runs until the parent ends the window; the hour is only a backstop.
        const run = autocannon({ url: t.url, connections: t.connections, duration: 3600 });
        run.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
          const s = stats[i]!;
          s.latency.add(ms);
          if (status < 200 || status > 299) s.non2xx++;
        });
        run.on('reqError', (err: Error) => {
          stats[i]!.errors++;
          if (err.message === 'request timed out') stats[i]!.timeouts++;
        });
        run.catch(() => {});
        instances.push(run);
      });
      process.send!({ type: 'started' });
    } else if (m.type === 'mark') {
      reset();
      process.send!({ type: 'marked' });
    } else {
      const seconds = (performance.now() - since) / 1000;
      for (const run of instances) run.stop();
      const rows = targets.map((t, i): WindowRow => {
        const { latency: h, non2xx, errors, timeouts } = stats[i]!;
        return {
          name: t.name,
          requests: h.count,
          reqPerSec: h.count / seconds,
          p50: h.quantile(0.5),
          p99: h.quantile(0.99),
          max: Number(h.max.toFixed(1)),
          non2xx,
          errors,
          timeouts,
        };
      });
      process.send!({ seconds, rows }, () => process.exit(0));
    }
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) child();
