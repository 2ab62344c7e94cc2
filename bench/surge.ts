/**
 * `npm run bench:surge [-- --duration 10 --pool 16 --n 100000 --connections 1000 --rate 100 --max-wait 600]`:
 * a major outage on one machine. While 1,000 connections read `/` and
 * `/api/banner.json` (half each), a critical incident is declared with notify,
 * its notice fans out to N confirmed subscribers through the local discard
 * SMTP server (bench/fanout-sink.ts), and visitors subscribe at 100/s. The
 * same load is measured first without fan-out or subscribes (baseline), then
 * on nginx serving the same bytes (anchor), all in one run: the load
 * generator shares the CPUs with Herald, so targets are ratios between
 * phases of one run. Needs a build (npm run build, or HERALD_DIST).
 * SURGE_NODE_FLAGS passes Node flags to Herald (e.g. --cpu-prof, --trace-gc); SURGE_LOG=file keeps its output.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { removeDir, startHerald, tempDataDir, type HeraldProcess } from '../tests/helpers/server.ts';
import { seedSubscribers } from '../tests/fixtures/subscribers.ts';
import { startSink } from './fanout-sink.ts';
import { startStaticBaseline } from './static-baseline.ts';
import { startLoad } from './load-window.ts';
import { atRate, cpuWindow, type Phase, phaseTable, type RateFigures, surgeVerdicts, verdictTable } from './surge-parts.ts';
import { ROOT, fmt, machineInfo, nodeFlags, procMb, requireBuild } from './common.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    pool: { type: 'string', default: '16' },
    n: { type: 'string', default: '100000' },
    connections: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '100' },
    ramp: { type: 'string', default: '2' },
    'max-wait': { type: 'string', default: '600' },
  },
});
const num = (k: keyof typeof values) => Number(values[k]);
const [duration, N, connections, rate, ramp, maxWait] = [
  num('duration'),
  num('n'),
  num('connections'),
  num('rate'),
  num('ramp'),
  num('max-wait'),
];
const dist = requireBuild('bench:surge');
const command = `npm run bench:surge${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const machine = machineInfo();
console.log(
  `${command}\nMachine: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, ${machine.nginx ?? 'no nginx'}; load average ${machine.loadavg.join(' ')} at start`,
);

const sink = await startSink();
const dataDir = tempDataDir('herald-surge-');
// Notices go to NOTICE_DOMAIN and confirmations to VISITOR_DOMAIN, so the sink's counts tell them apart.
const [NOTICE_DOMAIN, VISITOR_DOMAIN] = ['bench.example', 'surge.example'];
seedSubscribers(
  dataDir,
  Array.from({ length: N }, (_, i) => ({ email: `user${i}@${NOTICE_DOMAIN}` })),
);
const h: HeraldProcess = await startHerald({
  dataDir,
  env: {
    HERALD_SEED: 'demo', // the demo page (52 KB `/`), not an empty one
    SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
    SMTP_POOL_SIZE: values.pool!,
    SITE_URL: 'https://status.bench.example',
    // 100 subscribes/s from one loopback address: the limits must not be what is measured. The limiter
    // also refuses new addresses once 50,000 are counted in one window: a 60 s window keeps a long run under that.
    SUBSCRIBE_LIMIT_PER_IP: '10000000',
    SUBSCRIBE_LIMIT_PER_ADDRESS: '10000000',
    SUBSCRIBE_LIMIT_PER_ADDRESS_PER_DAY: '10000000',
    SUBSCRIBE_LIMIT_WINDOW_SECONDS: '60',
  },
  nodeArgs: nodeFlags('SURGE_NODE_FLAGS'),
}).catch((err) => {
  sink.stop(); // the sink must not outlive a failed start
  removeDir(dataDir);
  throw err;
});
console.log(
  `Herald (build ${dist}/) at ${h.url} with ${fmt(N)} confirmed subscribers, SMTP pool ${values.pool}; ${connections} connections, half on / and half on /api/banner.json`,
);

const targets = (base: string) => [
  { name: '/', url: `${base}/`, connections: Math.ceil(connections / 2) },
  { name: 'banner', url: `${base}/api/banner.json`, connections: Math.floor(connections / 2) },
];
const phases: Phase[] = [];

/** One phase: the load ramps up (not measured), then `during` runs inside the measured window. */
async function phase<T>(name: string, base: string, during: () => Promise<T>): Promise<Phase & { extra: T }> {
  const load = await startLoad(targets(base));
  let extra: T;
  let cpuPct: Record<string, number>;
  try {
    await sleep(ramp * 1000);
    const cpu = cpuWindow({ herald: h.proc.pid, loadgen: load.proc.pid, sink: sink.proc.pid });
    await load.mark();
    extra = await during();
    cpuPct = cpu();
  } catch (err) {
    load.proc.kill(); // else Herald's graceful stop waits for its connections forever
    throw err;
  }
  const report = await load.finish();
  const p = { phase: name, ...report, loadavg: Number(loadavg()[0]!.toFixed(2)), cpu: cpuPct };
  phases.push(p);
  console.log(
    `  ${name}: ${report.seconds.toFixed(1)} s window; ${report.rows.map((r) => `${r.name} ${fmt(r.reqPerSec)} req/s p99 ${r.p99} ms`).join(', ')}; load average ${p.loadavg}`,
  );
  return { ...p, extra };
}

