/**
 * `npm run bench:pg-fanout [-- --replicas 2 --sizes 10000,100000]`: one
 * notice fanned out to N confirmed subscribers by Herald replicas on one
 * PostgreSQL 15 database (a throwaway cluster, as the tests start one),
 * through the discard SMTP server of bench:fanout. For each size, on a fresh
 * database and fresh replicas: time from the publish until every delivery is
 * recorded sent, messages/s, each replica's share (mail_deliveries.sent_by)
 * and its peak RSS (VmHWM), what the SMTP server got (lost and duplicated
 * messages), then the latency of 1,000 subscribe requests (10 at a time,
 * spread over the replicas) with that many subscribers stored. The sizes
 * differ tenfold so that memory that grows with the number of subscribers
 * shows. Needs a build (npm run build)
 * and PostgreSQL's binaries (PG_BIN, default /usr/lib/postgresql/15/bin).
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type HeraldProcess, startHerald, stopAll } from '../tests/helpers/server.ts';
import { startPgCluster } from '../tests/helpers/pg.ts';
import { startSink } from './fanout-sink.ts';
import { fmt, machineInfo, procMb, quantile, requireBuild } from './common.ts';

const { values } = parseArgs({
  options: { replicas: { type: 'string', default: '2' }, sizes: { type: 'string', default: '10000,100000' } },
});
const replicas = Number(values.replicas);
const sizes = values.sizes.split(',').map(Number);
requireBuild('bench:pg-fanout');

const machine = machineInfo();
console.log(
  `npm run bench:pg-fanout -- --replicas ${replicas} --sizes ${sizes.join(',')}\nMachine: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}; load average ${machine.loadavg.join(' ')} at start`,
);

const cluster = await startPgCluster();
const sink = await startSink();
try {
  for (const n of sizes) {
    const url = await cluster.database();
    const env = {
      DATABASE_URL: url,
      SITE_URL: 'https://status.example.test',
      SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      SUBSCRIBE_LIMIT_PER_IP: '1000000',
    };
    const domain = `s${n}.bench.test`;
    const hs: HeraldProcess[] = await Promise.all(Array.from({ length: replicas }, () => startHerald({ env })));
    try {
      await cluster.sql(
        `INSERT INTO mail_subscribers (id, email, email_key, state, components, confirms, requested_at, created_at, updated_at, confirmed_at)
         SELECT 'b' || g, 'r' || g || '@${domain}', 'r' || g || '@${domain}', 'confirmed', '{}', 1, now(), now(), now(), now()
         FROM generate_series(1, ${n}) g`,
        url,
      );
      const rssBefore = hs.map((h) => procMb(h.proc.pid, 'VmRSS'));
      const sinkBefore = await sink.counts();
      const t0 = performance.now();
      const res = await hs[hs.length - 1]!.admin('/incidents', {
        body: { name: `Fan-out ${n}`, impact: 'critical', body: 'Down.', notify: true },
      });
      if (res.status !== 201) throw new Error(`publish answered ${res.status}: ${await res.text()}`);
      let sent = 0;
      while (sent < n) {
        await new Promise((r) => setTimeout(r, 200));
        sent = Number(await cluster.sql(`SELECT count(*) FROM mail_deliveries WHERE state = 'sent' AND kind <> 'confirm'`, url));
        if (performance.now() - t0 > 600_000) throw new Error(`only ${sent} of ${n} sent after 10 minutes`);
      }
      const seconds = (performance.now() - t0) / 1000;
      const shares = (await cluster.sql(`SELECT sent_by, count(*) FROM mail_deliveries GROUP BY sent_by ORDER BY sent_by`, url))
        .trim()
        .split('\n')
        .map((line) => line.split('|'));
      // Every delivery is recorded sent once the server accepted it: what it got is in by now.
      const got = await sink.counts();
      const distinct = got.byDomain[domain] ?? 0;
      const messages = got.messages - sinkBefore.messages;
      console.log(`\n${fmt(n)} subscribers, ${replicas} replicas`);
      console.log(`  fan-out total       ${seconds.toFixed(1)} s (${fmt(Math.round(n / seconds))} messages/s)`);
      console.log(
        `  SMTP server got     ${fmt(messages)} messages for ${fmt(distinct)} distinct recipients: ${fmt(n - distinct)} lost, ${fmt(messages - distinct)} duplicated`,
      );
      for (const [i, h] of hs.entries()) {
        const share = shares.find(([who]) => who!.endsWith(`:${h.proc.pid}`))?.[1] ?? '0';
        console.log(
          `  replica ${i + 1}           sent ${fmt(Number(share))}; RSS ${rssBefore[i]!.toFixed(0)} MB before, peak ${procMb(h.proc.pid, 'VmHWM').toFixed(0)} MB`,
        );
      }
      const latencies = (await subscribeLatencies(hs, 1000, 10)).sort((x, y) => x - y);
      console.log(
        `  subscribe           p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms (1,000 requests, 10 at a time, ${fmt(n)} stored)`,
      );
    } finally {
      await stopAll(...hs);
    }
  }
} finally {
  sink.stop();
  await cluster.destroy();
}

/** `total` subscribe requests, `concurrency` at a time, round robin over the replicas; each one's latency in ms. */
async function subscribeLatencies(hs: HeraldProcess[], total: number, concurrency: number): Promise<number[]> {
  const out: number[] = [];
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < total; i = next++) {
      const h = hs[i % hs.length]!;
      const t = performance.now();
      const res = await fetch(`${h.url}/api/subscribers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: h.url },
        body: JSON.stringify({ email: `new${i}.${Date.now().toString(36)}@later.bench.test` }),
      });
      await res.arrayBuffer();
      if (res.status !== 202) throw new Error(`subscribe answered ${res.status}`);
      out.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return out;
}
