/**
 * `npm run bench:channels`: channel (webhook) deliveries next to email, on a
 * real Herald process. Sizes come from the environment: CHANNELS (default
 * 1000), SUBSCRIBERS (100000), HANGING (200), LOAD_SECONDS (10),
 * CONNECTIONS (50), SMTP_POOL (16), MAX_WAIT (240 s for part 1).
 *
 * 1. One publish to CHANNELS webhook channels and SUBSCRIBERS confirmed email
 *    subscribers at once: a SEV-1 incident affecting a component everyone
 *    watches, so each channel owes two webhooks (the incident and the
 *    component_update) and each subscriber one email. Prints when all arrived
 *    at the local receivers (bench/channels-receiver.ts), lost and duplicated
 *    (by webhook-id, and per recipient), signatures of a sample checked with
 *    the `standardwebhooks` package, and Herald's peak RSS.
 * 2. Page latency while HANGING channels hang: `/` under autocannon for
 *    LOAD_SECONDS right after an update is published, first with only the
 *    answering channels, then with HANGING more channels whose receiver reads
 *    the request and never answers (Herald gives up after CHANNEL_TIMEOUT_MS,
 *    5 s by default; set it in the environment to change it).
 *
 * Subscribers are written straight into DATA_DIR/subscribers.jsonl before
 * start, as bench:fanout does. Needs a build (npm run build, or HERALD_DIST).
 * CHANNELS_NODE_FLAGS passes Node flags to Herald (e.g. --cpu-prof, --trace-gc);
 * CHANNELS_LOG=file keeps its output.
 */
import autocannon from 'autocannon';
import { Webhook } from 'standardwebhooks';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { removeDir, startHerald, tempDataDir, type HeraldProcess } from '../tests/helpers/server.ts';
import { seedSubscribers } from '../tests/fixtures/subscribers.ts';
import { startReceiver, type HttpStats, type SmtpStats } from './channels-receiver.ts';
import { ROOT, cpuSeconds, fmt, machineInfo, nodeFlags, procMb, requireBuild } from './common.ts';

const envInt = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`bench:channels: ${name} must be a whole number, not ${JSON.stringify(raw)}`);
    process.exit(1);
  }
  return n;
};
const CHANNELS = envInt('CHANNELS', 1000);
const SUBSCRIBERS = envInt('SUBSCRIBERS', 100_000);
const HANGING = envInt('HANGING', 200);
const LOAD_SECONDS = envInt('LOAD_SECONDS', 10);
const CONNECTIONS = envInt('CONNECTIONS', 50);
const SMTP_POOL = envInt('SMTP_POOL', 16);
const MAX_WAIT_MS = envInt('MAX_WAIT', 240) * 1000;
/** Every SAMPLE_EVERY-th channel's webhooks get their signatures checked. */
const SAMPLE_EVERY = Math.max(1, envInt('SAMPLE_EVERY', 10));
const DOMAIN = 'bench.example';
const COMPONENT = 'api';
const CREATE_CONCURRENCY = 8;

const dist = requireBuild('bench:channels');
const machine = machineInfo();
const epochMs = () => performance.timeOrigin + performance.now();
const secs = (ms: number | null) => (ms === null ? '—' : (ms / 1000).toFixed(2));
console.log(
  `bench:channels: ${fmt(CHANNELS)} webhook channels + ${fmt(SUBSCRIBERS)} email subscribers, then ${fmt(HANGING)} hanging channels ` +
    `(build ${dist}/)\nMachine: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}; load average ${machine.loadavg.join(' ')} at start`,
);

// Everything started is ended on the way out, on failure and on Ctrl-C too.
let herald: HeraldProcess | null = null;
let starting: Promise<unknown> | null = null;
let dataDir: string | null = null;
const receivers: Array<{ stop(): void }> = [];
const cleanupNow = () => {
  if (herald && herald.proc.exitCode === null && herald.proc.signalCode === null) herald.proc.kill('SIGKILL');
  for (const r of receivers) r.stop();
  if (dataDir) removeDir(dataDir);
  dataDir = null;
};
process.once('exit', cleanupNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    // A Herald still starting is only known (and killable) once it listens.
    if (starting) await Promise.race([starting.then((x) => (herald = x as HeraldProcess)).catch(() => {}), sleep(25_000)]);
    cleanupNow();
    process.exit(130);
  });
}