interface Counts {
  queued: number;
  sent: number;
  failed: number;
}
type Deliveries = { pending: number; confirmations: Counts; updates: Array<Counts & { incident_id: string; fanout_done: boolean }> };
const deliveries = async () => (await (await h.admin('/deliveries')).json()) as Deliveries;

/**
 * The surge: declare with notify, subscribe at `rate`, and keep going until every notice is sent (at least
 * `duration`). Done when Herald says the fan-out is done and its count reached N, or the sink received all N
 * notice recipients: Herald's count can fall short of what was sent (a compaction during the fan-out drops it),
 * and that must not hang the benchmark; the mismatch is reported below.
 */
async function surge() {
  const t0 = performance.now();
  const res = await h.admin('/incidents', {
    body: {
      name: 'Major outage',
      impact: 'critical',
      status: 'investigating',
      body: 'Everything is down; we are on it.',
      components: {},
      notify: true,
    },
  });
  if (res.status !== 201) throw new Error(`declare answered ${res.status}: ${await res.text()}`);
  const declareMs = performance.now() - t0;
  const { id } = (await res.json()) as { id: string };
  const subscribes = atRate(h.url, rate, '/api/subscribers', 202, (i) => JSON.stringify({ email: `visitor${i}@${VISITOR_DOMAIN}` }));
  // For scale: what any request from this client costs under the same load (a subscribe cannot beat it).
  const healthz = atRate(h.url, 10, '/healthz', 200);
  // New visitors: each opens its own connection, which Herald must first accept while 1,000 others keep it busy.
  const newcomers = atRate(h.url, 10, '/', 200, undefined, { fresh: true });
  let fanoutSeconds = NaN;
  let lastPrint = t0;
  let failedPolls = 0;
  for (;;) {
    // A poll that fails (Herald too busy to accept it within 10 s) is counted, not fatal.
    const u = await deliveries().then(
      (d) => d.updates.find((x) => x.incident_id === id),
      () => void failedPolls++,
    );
    const received = (await sink.counts()).byDomain[NOTICE_DOMAIN] ?? 0;
    const elapsed = (performance.now() - t0) / 1000;
    if (Number.isNaN(fanoutSeconds) && u?.fanout_done && (u.sent + u.failed >= N || received >= N)) fanoutSeconds = elapsed;
    if (!Number.isNaN(fanoutSeconds) && elapsed >= duration) break;
    // A fan-out that does not finish is a result too (measured over --max-wait seconds), not a reason to print nothing.
    if (elapsed > maxWait) break;
    if (performance.now() - lastPrint > 5000) {
      lastPrint = performance.now();
      console.log(
        `    … ${fmt(u?.sent ?? 0)} sent (sink received ${fmt(received)}) after ${elapsed.toFixed(1)} s, ${failedPolls} failed admin polls, peak RSS ${procMb(h.proc.pid, 'VmHWM').toFixed(0)} MB, load average ${loadavg()[0]!.toFixed(1)}`,
      );
    }
    await sleep(250);
  }
  // Not awaited: the window ends now; answers still due (up to 30 s late) are counted after it.
  return { id, declareMs, fanoutSeconds, failedPolls, subscribes: subscribes.stop(), healthz: healthz.stop(), newcomers: newcomers.stop() };
}

