import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { type HeraldProcess, startHerald, stopAll } from '../helpers/server.ts';
import { type PgCluster, startPgCluster } from '../helpers/pg.ts';
import { until } from '../helpers/poll.ts';
import { type HeldHook, heldHook } from '../helpers/held-hook.ts';

/*
 * Two replicas on one PostgreSQL 15, and PostgreSQL restarting while the
 * leader is in the middle of a channel post. Every connection is cut; the
 * other replica reconnects and takes the lead while the old leader, alive, is
 * not back yet (frozen here with SIGSTOP, as a slow reconnect, a GC pause or
 * a busy host would hold it): with no connection of it open, the old leader
 * looks gone. A new leader takes a gone replica's claim at once
 * (PgChannelLedger.claim), but not one that saw PostgreSQL away a moment ago
 * (OutageGrace): it waits for the claim's mark, and the old leader, back,
 * records its post, which is made once.
 */
type Json = Record<string, any>;

let cluster: PgCluster;
let dbUrl = '';
let a: HeraldProcess;
let b: HeraldProcess;
let frozen: HeraldProcess | undefined;
let hooks: HeldHook;

const leads = async (h: HeraldProcess): Promise<boolean> => ((await (await fetch(`${h.url}/healthz`)).json()) as Json).storage.leader;
const postsOf = (update: string) => hooks.arrivals.filter((p) => p.update === update);

beforeAll(async () => {
  cluster = await startPgCluster();
  dbUrl = await cluster.database();
  const replica = () =>
    startHerald({
      env: {
        DATABASE_URL: dbUrl,
        SITE_URL: 'https://status.example.test',
        ALLOW_PRIVATE_WEBHOOKS: 'true',
        // Long enough for the post to be held through the restart and the freeze.
        CHANNEL_TIMEOUT_MS: '30000',
      },
    });
  [a, b] = await Promise.all([replica(), replica()]);
  hooks = await heldHook();
  const added = await a.admin('/channels', { body: { kind: 'webhook', name: 'Partner', url: hooks.url } });
  expect(added.status).toBe(201);
}, 60_000);
afterAll(async () => {
  frozen?.proc.kill('SIGCONT');
  hooks?.release();
  await stopAll(a, b, hooks?.server);
  await cluster?.destroy();
});

describe('PostgreSQL restarts while the leader is posting to a channel', () => {
  it('the new leader does not take the post of an old leader not yet reconnected, which records it once back', {
    timeout: 120_000,
  }, async () => {
    const old = await until(async () => ((await leads(a)) ? a : (await leads(b)) ? b : null), 'a replica to lead');
    const other = old === a ? b : a;
    const res = await old.admin('/incidents', { body: { name: 'Checkout down', impact: 'major', body: 'Looking.' } });
    expect(res.status).toBe(201);
    const first = ((await res.json()) as Json).incident_updates[0].id as string;
    await until(() => postsOf(first).length === 1, 'the leader posting the update (held by the receiver)');

    const claimant = await cluster.sql(`SELECT claimant FROM channel_deliveries WHERE update_id = '${first}'`, dbUrl);
    expect(claimant).toMatch(/:\d+$/);

    // The old leader is held still, PostgreSQL restarts (every connection cut), and the other replica leads.
    old.proc.kill('SIGSTOP');
    frozen = old;
    await cluster.restart('fast');
    await until(() => leads(other), 'the other replica to lead after the restart', 30_000);
    // The old leader's claim names a replica with no connection open: to a replica that saw no outage, it
    // is gone, and its post would be made again at once.
    expect(await cluster.sql(`SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE '%:${claimant}'`, dbUrl)).toBe('0');
    // This one saw PostgreSQL go away (its leadership connection was cut): it waits for the old leader's mark.
    await sleep(6_000);
    expect(postsOf(first)).toHaveLength(1);

    // The old leader wakes, reconnects, gets its answer and records the post; the new leader moves on.
    old.proc.kill('SIGCONT');
    frozen = undefined;
    hooks.release();
    await until(
      async () => (await cluster.sql(`SELECT state FROM channel_deliveries WHERE update_id = '${first}'`, dbUrl)) === 'sent',
      "the old leader's post recorded",
      30_000,
    );
    const next = await other.admin('/incidents', { body: { name: 'Checkout still down', impact: 'major', body: 'Still.' } });
    expect(next.status).toBe(201);
    const second = ((await next.json()) as Json).incident_updates[0].id as string;
    await until(() => postsOf(second).length > 0, 'the new leader posting the next update', 15_000);
    expect(postsOf(first)).toHaveLength(1);
    expect(postsOf(second)).toHaveLength(1);
  });
});