interface ChannelRef {
  id: string;
  secret: string;
  path: string;
}

async function ok<T>(res: Response | Promise<Response>, status: number, what: string): Promise<T> {
  const r = await res;
  if (r.status !== status) throw new Error(`${what} answered ${r.status}: ${(await r.text()).slice(0, 300)}`);
  return (await r.json()) as T;
}

/** Creates webhook channels through the admin API, a few requests in flight at a time. */
async function createChannels(h: HeraldProcess, urls: string[], label: string) {
  const out: ChannelRef[] = new Array(urls.length);
  const ms: number[] = new Array(urls.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < urls.length; i = next++) {
      const start = performance.now();
      const ch = await ok<{ id: string; secret: string }>(
        h.admin('/channels', { body: { kind: 'webhook', name: `${label} ${i}`, url: urls[i] } }),
        201,
        `create channel ${i}`,
      );
      ms[i] = performance.now() - start;
      out[i] = { id: ch.id, secret: ch.secret, path: new URL(urls[i]!).pathname };
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, worker));
  // Requests overlap (CREATE_CONCURRENCY in flight), so the mean answer time of the first and last tenth shows any growth.
  const tenth = Math.max(1, Math.floor(urls.length / 10));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    channels: out,
    seconds: (performance.now() - start) / 1000,
    firstTenthMs: mean(ms.slice(0, tenth)),
    lastTenthMs: mean(ms.slice(-tenth)),
  };
}

/** Waits (up to 20 s) until Herald uses under 10% of a CPU for a second, so one measurement's after-effects stay out of the next. */
async function waitIdle(h: HeraldProcess): Promise<number> {
  const start = performance.now();
  let calm = 0;
  let cpu = cpuSeconds(h.proc.pid);
  while (calm < 2 && performance.now() - start < 20_000) {
    await sleep(500);
    const now = cpuSeconds(h.proc.pid);
    calm = now - cpu < 0.05 ? calm + 1 : 0;
    cpu = now;
  }
  return (performance.now() - start) / 1000;
}

/** What the receivers saw of the webhooks `expected` (webhook-id → path) asks for. */
function hookFigures(stats: HttpStats, expected: Map<string, string>, since: number) {
  let arrived = 0;
  let duplicated = 0;
  let misrouted = 0;
  let unexpected = 0;
  let first: number | null = null;
  let last: number | null = null;
  for (const d of stats.deliveries) {
    const path = expected.get(d.id);
    if (path === undefined) {
      if (d.firstAt >= since) unexpected++;
      continue;
    }
    arrived++;
    duplicated += d.count - 1;
    if (d.path !== path) misrouted++;
    first = Math.min(first ?? Infinity, d.firstAt - since);
    last = Math.max(last ?? -Infinity, d.firstAt - since);
  }
  return { expected: expected.size, arrived, lost: expected.size - arrived, duplicated, misrouted, unexpected, first, last };
}
type HookFigures = ReturnType<typeof hookFigures>;

interface PageRow {
  condition: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  /** Herald's CPU seconds in the window, and per 1,000 answers: less at the mercy of other processes than req/s. */
  cpu: number;
  cpuMsPer1k: number;
}

async function measurePage(h: HeraldProcess, condition: string): Promise<PageRow> {
  const cpu0 = cpuSeconds(h.proc.pid);
  const r = await autocannon({ url: `${h.url}/`, connections: CONNECTIONS, duration: LOAD_SECONDS });
  const cpu = cpuSeconds(h.proc.pid) - cpu0;
  return {
    cpu,
    cpuMsPer1k: (cpu * 1e6) / Math.max(1, r.requests.total),
    condition,
    reqPerSec: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((l) => l[i]!.length)));
  const line = (cells: string[]) =>
    '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  return [
    line(head),
    '|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|',
    ...rows.map(line),
  ].join('\n');
}

const smtp = await startReceiver<SmtpStats>('smtp', [DOMAIN]);
receivers.push(smtp);
const hooks = await startReceiver<HttpStats>('http', [String(SAMPLE_EVERY)]);
receivers.push(hooks);
const [hookPort, hangPort] = hooks.ports as [number, number];