try {
  const home = await (await fetch(`${h.url}/`)).text();
  const banner = await (await fetch(`${h.url}/api/banner.json`)).text();
  console.log(
    `/ is ${fmt(Buffer.byteLength(home))} bytes, the banner ${fmt(Buffer.byteLength(banner))}. Phases: baseline, nginx anchor, surge; ${ramp} s ramp each, then at least ${duration} s measured`,
  );
  const baseline = await phase('baseline (Herald, no fan-out)', h.url, () => sleep(duration * 1000));
  const rssBeforeSurge = procMb(h.proc.pid, 'VmHWM');
  const nginx = await startStaticBaseline(home, { '/api/banner.json': banner });
  const anchor = await phase(`anchor (${nginx.name}, same bytes)`, nginx.url, () => sleep(duration * 1000)).finally(() => nginx.stop());
  const s = await phase('surge (Herald, fan-out + subscribes)', h.url, surge);
  const peakRss = procMb(h.proc.pid, 'VmHWM');

  const [sub, healthz, newcomers]: [RateFigures, RateFigures, RateFigures] = await Promise.all([
    s.extra.subscribes,
    s.extra.healthz,
    s.extra.newcomers,
  ]);
  // Confirmations of the last visitors may still be on their way: wait for them (up to 30 s) before counting.
  let mail = await sink.counts();
  for (let i = 0; i < 120 && (mail.byDomain[VISITOR_DOMAIN] ?? 0) < sub.ok; i++, mail = await sink.counts()) await sleep(250);
  // Herald's counts first: it records a message once the sink took it, so a fan-out still running reads as fewer here.
  const d = await deliveries();
  mail = await sink.counts();
  const notice = d.updates.find((x) => x.incident_id === s.extra.id)!;
  const [notices, confirmations] = [mail.byDomain[NOTICE_DOMAIN] ?? 0, mail.byDomain[VISITOR_DOMAIN] ?? 0];
  // Each of the N got the notice, each accepted visitor a confirmation (visitors who gave up may get one too:
  // Herald still took their request), and no address got two messages.
  const intact = notices === N && confirmations >= sub.ok && confirmations <= sub.sent && mail.messages === mail.recipients;
  const counted = notice.sent === notices && notice.failed === 0 && d.confirmations.sent === confirmations;

  console.log(`\n${phaseTable(phases)}`);
  console.log(
    `\nSubscribes during the surge: ${sub.sent} sent (${sub.perSecond.toFixed(1)}/s), ${sub.ok} answered 202, p50 ${sub.p50} ms, p99 ${sub.p99} ms, max ${sub.max} ms; answers ${JSON.stringify(sub.statuses)}; sent again after a keep-alive reset: ${sub.retried}`,
  );
  console.log(
    `For scale, GET /healthz from the same client at 10/s meanwhile: p50 ${healthz.p50} ms, p99 ${healthz.p99} ms, max ${healthz.max} ms; answers ${JSON.stringify(healthz.statuses)}; sent again after a keep-alive reset: ${healthz.retried}`,
  );
  console.log(
    `New visitors meanwhile, GET / at 10/s on a fresh connection each: p50 ${newcomers.p50} ms, p99 ${newcomers.p99} ms, max ${newcomers.max} ms; answers ${JSON.stringify(newcomers.statuses)}`,
  );
  const fanoutDone = !Number.isNaN(s.extra.fanoutSeconds);
  const fanoutText = fanoutDone
    ? `${s.extra.fanoutSeconds.toFixed(1)} s`
    : `not done in ${s.seconds.toFixed(0)} s (${fmt(notices)} of ${fmt(N)} by the end)`;
  console.log(
    `Fan-out: declare answered in ${s.extra.declareMs.toFixed(0)} ms; ${s.extra.failedPolls} progress polls failed; ${fmt(notices)} notices received by the sink, ${fanoutText} (${fmt(notices / (fanoutDone ? s.extra.fanoutSeconds : s.seconds))} messages/s)`,
  );
  console.log(
    `SMTP sink: ${fmt(mail.messages)} messages for ${fmt(mail.recipients)} distinct recipients: ${fmt(notices)} of the ${fmt(N)} subscribers, ${fmt(confirmations)} of the ${fmt(sub.ok)} accepted visitors`,
  );
  console.log(
    `Herald's own counts: notice ${fmt(notice.sent)} sent, ${notice.failed} failed; confirmations ${fmt(d.confirmations.sent)} sent`,
  );
  console.log(`Herald peak RSS: ${peakRss.toFixed(0)} MB (${rssBeforeSurge.toFixed(0)} MB before the surge)`);

  const countText = counted ? 'match' : `notice ${notice.sent} sent vs ${notices} received`;
  const facts = { fanoutSeconds: s.extra.fanoutSeconds, fanoutText, peakRss, intact, counted, countText };
  const verdicts = surgeVerdicts({ baseline, anchor, surge: s, sub, ...facts });
  console.log(`\n${verdictTable(verdicts)}`);
  const end = machineInfo();
  console.log(
    `\n${command}\nMachine: ${end.cpus} × ${end.cpuModel}, Node ${end.node}; load average ${machine.loadavg.join(' ')} at start, ${end.loadavg.join(' ')} at end`,
  );

  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  const out = `${ROOT}bench/results/surge-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  const options = { duration, n: N, connections, rate, ramp, maxWait, pool: num('pool') };
  const fanout = { ...notice, seconds: s.extra.fanoutSeconds, declareMs: s.extra.declareMs, failedPolls: s.extra.failedPolls };
  const results = { at: new Date().toISOString(), command, options, dist, machine: { ...machine, loadavgEnd: end.loadavg }, phases };
  const more = {
    subscribes: sub,
    healthz,
    newcomers,
    fanout,
    confirmations: d.confirmations,
    sink: mail,
    peakRss,
    rssBeforeSurge,
    verdicts,
  };
  writeFileSync(out, JSON.stringify({ ...results, ...more }, null, 2));
  console.log(`Saved ${out}`);
} finally {
  await h.stop();
  if (process.env.SURGE_LOG) writeFileSync(process.env.SURGE_LOG, h.output());
  sink.stop();
  removeDir(dataDir);
}
