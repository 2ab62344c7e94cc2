/**
 * `npm run bench:replicas [-- --rounds 30 --connections 50]`: two Herald
 * replicas on one PostgreSQL 15 database (a throwaway cluster, as the tests
 * start one). Each round declares an incident on replica A and polls B's `/`,
 * `/api/v2/summary.json` and `/api/banner.json` until they show it: first
 * with nothing else running, then while `connections` clients keep B's `/`
 * busy (autocannon in a worker thread). Target: visible on B within 100 ms
 * of A's commit. Needs a build (npm run build) and PostgreSQL's binaries
 * (PG_BIN, default /usr/lib/postgresql/15/bin).
 */
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type HeraldProcess, startHerald, stopAll } from '../tests/helpers/server.ts';
import { startStaticBaseline } from './static-baseline.ts';
import { startPgCluster } from '../tests/helpers/pg.ts';
import { fmt, machineInfo, quantile, requireBuild } from './common.ts';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '30' }, connections: { type: 'string', default: '50' } },
});
const rounds = Number(values.rounds);
const connections = Number(values.connections);
requireBuild('bench:replicas');
const PATHS = ['/', '/api/v2/summary.json', '/api/banner.json'];

const machine = machineInfo();
console.log(
  `npm run bench:replicas -- --rounds ${rounds} --connections ${connections}\nMachine: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}; load average ${machine.loadavg.join(' ')} at start`,
);

const cluster = await startPgCluster();
const url = await cluster.database();
const env = { DATABASE_URL: url, SITE_URL: 'https://status.example.test' };
const [a, b] = await Promise.all([startHerald({ env }), startHerald({ env })]);

interface Sample {
  /** A's answer to the publish (the committed transaction). */
  commitMs: number;
  /** From A's answer until each of B's surfaces first showed the incident. */
  afterCommit: Record<string, number>;
}

async function pollUntil(target: string, needle: string): Promise<number> {
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    const text = await (await fetch(target)).text();
    if (text.includes(needle)) return performance.now();
  }
  throw new Error(`${target} did not show "${needle}" within 10 s`);
}

async function round(n: number, label: string): Promise<Sample> {
  const name = `Replica bench ${label} ${n} ${Date.now().toString(36)}`;
  const t0 = performance.now();
  const polls = PATHS.map((p) => pollUntil(`${b.url}${p}`, name));
  const res = await a.admin('/incidents', { body: { name, impact: 'critical', body: `Round ${n}.` } });
  const committed = performance.now();
  if (res.status !== 201) throw new Error(`publish answered ${res.status}: ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  const seen = await Promise.all(polls);
  // Resolved, so that the next round's incident is the one the banner shows.
  await a.admin(`/incidents/${encodeURIComponent(id)}/updates`, { body: { status: 'resolved', body: 'Done.' } });
  return {
    commitMs: committed - t0,
    afterCommit: Object.fromEntries(PATHS.map((p, i) => [p, Math.max(0, seen[i]! - committed)])),
  };
}

/** The p-th percentile of `xs` (nearest rank). */
const pct = (xs: number[], p: number) =>
  quantile(
    [...xs].sort((x, y) => x - y),
    p / 100,
  );

function report(label: string, samples: Sample[]): Array<{ path: string; p50: number; p90: number; max: number }> {
  console.log(
    `\n${label}: ${samples.length} publishes on A, median commit ${pct(
      samples.map((s) => s.commitMs),
      50,
    ).toFixed(1)} ms`,
  );
  console.log('| surface on B | after A committed: p50 ms | p90 ms | max ms | within 100 ms |');
  console.log('|---|--:|--:|--:|--:|');
  return PATHS.map((path) => {
    const xs = samples.map((s) => s.afterCommit[path]!);
    const row = { path, p50: pct(xs, 50), p90: pct(xs, 90), max: Math.max(...xs) };
    const within = xs.filter((x) => x <= 100).length;
    console.log(`| ${path} | ${row.p50.toFixed(1)} | ${row.p90.toFixed(1)} | ${row.max.toFixed(1)} | ${within} of ${xs.length} |`);
    return row;
  });
}

let exitCode = 0;
try {
  expectOk(await a.admin('/components', { body: { id: 'api', name: 'API' } }));
  // Warm both replicas' page renderers once.
  await round(0, 'warm-up');
  const quiet: Sample[] = [];
  for (let n = 1; n <= rounds; n++) quiet.push(await round(n, 'quiet'));
  const quietRows = report('Quiet', quiet);

  const load = autocannon({ url: `${b.url}/`, connections, duration: 3600, workers: 1 });
  const loaded: Sample[] = [];
  try {
    await new Promise((r) => setTimeout(r, 1000));
    for (let n = 1; n <= rounds; n++) loaded.push(await round(n, 'loaded'));
  } finally {
    load.stop();
  }
  const loadedRows = report(`While ${connections} connections keep B's / busy`, loaded);
  const worst = Math.max(...[...quietRows, ...loadedRows].map((r) => r.p50));
  console.log(
    `\nTarget: visible on B within 100 ms of A's commit (median): ${worst <= 100 ? 'PASS' : 'MISS'} (worst median ${worst.toFixed(1)} ms)`,
  );
  await throughput([a, b], connections);
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await stopAll(a, b);
  await cluster.destroy();
}
process.exit(exitCode);

/**
 * `/` req/s of each replica against a static server (nginx when installed) serving the same bytes, at
 * `connections`: alternating 5 s runs (replica, static, replica, static) so that other load on the
 * machine hits both alike.
 */
async function throughput(replicas: HeraldProcess[], connections: number): Promise<void> {
  const body = await (await fetch(`${replicas[0]!.url}/`)).text();
  const baseline = await startStaticBaseline(body);
  try {
    console.log(
      `\n/ req/s at ${connections} connections, each replica against ${baseline.name} serving the same bytes (alternating 5 s runs):`,
    );
    for (const [i, h] of replicas.entries()) {
      const sum = { herald: 0, static: 0 };
      for (let k = 0; k < 2; k++) {
        sum.herald += (await autocannon({ url: `${h.url}/`, connections, duration: 5 })).requests.average;
        sum.static += (await autocannon({ url: `${baseline.url}/`, connections, duration: 5 })).requests.average;
      }
      console.log(
        `  replica ${'AB'[i] ?? i + 1}: ${fmt(sum.herald / 2)} req/s vs ${fmt(sum.static / 2)} req/s (${(sum.herald / sum.static).toFixed(2)}x)`,
      );
    }
  } finally {
    await baseline.stop();
  }
}

function expectOk(res: Response): void {
  if (!res.ok) throw new Error(`setup answered ${res.status}`);
}
