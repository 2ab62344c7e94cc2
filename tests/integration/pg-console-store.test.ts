import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { SESSION_IDLE_MS, SESSION_MAX_MS } from '../../src/auth/sessions.ts';
import { Unavailable } from '../../src/domain/errors.ts';
import { DRAFT_TTL_MS } from '../../src/store/console/port.ts';
import { PgConsoleStore } from '../../src/store/console/pg.ts';
import { openPool, type Pool } from '../../src/store/pg/client.ts';
import { migrateDatabase } from '../../src/store/pg/migrate.ts';
import { type PgCluster, startPgCluster } from '../helpers/pg.ts';

/**
 * src/store/console/pg.ts against a real PostgreSQL 15: two adapter
 * instances, each with its own pool, on one database are two replicas. Time
 * is the `now` each call is given (ms), so expiries are tried without waiting.
 */
type Action = { kind: 'declare'; input: { name: string; body: string } };

let cluster: PgCluster;
const pools: Pool[] = [];
const stores: PgConsoleStore<Action>[] = [];

beforeAll(async () => {
  cluster = await startPgCluster();
});
afterAll(async () => {
  await cluster?.destroy();
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const p of pools.splice(0)) await p.end().catch(() => {});
});

const SIGN_IN = { limit: 5, windowMs: 15 * 60_000, maxKeys: 10_000 };
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

/** Two replicas (A and B) on a fresh, migrated database. */
async function replicas(): Promise<{ url: string; a: PgConsoleStore<Action>; b: PgConsoleStore<Action> }> {
  const url = await cluster.database();
  const make = async (name: string) => {
    // Named as a replica's pools are (herald:<replica>): whether a replica is gone is read off its connections.
    const pool = openPool(url, { applicationName: `herald:${name}`, log: () => {} });
    pools.push(pool);
    const store = new PgConsoleStore<Action>({ pool, replica: name, signIn: SIGN_IN, now: () => T0, log: () => {}, publishPollMs: 20 });
    stores.push(store);
    return store;
  };
  const a = await make('A');
  await migrateDatabase(pools[0]!);
  return { url, a, b: await make('B') };
}