dataDir = tempDataDir('herald-channels-');
let t = performance.now();
seedSubscribers(
  dataDir,
  Array.from({ length: SUBSCRIBERS }, (_, i) => ({ email: `user${i}@${DOMAIN}` })),
);
console.log(`seeded ${fmt(SUBSCRIBERS)} subscribers in ${(performance.now() - t).toFixed(0)} ms`);

t = performance.now();
const startingHerald = startHerald({
  dataDir,
  env: {
    SMTP_URL: `smtp://127.0.0.1:${smtp.ports[0]}`,
    SMTP_POOL_SIZE: String(SMTP_POOL),
    SITE_URL: 'https://status.bench.example',
    ALLOW_PRIVATE_WEBHOOKS: 'true',
  },
  nodeArgs: nodeFlags('CHANNELS_NODE_FLAGS'),
});
starting = startingHerald;
const h: HeraldProcess = await startingHerald;
herald = h;
starting = null;
const channelTimeout = process.env.CHANNEL_TIMEOUT_MS || '5000 (default)';
console.log(
  `Herald started in ${(performance.now() - t).toFixed(0)} ms; SMTP_POOL_SIZE=${SMTP_POOL}, CHANNEL_TIMEOUT_MS=${channelTimeout}`,
);
const rss = () => procMb(h.proc.pid, 'VmRSS');
const peakRss = () => procMb(h.proc.pid, 'VmHWM');
const rssStart = rss();

