import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSeconds, fmt, LatencyHistogram } from './common.ts';
import type { WindowReport } from './load-window.ts';

/** Pieces of `npm run bench:surge` (bench/surge.ts). */

export interface RateFigures {
  sent: number;
  ok: number;
  failed: number;
  /** Requests sent again after a reset on a reused keep-alive socket (see atRate). */
  retried: number;
  statuses: Record<string, number>;
  p50: number;
  p99: number;
  max: number;
  perSecond: number;
}

/**
 * Requests at a fixed rate, open loop: request i is due at start + i/rate
 * whether or not earlier ones were answered, as independent visitors would,
 * so a slow Herald gets more requests waiting rather than fewer requests (a
 * closed loop would hide its slowness). Latency counts from when a request
 * was due; at most 256 are sent at once (beyond that they wait here, still
 * timed: thousands of sockets would exhaust Herald's accept queue and file
 * descriptors, and break the benchmark instead of measuring). A visitor
 * gives up 30 s after clicking (counted as failed), and, like a browser,
 * sends a request once more when a reused keep-alive socket was reset under
 * it (counted in `retried`). Rate 0 sends nothing.
 */
export function atRate(
  base: string,
  rate: number,
  path: string,
  okStatus: number,
  body?: (i: number) => string,
  opts: { fresh?: boolean } = {},
) {
  // fresh: each request on a new connection, closed after, as a visitor who just opened the page.
  const agent = opts.fresh ? new Agent({ keepAlive: false }) : new Agent({ keepAlive: true, maxSockets: 256 });
  const latency = new LatencyHistogram();
  const statuses: Record<string, number> = {};
  const inflight = new Set<Promise<void>>();
  let stopped = false;
  let sent = 0;
  let retried = 0;
  const t0 = performance.now();
  const send = (data: string | undefined, signal: AbortSignal) =>
    new Promise<number>((resolve, reject) => {
      const headers: Record<string, string> =
        data === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(data)) };
      if (opts.fresh) headers.connection = 'close';
      const req = request(`${base}${path}`, { method: data === undefined ? 'GET' : 'POST', agent, headers, signal }, (res) => {
        res
          .resume()
          .on('end', () => resolve(res.statusCode!))
          .on('error', reject);
      });
      req.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket }))).end(data);
    });
  const one = async (i: number, due: number) => {
    let status: string;
    const signal = AbortSignal.timeout(Math.max(1, Math.round(due + 30_000 - performance.now())));
    try {
      status = String(
        await send(body?.(i), signal).catch((err: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
          // The keep-alive race Node's docs describe for request.reusedSocket: the server closed an idle socket as
          // this request left on it, before reading it. Browsers send such a request again,
          // and Herald's writes are safe to repeat: so does this visitor, once, and the retry is counted.
          if (!err.reusedSocket || err.code !== 'ECONNRESET') throw err;
          retried++;
          return send(body?.(i), signal);
        }),
      );
    } catch (err) {
      status = (err as Error).name === 'AbortError' ? 'no answer in 30 s' : `error: ${(err as Error).message}`;
    }
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status === String(okStatus)) latency.add(performance.now() - due);
  };
  const loop = (async () => {
    while (!stopped && rate > 0) {
      const due = t0 + (sent * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      if (stopped) break;
      const p: Promise<void> = one(sent++, due).finally(() => inflight.delete(p));
      inflight.add(p);
    }
  })();
  return {
    /** Stops sending at once; resolves with the figures when the answers still due came (or timed out). */
    async stop(): Promise<RateFigures> {
      stopped = true;
      await loop;
      const seconds = (performance.now() - t0) / 1000;
      await Promise.all(inflight);
      agent.destroy();
      const q = (p: number) => latency.quantile(p);
      return {
        sent,
        ok: latency.count,
        failed: sent - latency.count,
        statuses,
        p50: q(0.5),
        p99: q(0.99),
        max: Number(latency.max.toFixed(1)),
        perSecond: sent / seconds,
        retried,
      };
    },
  };
}

/** CPU seconds of the whole machine, from /proc/stat: busy, interrupts (loopback TCP runs there), stolen by the hypervisor. */
function machineCpu(): { busy: number; irq: number; steal: number } {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number) as number[];
  return { busy: (user! + nice! + system! + irq! + softirq! + steal!) / 100, irq: (irq! + softirq!) / 100, steal: steal! / 100 };
}

/**
 * CPU use over a window, in % of one core, per named process and for the
 * whole machine: irq is interrupt time (loopback TCP is processed there,
 * charged to no process), steal what the hypervisor gave to other guests,
 * and "other" what is left: other work on the machine (plus nginx in its
 * phase), the sign of a disturbed run.
 */