const action = (name = 'Checkout errors'): Action => ({
  kind: 'declare',
  input: { name, body: 'We are looking into it.\u0000 "quoted" ✓' },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PgConsoleStore: sessions', () => {
  it('a session made on A is live on B with the same CSRF token; only the SHA-256 of the token is stored', async () => {
    const { url, a, b } = await replicas();
    const { token, session } = await a.sessions.create('console:Dana', T0);
    const seen = await b.sessions.get(token, T0 + 1_000);
    expect(seen).toMatchObject({ key: session.key, actor: 'console:Dana', csrf: session.csrf, createdAt: T0, lastSeenAt: T0 + 1_000 });
    expect(session.key).toBe(createHash('sha256').update(token).digest('base64url'));
    // Nothing in the table is the token, or the CSRF token (which is derived from it, not stored).
    const rows = await cluster.sql('SELECT row_to_json(s)::text FROM console_sessions s', url);
    expect(rows).toContain(session.key);
    expect(rows).not.toContain(token);
    expect(rows).not.toContain(session.csrf);
    expect(session.csrf).not.toBe(session.key);
    // Another token, a longer one, a forged one: nobody's.
    expect(await b.sessions.get(`${token}x`, T0)).toBeNull();
    expect(await b.sessions.get('x'.repeat(500), T0)).toBeNull();
    expect(await b.sessions.get("a'; DROP TABLE console_sessions; --", T0)).toBeNull();
    expect(await b.sessions.get(undefined, T0)).toBeNull();
    expect((await a.sessions.create('console:Sam', T0)).session.csrf).not.toBe(session.csrf);
  });

  it('ends after 12 h idle, on whichever replica it is presented, and the row goes', async () => {
    const { url, a, b } = await replicas();
    const { token } = await a.sessions.create('console:Dana', T0);
    const used = T0 + SESSION_IDLE_MS / 2;
    expect(await b.sessions.get(token, used)).not.toBeNull();
    // Used at T0 + 6 h: live until 12 h after that (18 h, before the 24 h cap), not a millisecond more.
    expect(await a.sessions.get(token, used + SESSION_IDLE_MS)).not.toBeNull();
    const { token: idle } = await a.sessions.create('console:Sam', used);
    expect(await b.sessions.get(idle, used + SESSION_IDLE_MS + 1)).toBeNull();
    expect(await cluster.sql("SELECT string_agg(actor, ',') FROM console_sessions", url)).toBe('console:Dana');
    expect(await a.sessions.get(idle, used + 1)).toBeNull();
    // A page's own poll does not mark it used: polled all along, it ends 12 h after it was last used.
    const { token: polled } = await a.sessions.create('console:Lee', T0);
    expect(await b.sessions.get(polled, used, false)).not.toBeNull();
    expect(await a.sessions.get(polled, T0 + SESSION_IDLE_MS + 1, false)).toBeNull();
  });

  it('ends 24 h after it began even when used all along, alternating replicas', async () => {
    const { a, b } = await replicas();
    const { token } = await a.sessions.create('console:Dana', T0);
    let i = 0;
    for (let t = T0; t <= T0 + SESSION_MAX_MS; t += SESSION_IDLE_MS / 4) {
      expect(await (i++ % 2 ? a : b).sessions.get(token, t)).not.toBeNull();
    }
    expect(await a.sessions.get(token, T0 + SESSION_MAX_MS + 1)).toBeNull();
    expect(await b.sessions.get(token, T0 + SESSION_MAX_MS)).toBeNull();
  });

  it('sign-out on B ends the session on A', async () => {
    const { a, b } = await replicas();
    const { token } = await a.sessions.create('console:Dana', T0);
    const other = await a.sessions.create('console:Sam', T0);
    await b.sessions.destroy(token);
    expect(await a.sessions.get(token, T0 + 1)).toBeNull();
    expect(await a.sessions.get(other.token, T0 + 1)).not.toBeNull();
    await b.sessions.destroy(undefined);
    await b.sessions.destroy('not a token');
  });

  it('the sweep deletes expired sessions, drafts and ended sign-in windows, and keeps the live ones', async () => {
    const { url, a, b } = await replicas();
    // The newer first: saving or signing in also drops what expired before then.
    const live = await a.sessions.create('live', T0 + SESSION_IDLE_MS);
    await a.sessions.create('old', T0);
    const fresh = await a.drafts.save('k1', action(), T0 + SESSION_IDLE_MS);
    await a.drafts.save('k1', action(), T0);
    await a.signInFailures.hit('10.0.0.1', T0);
    const swept = await b.sweep(T0 + SESSION_IDLE_MS + 1);
    expect(swept).toEqual({ sessions: 1, drafts: 1, signInFailures: 1 });
    expect(await b.sessions.get(live.token, T0 + SESSION_IDLE_MS + 1)).not.toBeNull();
    expect(await b.drafts.peek(fresh.id, 'k1', T0 + SESSION_IDLE_MS + 1)).not.toBeNull();
    expect(await cluster.sql('SELECT count(*) FROM console_sessions', url)).toBe('1');
  });
});

