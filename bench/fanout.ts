/**
 * `npm run bench:fanout [-- --n 100000 --pool 16]`: fans one disruption notice
 * out to N confirmed subscribers through a real Herald process and a local
 * discard SMTP server (bench/fanout-sink.ts), then prints messages/s, total
 * seconds, Herald's peak RSS, and how long a subscribe takes with N stored.
 * Subscribers are written straight into DATA_DIR/subscribers.jsonl (the
 * journal format) before start. Needs a build (npm run build, or HERALD_DIST).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { availableParallelism, loadavg } from 'node:os';
import { removeDir, startHerald, tempDataDir } from '../tests/helpers/server.ts';
import { seedSubscribers } from '../tests/fixtures/subscribers.ts';
import { startSink } from './fanout-sink.ts';
import { cpuSeconds, nodeFlags, procMb, requireBuild } from './common.ts';

const { values } = parseArgs({ options: { n: { type: 'string', default: '100000' }, pool: { type: 'string', default: '16' } } });
const N = Number(values.n);
requireBuild('bench:fanout');

const sink = await startSink();
const { port } = sink;

const dataDir = tempDataDir('herald-fanout-');
let t = Date.now();
seedSubscribers(
  dataDir,
  Array.from({ length: N }, (_, i) => ({ email: `user${i}@bench.example` })),
);
console.log(`seeded ${N} subscribers in ${Date.now() - t} ms`);

t = Date.now();
// The sink must not outlive a failed start.
const h = await startHerald({
  dataDir,
  env: {
    SMTP_URL: `smtp://127.0.0.1:${port}`,
    SMTP_POOL_SIZE: values.pool!,
    SITE_URL: 'https://status.bench.example',
    SUBSCRIBE_LIMIT_PER_IP: '1000',
  },
  nodeArgs: nodeFlags('FANOUT_NODE_FLAGS'),
}).catch((err) => {
  sink.stop();
  removeDir(dataDir);
  throw err;
});
console.log(`Herald started with ${N} subscribers in ${Date.now() - t} ms`);
if (process.env.FANOUT_NODE_FLAGS) console.log(`Herald runs with the Node flags ${process.env.FANOUT_NODE_FLAGS}`);
const peakRss = () => procMb(h.proc.pid, 'VmHWM');
const rssAtStart = procMb(h.proc.pid, 'VmRSS');

try {
  // One subscribe with N stored: the journal appends one line, whatever N is.
  const samples: number[] = [];
  for (let i = 0; i < 21; i++) {
    const s = performance.now();
    const res = await fetch(`${h.url}/api/subscribers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `new${i}@bench.example` }),
    });
    if (res.status !== 202) throw new Error(`subscribe answered ${res.status}`);
    samples.push(performance.now() - s);
  }
  samples.sort((a, b) => a - b);

  const cpu0 = { herald: cpuSeconds(h.proc.pid), sink: cpuSeconds(sink.proc.pid) };
  const start = performance.now();
  const res = await h.admin('/incidents', {
    body: { name: 'Bench outage', impact: 'critical', status: 'investigating', body: 'Fan-out benchmark.', components: {} },
  });
  if (res.status !== 201) throw new Error(`declare answered ${res.status}`);
  const publishMs = performance.now() - start;
  let state: { updates: Array<{ sent: number; failed: number; queued: number; fanout_done: boolean }> } = { updates: [] };
  let lastPrint = 0;
  for (;;) {
    state = await (await h.admin('/deliveries')).json();
    const u = state.updates[0];
    if (u?.fanout_done && u.sent + u.failed >= N) break;
    if (performance.now() - lastPrint > 5000) {
      lastPrint = performance.now();
      console.log(
        `  … ${u?.sent ?? 0} sent after ${((performance.now() - start) / 1000).toFixed(1)} s, RSS peak ${peakRss().toFixed(0)} MB`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const seconds = (performance.now() - start) / 1000;
  const u = state.updates[0]!;
  const sink_ = await sink.counts();
  console.log('\nfan-out benchmark');
  console.log(`  subscribers           ${N}`);
  console.log(`  SMTP connections      ${values.pool} (SMTP_POOL_SIZE)`);
  console.log(
    `  sent / failed         ${u.sent} / ${u.failed} (SMTP server accepted ${sink_.messages} messages for ${sink_.recipients} distinct recipients)`,
  );
  console.log(`  publish answered in   ${publishMs.toFixed(0)} ms`);
  console.log(`  total                 ${seconds.toFixed(1)} s`);
  console.log(`  messages/s            ${(u.sent / seconds).toFixed(0)}`);
  console.log(`  Herald peak RSS       ${peakRss().toFixed(0)} MB (${rssAtStart.toFixed(0)} MB after start)`);
  const heraldCpu = cpuSeconds(h.proc.pid) - cpu0.herald;
  const sinkCpu = cpuSeconds(sink.proc.pid) - cpu0.sink;
  console.log(
    `  CPU during fan-out    Herald ${heraldCpu.toFixed(1)} s (${((heraldCpu * 1e6) / N).toFixed(0)} µs/message), SMTP sink ${sinkCpu.toFixed(1)} s; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} CPUs`,
  );
  console.log(`  one subscribe (${N} stored): median ${samples[10]!.toFixed(1)} ms, max ${samples.at(-1)!.toFixed(1)} ms`);
  console.log(`  target: ${N} in <= 60 s with RSS < 300 MB -> ${seconds <= 60 && peakRss() < 300 ? 'met' : 'NOT met'}`);
} finally {
  await h.stop();
  // FANOUT_LOG=file keeps what Herald printed (with FANOUT_NODE_FLAGS=--trace-gc, its heap after each GC).
  if (process.env.FANOUT_LOG) writeFileSync(process.env.FANOUT_LOG, h.output());
  sink.stop();
  removeDir(dataDir);
}
