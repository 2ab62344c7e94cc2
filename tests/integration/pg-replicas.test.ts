import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { type HeraldProcess, startHerald, stopAll } from '../helpers/server.ts';
import { type PgCluster, refuseFirst, startPgCluster } from '../helpers/pg.ts';
import { until } from '../helpers/poll.ts';

/**
 * Two real Herald processes (replicas A and B, each with its own DATA_DIR)
 * on one real PostgreSQL 15 database: what one publishes the other serves,
 * concurrent writers lose nothing, ids stay unique, one replica leads, and a
 * PostgreSQL outage is survived (reads keep serving, writes answer 503, and
 * everything resumes on its own).
 */
type Json = Record<string, any>;

let cluster: PgCluster;
/** The database both replicas share. */
let dbUrl = '';
let a: HeraldProcess;
let b: HeraldProcess;

const replica = (url: string) =>
  startHerald({
    env: {
      DATABASE_URL: url,
      SITE_URL: 'https://status.example.test',
      ALLOW_PRIVATE_WEBHOOKS: 'true',
      // A refused post is tried again after 2-4 s (the default waits 10 s, doubling): few enough retries
      // before the takeover test kills the leader that the channel never pauses (10 failures in a row).
      CHANNEL_RETRY_BASE_MS: '4000',
      CHANNEL_RETRY_MAX_MS: '4000',
    },
  });

/** A webhook receiver on loopback: every post it accepted (webhook-id and the update it carries), and those it refused. */
const posts: Array<{ id: string; update: string }> = [];
const refusedPosts: Array<{ id: string; update: string }> = [];
/** While true the receiver answers 503: the posts wait in the outbox. */
let receiverDown = false;
let hooks: Server;
const health = async (h: HeraldProcess): Promise<Json> => (await fetch(`${h.url}/healthz`)).json();
const text = async (h: HeraldProcess, path: string): Promise<string> => (await fetch(`${h.url}${path}`)).text();
const diffLines = (x: string, y: string) => {
  const [xs, ys] = [x.split(/(?=<)/), y.split(/(?=<)/)];
  return xs
    .flatMap((l, i) => (l === ys[i] ? [] : [`A: ${l}\nB: ${ys[i]}`]))
    .slice(0, 6)
    .join('\n');
};

async function declare(h: HeraldProcess, name: string, headers: Record<string, string> = {}): Promise<Response> {
  return h.admin('/incidents', {
    body: { name, impact: 'major', body: `${name}: we are investigating.`, components: { api: 'partial_outage' } },
    headers,
  });
}