describe('PgConsoleStore: drafts', () => {
  it('a draft saved on A is shown on B to its own session only, with its action and email as saved', async () => {
    const { a, b } = await replicas();
    const d = await a.drafts.save('owner', action(), T0, '<p>Hello\u0000 ✓</p>');
    const seen = await b.drafts.peek(d.id, 'owner', T0 + 1);
    expect(seen).toEqual({ id: d.id, sessionKey: 'owner', action: action(), createdAt: T0, emailHtml: '<p>Hello\ufffd ✓</p>' });
    expect(await b.drafts.peek(d.id, 'someone-else', T0 + 1)).toBeNull();
    expect(await b.drafts.peek('no-such-draft', 'owner', T0 + 1)).toBeNull();
    const noEmail = await b.drafts.save('owner', action('Other'), T0);
    expect(await a.drafts.peek(noEmail.id, 'owner', T0)).not.toHaveProperty('emailHtml');
  });

  it('expires two hours after the preview: neither shown nor published', async () => {
    const { a, b } = await replicas();
    const d = await a.drafts.save('owner', action(), T0);
    expect(await b.drafts.peek(d.id, 'owner', T0 + DRAFT_TTL_MS)).not.toBeNull();
    expect(await b.drafts.peek(d.id, 'owner', T0 + DRAFT_TTL_MS + 1)).toBeNull();
    let runs = 0;
    const publish = async () => {
      runs++;
      return 'INC-1';
    };
    expect(await b.drafts.publishOnce(d.id, 'owner', T0 + DRAFT_TTL_MS + 1, publish)).toBeNull();
    expect(runs).toBe(0);
  });

  it("one session's many previews push out its own oldest drafts, never another session's", async () => {
    const { a, b } = await replicas();
    const dana = await a.drafts.save('dana', action(), T0);
    const lees = [];
    for (let i = 0; i < 60; i++) lees.push(await b.drafts.save('lee', action(), T0 + i + 1));
    expect(await b.drafts.peek(dana.id, 'dana', T0 + 100)).not.toBeNull();
    expect(await a.drafts.peek(lees[0]!.id, 'lee', T0 + 100)).toBeNull();
    expect(await a.drafts.peek(lees.at(-1)!.id, 'lee', T0 + 100)).not.toBeNull();
  });

  it('another session cannot publish a draft, before or after its owner did', async () => {
    const { a, b } = await replicas();
    const d = await a.drafts.save('owner', action(), T0);
    let runs = 0;
    const publish = async () => `INC-${++runs}`;
    expect(await b.drafts.publishOnce(d.id, 'thief', T0, publish)).toBeNull();
    expect(runs).toBe(0);
    expect(await b.drafts.publishOnce(d.id, 'owner', T0, publish)).toBe('INC-1');
    expect(await a.drafts.publishOnce(d.id, 'thief', T0, publish)).toBeNull();
    expect(runs).toBe(1);
  });

  it('publishes exactly once under concurrent clicks on A and B; every click and a later retry answer the same incident', async () => {
    const { url, a, b } = await replicas();
    const d = await a.drafts.save('owner', action(), T0);
    const published: Action[] = [];
    const publish = async (draft: { action: Action }) => {
      published.push(draft.action);
      await sleep(300);
      return `INC-${published.length}`;
    };
    const clicks = Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).drafts.publishOnce(d.id, 'owner', T0 + 1, publish));
    const answers = await Promise.all(clicks);
    expect(published).toEqual([action()]);
    expect(new Set(answers)).toEqual(new Set(['INC-1']));
    expect(await b.drafts.publishOnce(d.id, 'owner', T0 + 60_000, publish)).toBe('INC-1');
    expect(await a.drafts.publishOnce(d.id, 'owner', T0 + 60_000, publish)).toBe('INC-1');
    expect(published).toHaveLength(1);
    expect(await cluster.sql(`SELECT state || ':' || incident_id FROM console_drafts WHERE id = '${d.id}'`, url)).toBe('published:INC-1');
    // Published is not pending: it is not shown for editing any more.
    expect(await a.drafts.peek(d.id, 'owner', T0 + 60_000)).toBeNull();
  });

  it('a publish that fails on A gives the draft back: B publishes it, once', async () => {
    const { a, b } = await replicas();
    const d = await a.drafts.save('owner', action(), T0);
    await expect(
      a.drafts.publishOnce(d.id, 'owner', T0, async () => {
        throw new Error('conflict');
      }),
    ).rejects.toThrow('conflict');
    expect(await b.drafts.peek(d.id, 'owner', T0)).not.toBeNull();
    let runs = 0;
    const answers = await Promise.all(
      [a, b, a, b].map((s) =>
        s.drafts.publishOnce(d.id, 'owner', T0, async () => {
          runs++;
          await sleep(100);
          return 'INC-7';
        }),
      ),
    );
    expect(answers).toEqual(['INC-7', 'INC-7', 'INC-7', 'INC-7']);
    expect(runs).toBe(1);
  });
});