export function cpuWindow(pids: Record<string, number | undefined>) {
  const own = () => process.cpuUsage();
  const at = {
    procs: Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)])),
    machine: machineCpu(),
    self: own(),
    t: performance.now(),
  };
  return (): Record<string, number> => {
    const seconds = (performance.now() - at.t) / 1000;
    const pct = (cpu: number) => Math.round((cpu / seconds) * 100);
    const out: Record<string, number> = {};
    let named = 0;
    for (const [k, pid] of Object.entries(pids)) {
      const used = cpuSeconds(pid) - at.procs[k]!;
      named += used;
      out[k] = pct(used);
    }
    const self = process.cpuUsage(at.self);
    const selfSeconds = (self.user + self.system) / 1e6;
    out.bench = pct(selfSeconds);
    const m = machineCpu();
    out.machine = pct(m.busy - at.machine.busy);
    out.irq = pct(m.irq - at.machine.irq);
    out.steal = pct(m.steal - at.machine.steal);
    out.other = Math.max(0, out.machine - out.irq - out.steal - pct(named + selfSeconds));
    return out;
  };
}

export interface Verdict {
  value: number;
  target: string;
  measured: string;
  pass: boolean;
}

export function verdictTable(rows: Verdict[]): string {
  const w = [Math.max(6, ...rows.map((r) => r.target.length)), Math.max(8, ...rows.map((r) => r.measured.length))];
  const line = (a: string, b: string, c: string) => `| ${a.padEnd(w[0]!)} | ${b.padEnd(w[1]!)} | ${c.padEnd(6)} |`;
  return [
    line('target', 'measured', 'result'),
    `|${'-'.repeat(w[0]! + 2)}|${'-'.repeat(w[1]! + 2)}|--------|`,
    ...rows.map((r) => line(r.target, r.measured, r.pass ? 'PASS' : 'MISS')),
  ].join('\n');
}

/** One measured phase of the load: its window's figures, the load average at its end, CPU use during it. */
export interface Phase extends WindowReport {
  phase: string;
  loadavg: number;
  cpu: Record<string, number>;
}

export function phaseTable(phases: Phase[]): string {
  const lines = [
    '| phase | path | req/s | p50 ms | p99 ms | max ms | non-2xx | errors (timeouts) | CPU % of one core |',
    '|---|---|--:|--:|--:|--:|--:|--:|---|',
  ];
  for (const p of phases) {
    const cpu = Object.entries(p.cpu)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    for (const r of p.rows) {
      const cells = [
        p.phase,
        r.name,
        fmt(r.reqPerSec),
        r.p50,
        r.p99,
        r.max,
        r.non2xx,
        `${r.errors} (${r.timeouts})`,
        r.name === '/' ? cpu : '',
      ];
      lines.push(`| ${cells.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

/** The issue's targets: during the fan-out against the baseline and nginx, errors, fan-out time, memory, subscribes. */
export function surgeVerdicts(o: {
  baseline: Phase;
  anchor: Phase;
  surge: Phase;
  sub: RateFigures;
  fanoutSeconds: number;
  fanoutText: string;
  peakRss: number;
  intact: boolean;
  counted: boolean;
  countText: string;
}): Verdict[] {
  const row = (p: Phase, name: string) => p.rows.find((r) => r.name === name)!;
  const v = (target: string, value: number, measured: string, pass: boolean): Verdict => ({ target, value, measured, pass });
  const ratio = (target: string, a: number, b: number, unit: string, ok: (r: number) => boolean) =>
    v(target, a / b, `${(a / b).toFixed(2)}x (${unit ? `${a} vs ${b}${unit}` : `${fmt(a)} vs ${fmt(b)}`})`, ok(a / b));
  const out: Verdict[] = [];
  for (const path of ['/', 'banner']) {
    const [b, x] = [row(o.baseline, path), row(o.surge, path)];
    out.push(ratio(`${path} req/s during fan-out >= 0.8x baseline`, x.reqPerSec, b.reqPerSec, '', (r) => r >= 0.8));
    out.push(ratio(`${path} p99 during fan-out <= 1.5x baseline`, x.p99, b.p99, ' ms', (r) => r <= 1.5));
  }
  out.push(ratio('/ req/s during fan-out >= 0.8x nginx', row(o.surge, '/').reqPerSec, row(o.anchor, '/').reqPerSec, '', (r) => r >= 0.8));
  const errors = o.surge.rows.reduce((n, r) => n + r.errors + r.non2xx, 0) + o.sub.failed;
  out.push(v('zero errors (load non-2xx + errors, failed subscribes)', errors, String(errors), errors === 0));
  out.push(v('fan-out <= 60 s', o.fanoutSeconds, o.fanoutText, o.fanoutSeconds <= 60));
  out.push(v('peak RSS < 300 MB', o.peakRss, `${o.peakRss.toFixed(0)} MB`, o.peakRss < 300));
  out.push(v('subscribe p99 < 100 ms', o.sub.p99, `${o.sub.p99} ms`, o.sub.p99 < 100));
  out.push(
    v(
      'nothing lost or duplicated (SMTP sink)',
      Number(o.intact),
      o.intact ? 'each message delivered once' : 'MISMATCH (see above)',
      o.intact,
    ),
  );
  out.push(v("Herald's delivery counts match the sink", Number(o.counted), o.countText, o.counted));
  return out;
}