beforeAll(async () => {
  cluster = await startPgCluster();
  const url = await cluster.database();
  dbUrl = url;
  // Started together: migrations run once under their advisory lock.
  [a, b] = await Promise.all([replica(url), replica(url)]);
  hooks = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const payload = JSON.parse(body) as Json;
      const post = { id: String(req.headers['webhook-id']), update: payload.incident?.incident_updates?.[0]?.id ?? 'other' };
      if (receiverDown) {
        refusedPosts.push(post);
        res.writeHead(503).end();
        return;
      }
      posts.push(post);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
  expect((await a.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
}, 60_000);
afterAll(async () => {
  await stopAll(a, b, hooks);
  await cluster?.destroy();
});

describe('two replicas on one PostgreSQL database', () => {
  it('both report PostgreSQL and exactly one of them leads', async () => {
    const [ha, hb] = await Promise.all([health(a), health(b)]);
    expect(ha).toMatchObject({ status: 'ok', storage: { engine: 'postgres', healthy: true } });
    expect(hb).toMatchObject({ status: 'ok', storage: { engine: 'postgres', healthy: true } });
    expect([ha.storage.leader, hb.storage.leader].filter(Boolean)).toHaveLength(1);
  });

  it('a notice published on the replica that does not lead is on its deliveries list at once, not begun; the leader then fans it out', async () => {
    const [leader, follower] = (await health(a)).storage.leader ? [a, b] : [b, a];
    const notice = async () => {
      const { updates } = (await (await follower.admin('/deliveries')).json()) as Json;
      return (updates as Json[]).find((u) => u.incident_name === 'Published while the leader sleeps');
    };
    // Stopped, the leader keeps its lock and begins nothing: the gap a publish always has, held open.
    leader.proc.kill('SIGSTOP');
    try {
      const res = await follower.admin('/incidents', {
        body: {
          name: 'Published while the leader sleeps',
          impact: 'major',
          body: 'Looking.',
          components: { api: 'degraded_performance' },
          notify: true,
        },
      });
      expect(res.status).toBe(201);
      expect(await notice()).toMatchObject({ kind: 'disruption', fanout_done: false, queued: 0, sent: 0, failed: 0 });
    } finally {
      leader.proc.kill('SIGCONT');
    }
    await until(async () => (await notice())?.fanout_done === true, 'the leader to fan the notice out');
    await follower.admin(`/incidents/${(await notice())!.incident_id}/updates`, {
      body: { status: 'resolved', body: 'Fixed.', notify: false },
    });
  });

  it("an incident declared on A is on B's page, API and banner", async () => {
    const res = await declare(a, 'Checkout errors on replica A');
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    await until(async () => (await text(b, '/')).includes('Checkout errors on replica A'), "B's page to show A's incident");
    expect(await text(b, `/incidents/${id}`)).toContain('Checkout errors on replica A: we are investigating.');
    const summary = (await (await fetch(`${b.url}/api/v2/summary.json`)).json()) as Json;
    expect(summary.incidents.map((i: Json) => i.id)).toContain(id);
    expect(summary.components.find((c: Json) => c.name === 'API').status).toBe('partial_outage');
    const banner = (await (await fetch(`${b.url}/api/banner.json`)).json()) as Json;
    expect(banner).toMatchObject({ active: true, incident_id: id });
  });

  it("while it is open and API is down, its page and / are the same bytes on both replicas: A's ETag is a 304 on B", async () => {
    const { incidents } = (await (await a.admin('/incidents')).json()) as { incidents: Json[] };
    const open = incidents.find((i) => i.name === 'Checkout errors on replica A')!;
    // Each page shows how long the incident has run and today's uptime: measured on the page clock (the start of
    // the minute), so two renders differ only across a minute's turn; then both render again in the new one.
    const minute = () => Math.floor(Date.now() / 60_000);
    for (const path of [`/incidents/${open.id}`, '/']) {
      // Within one minute, once both have rendered in it (a request after the minute turns starts that render):
      // A's ETag must be a 304 on B at once. An attempt that straddles a minute's turn is made again.
      for (let attempt = 1; ; attempt++) {
        const started = minute();
        await Promise.all([fetch(`${a.url}${path}`), fetch(`${b.url}${path}`)]);
        await new Promise((r) => setTimeout(r, 500));
        const etag = (await fetch(`${a.url}${path}`)).headers.get('etag')!;
        const onB = await fetch(`${b.url}${path}`, { headers: { 'If-None-Match': etag } });
        if (minute() !== started && attempt < 3) continue;
        if (onB.status !== 304)
          throw new Error(
            `${path}: A's ETag is not current on B; the pages differ:\n${diffLines(await text(a, path), await text(b, path))}`,
          );
        break;
      }
    }
  }, 90_000);

  it('updates posted to one incident from both replicas at once are all kept, in one timeline', async () => {
    const { id } = (await (await declare(a, 'Concurrent writers')).json()) as { id: string };
    const post = (h: HeraldProcess, n: number) =>
      h.admin(`/incidents/${id}/updates`, { body: { status: 'identified', body: `Update ${n} from ${h === a ? 'A' : 'B'}.` } });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => post(n % 2 === 0 ? a : b, n)));
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(201));
    for (const h of [a, b]) {
      await until(async () => {
        const incident = (await (await h.admin(`/incidents/${id}`)).json()) as Json;
        return incident.incident_updates.length === 21;
      }, 'every update on both replicas');
      const incident = (await (await h.admin(`/incidents/${id}`)).json()) as Json;
      const bodies = incident.incident_updates.map((u: Json) => u.body as string);
      for (let n = 0; n < 20; n++)
        expect(bodies, `update ${n} on ${h === a ? 'A' : 'B'}`).toContain(`Update ${n} from ${n % 2 === 0 ? 'A' : 'B'}.`);
      expect(new Set(incident.incident_updates.map((u: Json) => u.id)).size).toBe(21);
    }
  });

  it('incidents declared on both replicas at once get distinct INC-YYYY-MM-DD-N ids', async () => {
    const answers = await Promise.all(Array.from({ length: 16 }, (_, n) => declare(n % 2 ? a : b, `Race ${n}`)));
    expect(answers.map((r) => r.status)).toEqual(Array(16).fill(201));
    const ids = await Promise.all(answers.map(async (r) => ((await r.json()) as { id: string }).id));
    for (const id of ids) expect(id).toMatch(/^INC-\d{4}-\d{2}-\d{2}-\d+$/);
    expect(new Set(ids).size).toBe(16);
    const listed = (await (await b.admin('/incidents')).json()) as { incidents: Json[] };
    const all = listed.incidents.map((i) => i.id as string);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('the admin token across replicas', () => {
  const other = 'another-admin-token-0123456789abcdef';
  const warning = /^\[herald\] warning: this replica's admin token \((.+?)\) is not the one the running replicas? (.+?) takes?:/m;
  const nameOf = (h: HeraldProcess) => `${hostname()}:${h.proc.pid}`;
  const warnings = (h: HeraldProcess) =>
    h
      .output()
      .split('\n')
      .filter((l) => l.includes('warning') || l.includes('compare'));
  const removed =
    '[herald] removed the admin token stored in the database (it is not ADMIN_TOKEN): a replica started from now on without ADMIN_TOKEN makes and prints a new one, not that one';

  it('a replica on another token than the running ones logs one warning naming them and neither token; once it is gone, one on theirs warns nothing', async () => {
    const wrong = await startHerald({ env: { DATABASE_URL: dbUrl, ADMIN_TOKEN: other, STATIC_SNAPSHOT: 'false' } });
    await wrong.stop();
    // Before: it served silently, answering a share of the admin calls behind a load balancer with 401.
    const said = warning.exec(wrong.output());
    expect(said?.[1], wrong.output()).toBe('ADMIN_TOKEN');
    expect(said?.[2]?.split(', ')).toEqual([nameOf(a), nameOf(b)].sort());
    expect(warnings(wrong)).toHaveLength(1);
    for (const token of [other, a.token]) expect(warnings(wrong)[0]).not.toContain(token);
    for (const h of [a, b]) expect(warnings(h), h.output()).toEqual([]);
    // The wrong one is stopped: a replica on the right token is not compared with it (its record stays behind).
    const right = await startHerald({ env: { DATABASE_URL: dbUrl, STATIC_SNAPSHOT: 'false' } });
    await right.stop();
    expect(warnings(right), right.output()).toEqual([]);
  });

  it('one instance restarted on a rotated token warns nothing, and a later start without ADMIN_TOKEN makes a new token, never taking the old one back', async () => {
    const database = await cluster.database();
    const first = await startHerald({ env: { DATABASE_URL: database, ADMIN_TOKEN: '', STATIC_SNAPSHOT: 'false' } });
    await first.stop();
    const old = /Generated an admin token[^\n]*\n\s+(\S+)/.exec(first.output())?.[1];
    expect(old, first.output()).toBeDefined();
    const rotated = await startHerald({ env: { DATABASE_URL: database, STATIC_SNAPSHOT: 'false' } });
    await rotated.stop();
    expect(warnings(rotated), rotated.output()).toEqual([]);
    expect(rotated.output()).toContain(removed);
    expect(rotated.output()).not.toContain(old);
    const stored = await startHerald({ env: { DATABASE_URL: database, ADMIN_TOKEN: '', STATIC_SNAPSHOT: 'false' } });
    try {
      expect(warnings(stored), stored.output()).toEqual([]);
      const made = /Generated an admin token[^\n]*\n\s+(\S+)/.exec(stored.output())?.[1];
      expect(made, stored.output()).toBeDefined();
      // Before: the first token (replaced, say, because it leaked) signed in again, silently.
      const status = async (token: string) =>
        (await fetch(`${stored.url}/api/admin/settings`, { headers: { authorization: `Bearer ${token}` } })).status;
      expect(await status(old!)).toBe(401);
      expect(await status(made!)).toBe(200);
      // ADMIN_TOKEN itself is never stored.
      expect(await cluster.sql(`SELECT count(*) FROM herald_secrets WHERE value = '${rotated.token}'`, database)).toBe('0');
      // A replica given the old token beside it warns, naming it.
      const wrong = await startHerald({ env: { DATABASE_URL: database, ADMIN_TOKEN: old!, STATIC_SNAPSHOT: 'false' } });
      await wrong.stop();
      expect(warning.exec(wrong.output())?.[2], wrong.output()).toBe(nameOf(stored));
    } finally {
      await stored.stop();
    }
  });
});

describe('channels on two replicas', () => {
  it('a webhook channel gets each update once, though both replicas see it', async () => {
    const port = (hooks.address() as AddressInfo).port;
    const made = await a.admin('/channels', { body: { kind: 'webhook', name: 'Partner', url: `http://127.0.0.1:${port}/hook` } });
    expect(made.status).toBe(201);
    const first = (await (await declare(b, 'Webhook once (1)')).json()) as Json;
    const second = (await (await declare(a, 'Webhook once (2)')).json()) as Json;
    const ids = [first.incident_updates[0].id, second.incident_updates[0].id] as string[];
    await until(() => ids.every((u) => posts.some((p) => p.update === u)), 'both updates at the receiver');
    // A second replica posting too would have done so by now: the third publish's post comes after both.
    const third = (await (await declare(b, 'Webhook once (3)')).json()) as Json;
    await until(() => posts.some((p) => p.update === third.incident_updates[0].id), 'the third update at the receiver');
    for (const u of [...ids, third.incident_updates[0].id])
      expect(
        posts.filter((p) => p.update === u),
        u,
      ).toHaveLength(1);
  });

  it('a post whose record PostgreSQL refused at first is recorded on a later try, so no later leader posts it again', async () => {
    // The first two statements that record a post as sent fail, as a restart or a failover would make them fail.
    const refusals = await refuseFirst(cluster, dbUrl, {
      name: 'refuse_channel_save',
      table: 'channel_deliveries',
      on: 'UPDATE',
      when: `NEW.state = 'sent' AND OLD.state <> 'sent'`,
      times: 2,
    });
    try {
      const update = ((await (await declare(a, 'Channel record drill')).json()) as Json).incident_updates[0].id as string;
      await until(() => posts.some((p) => p.update === update), 'the post at the receiver');
      // Left queued in the table, the next leader would post it again (and the other replica counts it queued).
      await until(
        async () => (await cluster.sql(`SELECT count(*) FROM channel_deliveries WHERE state = 'queued'`, dbUrl)).trim() === '0',
        'every channel delivery recorded',
        15_000,
      );
      expect(await refusals.met()).toBeGreaterThan(2);
      expect(posts.filter((p) => p.update === update)).toHaveLength(1);
    } finally {
      await refusals.drop();
    }
  });
});

describe('PostgreSQL goes away and comes back', () => {
  it('pages and JSON keep serving, /healthz says degraded, writes answer 503 and change nothing; then all resumes and a retried publish lands once', async () => {
    const before = await text(b, '/');
    expect(before).toContain('Checkout errors on replica A');
    await cluster.stop();
    try {
      for (const h of [a, b]) {
        const page = await fetch(`${h.url}/`);
        expect(page.status).toBe(200);
        expect(await page.text()).toContain('Checkout errors on replica A');
        expect((await fetch(`${h.url}/api/v2/summary.json`)).status).toBe(200);
        expect((await fetch(`${h.url}/api/banner.json`)).status).toBe(200);
      }
      // A write finds the database gone (whatever the pool believed): 503, nothing half done.
      const refused = await declare(a, 'Published during the outage', { 'idempotency-key': 'outage-1' });
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as Json).error.code).toBe('storage_unavailable');
      await until(async () => (await health(a)).status === 'degraded', '/healthz to say degraded');
      expect((await health(a)).storage.healthy).toBe(false);
    } finally {
      await cluster.start();
    }
    for (const h of [a, b]) await until(async () => (await health(h)).status === 'ok', '/healthz ok again');
    // Each lead's connection told of the outage once and of its end once. Before: a line for every try (every
    // second, the outage lasting several), and nothing once it was over.
    for (const h of [a, b]) {
      await until(async () => h.output().includes('[herald] leadership: tries succeed again'), 'the lead to say PostgreSQL is back');
      const lines = h
        .output()
        .split('\n')
        .filter((l) => l.startsWith('[herald] leadership:'));
      expect(
        lines.filter((l) => l.endsWith('succeed again')),
        lines.join('\n'),
      ).toHaveLength(1);
      expect(lines.length, lines.join('\n')).toBeLessThanOrEqual(4);
    }
    // The Comms Lead's retry, with the same key, publishes once; a second retry replays it.
    const first = await declare(a, 'Published during the outage', { 'idempotency-key': 'outage-1' });
    expect(first.status).toBe(201);
    const again = await declare(b, 'Published during the outage', { 'idempotency-key': 'outage-1' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const { id } = (await first.json()) as { id: string };
    expect(((await again.json()) as { id: string }).id).toBe(id);
    await until(async () => (await text(b, '/')).includes('Published during the outage'), "B's page to show the retried publish");
    const listed = (await (await b.admin('/incidents')).json()) as { incidents: Json[] };
    expect(listed.incidents.filter((i) => i.name === 'Published during the outage')).toHaveLength(1);
  });

  // Up to a minute or two: on a loaded CI machine the lead comes back after the outage, the takeover and the retry take their time.
  it('when the leader dies, the other replica takes over the lead within seconds, and posts what the old leader left queued', {
    timeout: 150_000,
  }, async () => {
    // After the outage one replica leads again (each retries the lock every second).
    const leads = async () => (await Promise.all([health(a), health(b)])).map((x) => x.storage.leader === true);
    await until(async () => (await leads()).filter(Boolean).length === 1, 'one replica to lead again after the outage');
    const [leader, follower] = (await leads())[0] ? [a, b] : [b, a];
    // Everything before has been planned and posted (a channel posts in order: an older post still waiting
    // would go first): the shared planning mark has reached the newest update, and nothing is queued.
    const newest = async () => {
      const { incidents } = (await (await leader.admin('/incidents')).json()) as { incidents: Json[] };
      return incidents
        .flatMap((i) => (i.incident_updates as Json[]).map((u) => u.created_at as string))
        .sort()
        .at(-1)!;
    };
    await until(async () => {
      const mark = await cluster.sql('SELECT since FROM channel_outbox', dbUrl);
      const queued = await cluster.sql(`SELECT count(*) FROM channel_deliveries WHERE state = 'queued'`, dbUrl);
      return mark >= (await newest()) && queued === '0';
    }, 'every earlier update posted');
    // The receiver is down: the leader's post of this update is refused and waits in the shared outbox.
    receiverDown = true;
    const left = ((await (await declare(leader, 'Queued when the leader died')).json()) as Json).incident_updates[0].id as string;
    await until(() => refusedPosts.some((p) => p.update === left), "the leader's first, refused, post");
    // Killed once that refusal is recorded (its retry 4 s later): killed mid-post, the new leader would wait
    // out the post's claim (PgChannelLedger.claim; pg-channel-takeover.test.ts) before posting it again.
    await until(
      async () => Number(await cluster.sql(`SELECT max(attempts) FROM channel_deliveries WHERE update_id = '${left}'`, dbUrl)) >= 1,
      'the refused post recorded',
    );
    const before = posts.length;
    await leader.kill();
    receiverDown = false;
    await until(async () => (await health(follower)).storage.leader === true, 'the other replica to lead');
    // Within seconds, or once a claim has passed (about 40 s) if the kill still caught a retry under way.
    await until(() => posts.some((p) => p.update === left), 'the new leader to post what waited', 90_000);
    // The same delivery (its webhook-id), posted once it was accepted.
    expect(posts.filter((p) => p.update === left).map((p) => p.id)).toEqual([refusedPosts.find((p) => p.update === left)!.id]);
    // It publishes, and now plans the channel posts: the update reaches the webhook once.
    const res = await declare(follower, 'After the leader died');
    expect(res.status).toBe(201);
    const update = ((await res.json()) as Json).incident_updates[0].id as string;
    await until(() => posts.some((p) => p.update === update), 'the new leader to post the update');
    expect(posts.filter((p) => p.update === update)).toHaveLength(1);
    // Nothing the old leader had posted was posted again: after the takeover, only these two.
    expect(new Set(posts.slice(before).map((p) => p.update))).toEqual(new Set([left, update]));
  });
});
