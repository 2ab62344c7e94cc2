import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { type HeraldProcess, startHerald, stopAll } from '../helpers/server.ts';
import { type PgCluster, startPgCluster } from '../helpers/pg.ts';
import { until } from '../helpers/poll.ts';

/*
 * Two replicas on one PostgreSQL 15: a channel resumed on the replica that does not lead. The resume is a
 * change of the shared document; the leader, which alone writes the channel outbox, sees it and sends what
 * waited at once, not after the retry delay the old failures set (here 30 to 60 s).
 */
type Json = Record<string, any>;

let cluster: PgCluster;
let a: HeraldProcess;
let b: HeraldProcess;
let hooks: Server;
/** Every post that reached the receiver: the update it carries and the status it was answered. */
const arrivals: Array<{ update: string; status: number }> = [];
let up = false;

const health = async (h: HeraldProcess): Promise<Json> => (await fetch(`${h.url}/healthz`)).json();
const leader = async (): Promise<HeraldProcess | null> => {
  const [ha, hb] = await Promise.all([health(a), health(b)]);
  return ha.storage.leader ? a : hb.storage.leader ? b : null;
};

beforeAll(async () => {
  cluster = await startPgCluster();
  const dbUrl = await cluster.database();
  const replica = () =>
    startHerald({
      env: { DATABASE_URL: dbUrl, SITE_URL: 'https://status.example.test', ALLOW_PRIVATE_WEBHOOKS: 'true', CHANNEL_RETRY_BASE_MS: '60000' },
    });
  [a, b] = await Promise.all([replica(), replica()]);
  hooks = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const payload = JSON.parse(body) as Json;
      const status = up ? 204 : 503;
      arrivals.push({ update: payload.incident?.incident_updates?.[0]?.id ?? 'other', status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
}, 60_000);
afterAll(async () => {
  await stopAll(a, b, hooks);
  await cluster?.destroy();
});

describe('a channel resumed on the replica that does not lead', () => {
  it('the leader sends what waited at once, once', { timeout: 60_000 }, async () => {
    const lead = await until(leader, 'a replica to lead');
    const other = lead === a ? b : a;
    const port = (hooks.address() as { port: number }).port;
    const added = await lead.admin('/channels', { body: { kind: 'webhook', name: 'Partner', url: `http://127.0.0.1:${port}/hook` } });
    expect(added.status).toBe(201);
    const channel = ((await added.json()) as Json).id as string;
    const res = await lead.admin('/incidents', { body: { name: 'Checkout down', impact: 'major', body: 'Looking.' } });
    const update = ((await res.json()) as Json).incident_updates[0].id as string;
    await until(() => arrivals.some((x) => x.update === update), 'the first post, answered 503');
    up = true;
    expect((await other.admin(`/channels/${channel}/pause`, { method: 'POST' })).status).toBe(200);
    expect((await other.admin(`/channels/${channel}/resume`, { method: 'POST' })).status).toBe(200);
    // The retry the 503 set comes 30 s after it at the earliest: well after this.
    await until(() => arrivals.some((x) => x.update === update && x.status === 204), 'the waiting post, after the resume', 15_000);
    expect(arrivals.filter((x) => x.update === update).map((x) => x.status)).toEqual([503, 204]);
  });
});
