import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { type HeraldProcess, startHerald, stopAll } from '../helpers/server.ts';
import { type PgCluster, startPgCluster } from '../helpers/pg.ts';
import { until } from '../helpers/poll.ts';
import { type HeldHook, heldHook } from '../helpers/held-hook.ts';
import { LEADER_LOCK_KEY } from '../../src/store/pg/leadership.ts';

/*
 * Two replicas on one PostgreSQL 15, and the lead moving while the leader is
 * in the middle of a channel post: its leadership session is cut (as a
 * leadership check that times out, or an operator, would), the other replica
 * takes the lead within a second, and the old leader's post is still on its
 * way. The new leader must not post it again: it waits while the old
 * leader's claim stands, takes the outcome the old leader recorded as soon as
 * it is recorded (not when the claim passes, CHANNEL_TIMEOUT_MS plus 35 s
 * later), and posts on.
 */
type Json = Record<string, any>;

let cluster: PgCluster;
let dbUrl = '';
let a: HeraldProcess;
let b: HeraldProcess;
let hooks: HeldHook;

const health = async (h: HeraldProcess): Promise<Json> => (await fetch(`${h.url}/healthz`)).json();
const leader = async (): Promise<HeraldProcess | null> => {
  const [ha, hb] = await Promise.all([health(a), health(b)]);
  return ha.storage.leader ? a : hb.storage.leader ? b : null;
};
const declare = async (h: HeraldProcess, name: string): Promise<string> => {
  const res = await h.admin('/incidents', { body: { name, impact: 'major', body: `${name}: we are investigating.` } });
  expect(res.status).toBe(201);
  return ((await res.json()) as Json).incident_updates[0].id as string;
};
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
        // Long enough for the post to be held through the change of leader.
        CHANNEL_TIMEOUT_MS: '20000',
      },
    });
  [a, b] = await Promise.all([replica(), replica()]);
  hooks = await heldHook();
  const added = await a.admin('/channels', { body: { kind: 'webhook', name: 'Partner', url: hooks.url } });
  expect(added.status).toBe(201);
}, 60_000);
afterAll(async () => {
  hooks?.release();
  await stopAll(a, b, hooks?.server);
  await cluster?.destroy();
});

describe('the lead moves while the leader is posting to a channel', () => {
  it('the new leader does not post again what the old one is still posting, and posts on once it is recorded', {
    timeout: 90_000,
  }, async () => {
    const old = await until(leader, 'a replica to lead');
    const other = old === a ? b : a;
    const first = await declare(old, 'Checkout down');
    await until(() => postsOf(first).length === 1, 'the leader posting the update (held by the receiver)');

    // Cut the leader's session (its lock with it) until the other replica takes the lead; the old leader's
    // post is still waiting for its answer. (The old leader competes again each second and may win a round.)
    await until(
      async () => {
        await cluster.sql(
          `SELECT pg_terminate_backend(pid) FROM pg_locks
            WHERE locktype = 'advisory' AND objid = ${LEADER_LOCK_KEY} AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          dbUrl,
        );
        await until(leader, 'a replica to lead again');
        return (await leader()) === other;
      },
      'the other replica to take the lead',
      60_000,
    );
    // A new leader reads the outbox and posts what waits there at once; this one must leave the post the old
    // leader is making alone. (Without the claim it came within a second; this waits for it four.)
    await sleep(4_000);
    expect(postsOf(first)).toHaveLength(1);

    // The next update is planned while the old leader's post is still under way: it waits behind it (a
    // channel's posts go out in order).
    const next = await declare(other, 'Checkout still down');
    await sleep(1_000);
    expect(postsOf(next)).toHaveLength(0);

    // The old leader's post gets its answer and is recorded as sent.
    hooks.release();
    await until(
      async () => (await cluster.sql(`SELECT state FROM channel_deliveries WHERE update_id = '${first}'`, dbUrl)) === 'sent',
      "the old leader's post recorded",
    );
    // The new leader reads the post again every few seconds, finds it recorded and posts on, once each.
    // (Before, it slept until the claim passed: the post's timeout, the record's retries and a margin, 55 s
    // from the claim here, about 50 s after the record.)
    await until(() => postsOf(next).length > 0, 'the new leader posting the next update within 10 s of the record', 10_000);
    expect(postsOf(first)).toHaveLength(1);
    expect(postsOf(next)).toHaveLength(1);
  });
});