let failed = false;
try {
  await ok(h.admin('/components', { body: { id: COMPONENT, name: 'API' } }), 201, 'create component');

  // Part 1: one publish to every channel and every subscriber.
  const created = await createChannels(
    h,
    Array.from({ length: CHANNELS }, (_, i) => `http://127.0.0.1:${hookPort}/hook/${i}`),
    'bench webhook',
  );
  const channels = created.channels;
  console.log(
    `created ${fmt(CHANNELS)} webhook channels in ${created.seconds.toFixed(1)} s ` +
      `(${CREATE_CONCURRENCY} at a time; mean answer ${created.firstTenthMs.toFixed(0)} ms for the first tenth, ${created.lastTenthMs.toFixed(0)} ms for the last)`,
  );
  const rssChannels = rss();
  await waitIdle(h);
  const rssBefore = rss();
  const cpu0 = cpuSeconds(h.proc.pid);

  const publishAt = epochMs();
  const incident = await ok<{ id: string; incident_updates: Array<{ id: string }> }>(
    h.admin('/incidents', {
      body: {
        name: 'Bench outage',
        severity: 'sev1',
        status: 'investigating',
        body: 'Channels benchmark: every channel and every subscriber hears of this.',
        components: { [COMPONENT]: 'major_outage' },
      },
    }),
    201,
    'declare',
  );
  const publishMs = epochMs() - publishAt;
  const declared = incident.incident_updates[0]!.id;
  const expected1 = new Map<string, string>();
  for (const c of channels) {
    expected1.set(`${c.id}.${declared}`, c.path);
    expected1.set(`${c.id}.${declared}.${COMPONENT}`, c.path);
  }

  let hooks1: HookFigures;
  let mail: SmtpStats;
  let lastPrint = performance.now();
  let peakDuring = 0;
  for (;;) {
    [hooks1, mail] = [hookFigures(await hooks.stats(), expected1, publishAt), await smtp.stats()];
    peakDuring = Math.max(peakDuring, rss());
    const done = hooks1.arrived >= hooks1.expected && mail.recipients >= SUBSCRIBERS;
    const waited = epochMs() - publishAt;
    if (done || waited > MAX_WAIT_MS) break;
    if (performance.now() - lastPrint > 5000) {
      lastPrint = performance.now();
      console.log(
        `  … ${(waited / 1000).toFixed(0)} s: webhooks ${fmt(hooks1.arrived)}/${fmt(hooks1.expected)}, ` +
          `emails ${fmt(mail.recipients)}/${fmt(SUBSCRIBERS)}, RSS ${rss().toFixed(0)} MB (peak ${peakRss().toFixed(0)} MB)`,
      );
    }
    await sleep(200);
  }
  const part1Seconds = (epochMs() - publishAt) / 1000;
  const cpu1 = cpuSeconds(h.proc.pid) - cpu0;
  // Late duplicates (a retry of something already delivered) would arrive after this.
  await sleep(2000);
  [hooks1, mail] = [hookFigures(await hooks.stats(), expected1, publishAt), await smtp.stats()];
  const outbox = await ok<{ updates: Array<{ update_id: string; sent: number; failed: number; queued: number; fanout_done: boolean }> }>(
    h.admin('/deliveries'),
    200,
    'deliveries',
  );
  const intent = outbox.updates.find((u) => u.update_id === declared);
  const peakAfterPart1 = peakRss();
  const rssAfterPart1 = rss();

  // Signatures: every SAMPLE_EVERY-th channel's webhooks, with the secret its creation returned.
  const byPath = new Map(channels.map((c) => [c.path, c]));
  let verified = 0;
  const badSignatures: string[] = [];
  for (const s of await hooks.samples()) {
    const ch = byPath.get(s.path);
    if (!ch || !expected1.has(s.headers['webhook-id'] ?? '')) continue;
    try {
      const payload = new Webhook(ch.secret).verify(s.body, s.headers) as { incident?: { id: string }; component_update?: object };
      if (!payload.incident && !payload.component_update) throw new Error('neither incident nor component_update in the body');
      if (payload.incident && payload.incident.id !== incident.id) throw new Error(`incident ${payload.incident.id}`);
      verified++;
    } catch (err) {
      badSignatures.push(`${s.path} ${s.headers['webhook-id']}: ${(err as Error).message}`);
    }
  }
  const lost1 = hooks1.lost + (SUBSCRIBERS - mail.recipients);
  const dup1 = hooks1.duplicated + mail.duplicates;
  if (lost1 > 0 || dup1 > 0 || badSignatures.length > 0 || hooks1.misrouted > 0) failed = true;

  // Part 2: GET / right after an update, without and then with hanging channels.
  const publishUpdate = async (label: string) => {
    const at = epochMs();
    const res = await ok<{ incident_updates: Array<{ id: string }> }>(
      h.admin(`/incidents/${incident.id}/updates`, {
        body: { status: 'identified', body: `Channels benchmark: ${label}.`, notify: false },
      }),
      201,
      'update',
    );
    return { at, answeredMs: epochMs() - at, id: res.incident_updates[0]!.id };
  };
  const expectedFor = (chs: ChannelRef[], update: string) => new Map(chs.map((c) => [`${c.id}.${update}`, c.path]));
  const pageRows: PageRow[] = [];

  console.log(`\npart 2: GET / for ${LOAD_SECONDS} s with ${CONNECTIONS} connections right after an update`);
  const idle: number[] = [await waitIdle(h)];
  const load: number[] = [loadavg()[0]!];
  const u1 = await publishUpdate('update with answering channels only');
  pageRows.push(await measurePage(h, `after an update to ${fmt(CHANNELS)} answering channels`));
  const hooksU1 = hookFigures(await hooks.stats(), expectedFor(channels, u1.id), u1.at);
  console.log(`  without hanging channels: ${fmt(pageRows[0]!.reqPerSec)} req/s, p99 ${pageRows[0]!.p99} ms`);

  const hanging = await createChannels(
    h,
    Array.from({ length: HANGING }, (_, i) => `http://127.0.0.1:${hangPort}/hang/${i}`),
    'bench hanging',
  );
  console.log(
    `  created ${fmt(HANGING)} hanging channels in ${hanging.seconds.toFixed(1)} s ` +
      `(mean answer ${hanging.firstTenthMs.toFixed(0)} ms for the first tenth, ${hanging.lastTenthMs.toFixed(0)} ms for the last)`,
  );
  idle.push(await waitIdle(h));
  load.push(loadavg()[0]!);
  const u2 = await publishUpdate('update with hanging channels');
  const windowStart = epochMs();
  pageRows.push(await measurePage(h, `same, plus ${fmt(HANGING)} hanging channels`));
  const windowEnd = epochMs();
  const stats2 = await hooks.stats();
  const hooksU2 = hookFigures(stats2, expectedFor(channels, u2.id), u2.at);
  const timeline = stats2.hang.timeline.filter(([at]) => at >= windowStart && at <= windowEnd);
  const inWindow = timeline.map(([, open]) => open);
  // When in the window every hanging channel had a request open (the receiver samples every 250 ms).
  const allOpenAt = timeline.find(([, open]) => open >= HANGING)?.[0] ?? null;
  const allOpenUntil = allOpenAt === null ? null : (timeline.find(([at, open]) => at > allOpenAt && open < HANGING)?.[0] ?? windowEnd);
  const allOpen =
    allOpenAt === null || allOpenUntil === null
      ? `never all ${fmt(HANGING)} open at once`
      : `all ${fmt(HANGING)} open from ${((allOpenAt - windowStart) / 1000).toFixed(1)} s to ${((allOpenUntil - windowStart) / 1000).toFixed(1)} s`;
  const hangRequestsInWindow = stats2.hang.requests;
  console.log(`  with ${fmt(HANGING)} hanging channels: ${fmt(pageRows[1]!.reqPerSec)} req/s, p99 ${pageRows[1]!.p99} ms`);
  const peakEnd = peakRss();
  const rssEnd = rss();
  // The console's channel list carries each channel's delivery counts.
  const listStart = performance.now();
  await ok(h.admin('/channels'), 200, 'channel list');
  const listMs = performance.now() - listStart;
  const channelLog = h
    .output()
    .split('\n')
    .filter((l) => l.includes('[channels]'));

  // The figures.
  console.log('\npart 1: one SEV-1 publish (declare answered in ' + publishMs.toFixed(0) + ' ms)');
  console.log(
    table(
      ['deliveries', 'expected', 'arrived', 'lost', 'duplicated', 'first after s', 'all after s'],
      [
        [
          `webhooks (${fmt(CHANNELS)} channels × 2)`,
          fmt(hooks1.expected),
          fmt(hooks1.arrived),
          fmt(hooks1.lost),
          fmt(hooks1.duplicated),
          secs(hooks1.first),
          hooks1.lost === 0 ? secs(hooks1.last) : 'not all',
        ],
        [
          `emails (${fmt(SUBSCRIBERS)} subscribers)`,
          fmt(SUBSCRIBERS),
          fmt(mail.recipients),
          fmt(SUBSCRIBERS - mail.recipients),
          fmt(mail.duplicates),
          secs(mail.firstAt === null ? null : mail.firstAt - publishAt),
          SUBSCRIBERS === 0
            ? '—'
            : mail.recipients >= SUBSCRIBERS && mail.lastNewAt !== null
              ? secs(mail.lastNewAt - publishAt)
              : 'not all',
        ],
      ],
    ),
  );
  console.log(
    `  webhooks: ${hooks1.misrouted} at the wrong channel's path, ${hooks1.unexpected} unexpected ids, ${stats2.malformed} malformed; ` +
      `signatures: ${verified} of a sample verified with standardwebhooks${badSignatures.length ? `, ${badSignatures.length} FAILED: ${badSignatures.slice(0, 3).join('; ')}` : ', none failed'}`,
  );
  console.log(
    `  Herald's outbox for the notice: ${intent ? `${fmt(intent.sent)} sent, ${fmt(intent.failed)} failed, ${fmt(intent.queued)} queued, fan-out ${intent.fanout_done ? 'done' : 'not done'}` : 'not found'}; ` +
      `SMTP server saw ${fmt(mail.messages)} messages, ${fmt(mail.otherRecipients)} to other domains`,
  );
  console.log(
    `  Herald RSS: ${rssStart.toFixed(0)} MB after start, ${rssChannels.toFixed(0)} MB with the channels, ${rssBefore.toFixed(0)} MB before the publish, peak ${peakAfterPart1.toFixed(0)} MB, ${rssAfterPart1.toFixed(0)} MB after; ` +
      `CPU ${cpu1.toFixed(1)} s in ${part1Seconds.toFixed(1)} s`,
  );

  console.log(`\npart 2: GET / for ${LOAD_SECONDS} s, ${CONNECTIONS} connections, started right after an update (notify: false)`);
  console.log(
    table(
      ['condition', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'errors', 'Herald CPU s', 'CPU ms/1k req'],
      pageRows.map((r) => [
        r.condition,
        fmt(r.reqPerSec),
        String(r.p50),
        String(r.p99),
        String(r.max),
        fmt(r.non2xx),
        fmt(r.errors),
        r.cpu.toFixed(1),
        r.cpuMsPer1k.toFixed(0),
      ]),
    ),
  );
  console.log(
    `  update answered in ${u1.answeredMs.toFixed(0)} ms / ${u2.answeredMs.toFixed(0)} ms; its webhook reached all ${fmt(CHANNELS)} answering channels after ` +
      `${hooksU1.lost === 0 ? `${secs(hooksU1.last)} s` : `— (${hooksU1.lost} missing)`} / ${hooksU2.lost === 0 ? `${secs(hooksU2.last)} s` : `— (${hooksU2.lost} missing)`}` +
      ` (duplicates ${hooksU1.duplicated} / ${hooksU2.duplicated})`,
  );
  if (HANGING > 0) {
    console.log(
      `  hanging receiver: ${fmt(hangRequestsInWindow)} requests by the end of the window (${fmt(HANGING)} channels); ${allOpen} ` +
        `of the ${((windowEnd - windowStart) / 1000).toFixed(1)} s window (sampled every 250 ms), open min ` +
        `${inWindow.length ? Math.min(...inWindow) : '—'} / max ${inWindow.length ? Math.max(...inWindow) : '—'}; ${fmt(stats2.hang.closed)} closed by Herald (CHANNEL_TIMEOUT_MS ${channelTimeout})`,
    );
  }
  console.log(
    `  before each window Herald was left to go idle (${idle.map((s) => s.toFixed(1)).join(' s / ')} s); machine load average ${load.map((l) => l.toFixed(1)).join(' / ')} (other processes share the ${machine.cpus} CPUs)`,
  );
  console.log(
    `  Herald RSS at the end: ${rssEnd.toFixed(0)} MB, peak ${peakEnd.toFixed(0)} MB; GET /api/admin/channels (${fmt(CHANNELS + HANGING)} channels) ` +
      `answered in ${listMs.toFixed(0)} ms; ${channelLog.length} [channels] log lines`,
  );
  for (const l of channelLog.slice(0, 5)) console.log(`    ${l}`);
  const end = machineInfo();
  console.log(`\nMachine: ${end.cpus} × ${end.cpuModel}; Node ${end.node}; load average ${end.loadavg.join(' ')} at the end`);

  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  const out = `${ROOT}bench/results/channels-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(
    out,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        sizes: { CHANNELS, SUBSCRIBERS, HANGING, LOAD_SECONDS, CONNECTIONS, SMTP_POOL, CHANNEL_TIMEOUT_MS: channelTimeout },
        part1: {
          publishMs,
          webhooks: hooks1,
          email: {
            ...mail,
            firstAfterMs: mail.firstAt && mail.firstAt - publishAt,
            allAfterMs: mail.lastNewAt && mail.lastNewAt - publishAt,
          },
          signatures: { verified, failed: badSignatures },
          rss: {
            start: rssStart,
            withChannels: rssChannels,
            before: rssBefore,
            peak: peakAfterPart1,
            after: rssAfterPart1,
            peakSampled: peakDuring,
          },
          cpuSeconds: cpu1,
        },
        create: { ...created, channels: undefined, hanging: { ...hanging, channels: undefined } },
        part2: {
          pageRows,
          hooksU1,
          hooksU2,
          idleSeconds: idle,
          loadavg: load,
          hang: { requests: stats2.hang.requests, closed: stats2.hang.closed, timeline, allOpen },
        },
        rss: { end: rssEnd, peak: peakEnd },
        adminChannelListMs: listMs,
        machine: { start: machine, end },
      },
      null,
      2,
    ),
  );
  console.log(`Saved ${out}`);
} catch (err) {
  failed = true;
  console.error(err);
  console.error(`Herald's last output:\n${h.output().slice(-3000)}`);
} finally {
  await Promise.race([h.stop(), sleep(10_000)]);
  // CHANNELS_LOG=file keeps what Herald printed (with CHANNELS_NODE_FLAGS=--trace-gc, its heap after each GC).
  if (process.env.CHANNELS_LOG) writeFileSync(process.env.CHANNELS_LOG, h.output());
  cleanupNow();
}
if (failed) process.exitCode = 1;
