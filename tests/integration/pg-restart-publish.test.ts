import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HeraldProcess, startHerald, stopAll } from '../helpers/server.ts';
import { type PgCluster, startPgCluster } from '../helpers/pg.ts';
import { until } from '../helpers/poll.ts';

/**
 * PostgreSQL restarted (immediate shutdown: every connection cut, crash
 * recovery at start) while a Comms Lead keeps publishing with
 * Idempotency-Keys on a real Herald: each publish answers 201 or 503, never
 * anything else; once the database is back, retrying every key publishes
 * each incident exactly once, whatever happened to the first attempt (even a
 * commit whose answer was lost), and a key that was answered 201 replays.
 */
type Json = Record<string, any>;

let cluster: PgCluster;
let h: HeraldProcess;

beforeAll(async () => {
  cluster = await startPgCluster();
  const url = await cluster.database();
  h = await startHerald({ env: { DATABASE_URL: url, SITE_URL: 'https://status.example.test' } });
  expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
}, 60_000);
afterAll(async () => {
  await stopAll(h);
  await cluster?.destroy();
});

const publish = (n: number) =>
  h.admin('/incidents', {
    body: { name: `Restart round ${n}`, impact: 'major', body: `Round ${n}.`, components: { api: 'partial_outage' } },
    headers: { 'idempotency-key': `restart-${n}` },
  });

describe('PostgreSQL restarted mid-publish', () => {
  it('every publish answers 201 or 503; retried with its key after the restart, each lands exactly once', async () => {
    const first = new Map<number, { status: number; id?: string }>();
    let n = 0;
    let restarting = true;
    // Publishes back to back, before, during and after the restart.
    const stream = (async () => {
      while (restarting || n < 10) {
        const i = n++;
        const res = await publish(i);
        const body = (await res.json()) as Json;
        first.set(i, { status: res.status, id: body.id });
      }
    })();
    await until(() => n >= 5, 'a few publishes before the restart');
    await cluster.restart('immediate');
    await until(async () => ((await (await fetch(`${h.url}/healthz`)).json()) as Json).status === 'ok', 'Herald to see the database again');
    restarting = false;
    await stream;

    const statuses = [...first.values()].map((r) => r.status);
    expect(new Set(statuses).size, JSON.stringify(statuses)).toBeLessThanOrEqual(2);
    for (const s of statuses) expect([201, 503]).toContain(s);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThan(0);
    // The restart did cut publishes: some were refused (and one may have committed without its answer).
    expect(statuses.filter((s) => s === 503).length, JSON.stringify(statuses)).toBeGreaterThan(0);

    // The Comms Lead retries everything with the same keys.
    for (const [i, was] of first) {
      const again = await publish(i);
      expect(again.status, `round ${i}`).toBe(201);
      const { id } = (await again.json()) as Json;
      if (was.status === 201) {
        expect(again.headers.get('idempotent-replayed'), `round ${i}`).toBe('true');
        expect(id, `round ${i}`).toBe(was.id);
      }
    }
    // Every one of them, however many rounds the restart took: a slow restart on a loaded machine made over a
    // hundred (each refused at once), and the default page of 100, newest first, left round 0 out.
    const listed = (await (await h.admin('/incidents?per_page=500')).json()) as { incidents: Json[]; total: number };
    expect(listed.total, 'rounds beyond one page of 500').toBeLessThanOrEqual(500);
    for (const i of first.keys()) {
      expect(
        listed.incidents.filter((x) => x.name === `Restart round ${i}`),
        `round ${i}`,
      ).toHaveLength(1);
    }
  });
});