// From a hunt: with the replica publishing it killed, every click elsewhere waited 20 s and was told "still being
// published" for 5 minutes, though nothing was.
describe('PgConsoleStore: a replica that dies publishing a draft', () => {
  it('once its connections are gone (and a write would have given up), a click on another replica is told at once that the publish was interrupted', async () => {
    const { a, b } = await replicas();
    const d = await a.drafts.save('owner', action(), T0);
    let claimed!: () => void;
    const hanging = a.drafts.publishOnce(d.id, 'owner', T0, () => {
      claimed();
      return new Promise<string>(() => {});
    });
    await new Promise<void>((resolve) => {
      claimed = resolve;
    });
    void hanging.catch(() => {});
    // While A lives, B waits for its outcome, however long A has had it (its write may be retrying after an outage).
    const waiting = b.drafts.publishOnce(d.id, 'owner', T0 + 25_000, async () => 'INC-2');
    const early = await Promise.race([
      waiting.then(
        () => 'answered',
        () => 'answered',
      ),
      sleep(300).then(() => 'waiting'),
    ]);
    expect(early).toBe('waiting');
    // A dies: its connections close.
    await pools[0]!.end();
    const started = Date.now();
    await expect(waiting).rejects.toMatchObject({ code: 'publish_interrupted' });
    await expect(b.drafts.publishOnce(d.id, 'owner', T0 + 26_000, async () => 'INC-2')).rejects.toMatchObject({
      code: 'publish_interrupted',
    });
    // Before: 20 s, then 503 publish_in_progress (and so for 5 minutes).
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('PgConsoleStore: failed sign-ins', () => {
  it('failures on A and B count against one limit per address, until the window ends or a success resets it', async () => {
    const { a, b } = await replicas();
    const ip = '203.0.113.9';
    for (let i = 0; i < SIGN_IN.limit; i++) {
      expect(await (i % 2 ? a : b).signInFailures.blockedFor(ip, T0 + i)).toBe(0);
      expect(await (i % 2 ? b : a).signInFailures.hit(ip, T0 + i)).toBe(0);
    }
    // Five failures, split 3 on A and 2 on B: both replicas now refuse, until the window ends (15 min).
    expect(await a.signInFailures.blockedFor(ip, T0 + 10)).toBe(900);
    expect(await b.signInFailures.blockedFor(ip, T0 + 60_000)).toBe(840);
    expect(await b.signInFailures.hit(ip, T0 + 60_000)).toBe(840);
    expect(await a.signInFailures.blockedFor('198.51.100.1', T0)).toBe(0);
    expect(await a.signInFailures.blockedFor(ip, T0 + SIGN_IN.windowMs)).toBe(0);
    // A new window counts from one.
    expect(await b.signInFailures.hit(ip, T0 + SIGN_IN.windowMs)).toBe(0);
    expect(await a.signInFailures.blockedFor(ip, T0 + SIGN_IN.windowMs)).toBe(0);
    await a.signInFailures.hit('192.0.2.1', T0);
    await b.signInFailures.reset('192.0.2.1');
    expect(await a.signInFailures.blockedFor('192.0.2.1', T0)).toBe(0);
  });

  it('concurrent failures on both replicas are each counted (no lost update)', async () => {
    const { url, a, b } = await replicas();
    const ip = '203.0.113.10';
    const waits = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).signInFailures.hit(ip, T0)));
    expect(await cluster.sql(`SELECT failures FROM console_sign_in_failures WHERE ip = '${ip}'`, url)).toBe('40');
    expect(waits.filter((w) => w === 0)).toHaveLength(SIGN_IN.limit);
    expect(waits.filter((w) => w === 900)).toHaveLength(40 - SIGN_IN.limit);
  });
});

describe('PgConsoleStore: PostgreSQL unreachable', () => {
  it('every call throws Unavailable (storage_unavailable), never a signed-out answer; all works again once it is back', async () => {
    const { a } = await replicas();
    const { token } = await a.sessions.create('console:Dana', T0);
    const d = await a.drafts.save('owner', action(), T0);
    await cluster.stop();
    try {
      const calls: Array<() => Promise<unknown>> = [
        () => a.sessions.get(token, T0),
        () => a.sessions.create('console:Sam', T0),
        () => a.sessions.destroy(token),
        () => a.drafts.save('owner', action(), T0),
        () => a.drafts.peek(d.id, 'owner', T0),
        () => a.drafts.publishOnce(d.id, 'owner', T0, async () => 'INC-1'),
        () => a.signInFailures.blockedFor('10.0.0.1', T0),
        () => a.signInFailures.hit('10.0.0.1', T0),
        () => a.signInFailures.reset('10.0.0.1'),
      ];
      for (const call of calls) {
        const err = await call().then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(Unavailable);
        expect((err as Unavailable).code).toBe('storage_unavailable');
        expect((err as Unavailable).message).toMatch(/cannot reach its database/);
      }
    } finally {
      await cluster.start();
    }
    expect((await a.sessions.get(token, T0 + 1))?.actor).toBe('console:Dana');
    expect(await a.drafts.publishOnce(d.id, 'owner', T0, async () => 'INC-1')).toBe('INC-1');
  });
});
