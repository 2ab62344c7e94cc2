import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { type HeraldProcess, startHerald, stopAll } from '../helpers/server.ts';
import { type PgCluster, startPgCluster } from '../helpers/pg.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, subscribeAndConfirm, to, until } from '../helpers/mail-flow.ts';

/*
 * Two replicas on one PostgreSQL 15, and a leader that hangs rather than dies (stopped with SIGSTOP, as a
 * stuck event loop or a paused VM would be): its process lives, so its session and the lead's advisory lock
 * would live on with it, and nothing would be emailed or posted for as long as it hung. Its session ends
 * after LEAD_IDLE_LIMIT_MS without a word from it, and the other replica leads and sends.
 */
type Json = Record<string, any>;

let cluster: PgCluster;
let smtp: TestSmtp;
let a: HeraldProcess;
let b: HeraldProcess;
let stopped: HeraldProcess | null = null;

const health = async (h: HeraldProcess): Promise<Json> => (await fetch(`${h.url}/healthz`)).json();

beforeAll(async () => {
  cluster = await startPgCluster();
  const dbUrl = await cluster.database();
  smtp = await startSmtp();
  const replica = () => startHerald({ env: { DATABASE_URL: dbUrl, SITE_URL: SITE, SMTP_URL: smtp.url } });
  [a, b] = await Promise.all([replica(), replica()]);
  expect((await a.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
  await subscribeAndConfirm(a, smtp, 'reader@example.com');
}, 90_000);
afterAll(async () => {
  stopped?.proc.kill('SIGCONT');
  await stopAll(a, b, smtp);
  await cluster?.destroy();
});

describe('a leader that hangs', () => {
  it('loses the lead: the other replica leads and sends the disruption notice, once', async () => {
    const [ha, hb] = await Promise.all([health(a), health(b)]);
    expect([ha.storage.leader, hb.storage.leader].filter(Boolean)).toHaveLength(1);
    const [frozen, other] = ha.storage.leader ? [a, b] : [b, a];
    frozen.proc.kill('SIGSTOP');
    stopped = frozen;
    const before = to(smtp, 'reader@example.com').length;
    const declared = await other.admin('/incidents', {
      body: { name: 'API errors', impact: 'major', status: 'investigating', body: 'Looking.', components: { api: 'major_outage' } },
    });
    expect(declared.status).toBe(201);
    // Before: the hung leader kept the lock, the other never led, and the notice waited as long as it hung.
    await until(async () => (await health(other)).storage.leader, 'the other replica to lead', 40_000, 250);
    await until(() => to(smtp, 'reader@example.com').length > before, 'the disruption notice', 30_000, 100);

    frozen.proc.kill('SIGCONT');
    stopped = null;
    // Woken, it finds its session gone and leads no more; nothing is sent twice.
    await until(async () => (await health(frozen)).storage.leader === false, 'the woken replica to stand down', 20_000, 250);
    await sleep(2_000);
    expect((await health(other)).storage.leader).toBe(true);
    const notices = to(smtp, 'reader@example.com').slice(before);
    expect(notices.map((r) => r.messageId)).toHaveLength(1);
  }, 120_000);
});
