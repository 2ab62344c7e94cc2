import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

/** Helpers shared by the benchmark scripts (bench/*.ts). */

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The build folder the benchmark runs (HERALD_DIST, default dist/); exits with a hint when it is not built. */
export function requireBuild(bench: string): string {
  const dist = process.env.HERALD_DIST ?? 'dist';
  if (!existsSync(`${ROOT}${dist}/server/entry.mjs`)) {
    console.error(`${bench}: no build in ${dist}/ — run \`npm run build\` (or set HERALD_DIST to your build folder) first.`);
    process.exit(1);
  }
  return dist;
}

/** CPU seconds (user + system) a process used so far, from /proc. */
export function cpuSeconds(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A memory line of /proc/PID/status in MB: VmRSS now, VmHWM the peak RSS so far. */
export function procMb(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number {
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

/** What the figures were measured on; the 1-minute load average says whether other work shared the CPUs. */
export function machineInfo() {
  const nginx = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    nginx: nginx.status === 0 ? nginx.stderr.trim() : null,
    loadavg: loadavg().map((l) => Number(l.toFixed(2))),
  };
}

/** The q-quantile of ascending `xs` (nearest rank). */
export function quantile(xs: number[], q: number): number {
  return xs[Math.min(xs.length - 1, Math.max(0, Math.ceil(q * xs.length) - 1))]!;
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/**
 * Latencies in 0.1 ms buckets up to 60 s: fixed memory however long a run
 * lasts (an array of every sample grows by millions over a minutes-long
 * window at thousands of requests per second).
 */
export class LatencyHistogram {
  private readonly counts = new Uint32Array(600_001);
  count = 0;
  max = 0;

  add(ms: number): void {
    this.counts[Math.min(600_000, Math.max(0, Math.round(ms * 10)))]!++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  /** The q-quantile in ms (nearest rank, 0.1 ms resolution); NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return i / 10;
    }
    return this.max;
  }
}

/**
 * Node flags for the Herald a benchmark starts, from the environment variable `name` (space-separated).
 * They go on its command line, not in NODE_OPTIONS, which refuses some V8 flags (--trace-gc among them).
 */
export function nodeFlags(name: string): string[] {
  return (process.env[name] ?? '').split(/\s+/).filter(Boolean);
}
