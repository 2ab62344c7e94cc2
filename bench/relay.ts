/**
 * `npm run bench:relay [-- --duration S]`: public p99 while the mail relay
 * is healthy, then while it hangs (accepts TCP, never greets) with a backlog
 * of notices retrying, then while it refuses connections. Same Herald, same
 * load (autocannon, 50 connections on / and /api/v2/summary.json).
 */
import autocannon from 'autocannon';
import { createServer, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { removeDir, startHerald } from '../tests/helpers/server.ts';
import { startSmtp } from '../tests/helpers/smtp.ts';
import { SITE, subscribeAndConfirm, until } from '../tests/helpers/mail-flow.ts';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '5' }, subscribers: { type: 'string', default: '30' } } });
const duration = Number(values.duration);
const smtp = await startSmtp();
const port = Number(new URL(smtp.url).port);
const h = await startHerald({
  env: {
    HERALD_SEED: 'demo',
    STATIC_SNAPSHOT: 'false',
    SITE_URL: SITE,
    SMTP_URL: `smtp://127.0.0.1:${port}/?greetingTimeout=2000&connectionTimeout=2000&socketTimeout=4000`,
    MAIL_RETRY_BASE_MS: '250',
    MAIL_RETRY_MAX_MS: '1000',
    MAIL_MAX_ATTEMPTS: '100',
    SUBSCRIBE_LIMIT_PER_IP: '1000',
  },
});
const rows: Array<{ phase: string; path: string; rps: number; p99: number; errors: number }> = [];
const measure = async (phase: string) => {
  for (const path of ['/', '/api/v2/summary.json']) {
    const r = await autocannon({ url: `${h.url}${path}`, connections: 50, duration });
    rows.push({ phase, path, rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx });
  }
};
try {
  for (let i = 0; i < Number(values.subscribers); i++) await subscribeAndConfirm(h, smtp, `reader${i}@example.test`);
  // Warm-up (JIT, page cache) so the first phase is not penalised.
  for (const path of ['/', '/api/v2/summary.json']) await autocannon({ url: `${h.url}${path}`, connections: 50, duration: 2 });
  await measure('relay healthy (idle queue)');
  await smtp.close();
  const sockets = new Set<Socket>();
  let tries = 0;
  const hung = createServer((s) => {
    tries++;
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => hung.listen(port, '127.0.0.1', () => r()));
  const declared = await h.admin('/incidents', { body: { name: 'Relay bench', impact: 'critical', body: 'Investigating.', notify: true } });
  if (declared.status !== 201) throw new Error(`declare answered ${declared.status}`);
  await until(() => tries > 0, 'Herald to reach the hung relay');
  await measure(`relay hangs (${values.subscribers} notices retrying)`);
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => hung.close(() => r()));
  await measure('relay refuses connections');
  const base = rows.filter((r) => r.phase.startsWith('relay healthy'));
  console.log(`\n| phase | path | req/s | p99 ms | errors |\n|---|---|--:|--:|--:|`);
  for (const r of rows) console.log(`| ${r.phase} | ${r.path} | ${Math.round(r.rps).toLocaleString('en-US')} | ${r.p99} | ${r.errors} |`);
  for (const r of rows.filter((x) => !x.phase.startsWith('relay healthy'))) {
    const b = base.find((x) => x.path === r.path)!;
    console.log(`${r.phase}, ${r.path}: p99 ${r.p99} ms vs ${b.p99} ms healthy (${(r.p99 / b.p99).toFixed(2)}x)`);
  }
  const deliveries = (await (await h.admin('/deliveries')).json()) as { pending: number; last_error: unknown };
  console.log(`Queue after the run: ${deliveries.pending} pending; last error: ${JSON.stringify(deliveries.last_error)}`);
} finally {
  await h.stop();
  removeDir(h.dataDir);
}
