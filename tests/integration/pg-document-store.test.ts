import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { defaultMigrationsDir } from '../../src/store/pg/migrate.ts';
import { z } from 'zod';
import { Unavailable } from '../../src/domain/errors.ts';
import { InvalidStoredDocument, type PgDocumentStoreOptions } from '../../src/store/pg/document-options.ts';
import { PgDocumentStore } from '../../src/store/pg/document-store.ts';
import { type PgCluster, startPgCluster } from '../helpers/pg.ts';
import { until } from '../helpers/poll.ts';

/**
 * PgDocumentStore against a real PostgreSQL 15: two stores on one database
 * play two Herald replicas. One cluster for the file (restarted by some
 * tests), a fresh database per test.
 */
const docSchema = z.object({ n: z.number().int(), items: z.array(z.string()) });
type Doc = z.infer<typeof docSchema>;

let cluster: PgCluster;
const open: PgDocumentStore<Doc>[] = [];
const logs: string[] = [];

beforeAll(async () => {
  cluster = await startPgCluster();
});
afterAll(async () => {
  await cluster?.destroy();
});
afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
  logs.length = 0;
});

function makeStore(url: string, replica: string, opts: Partial<PgDocumentStoreOptions<Doc>> = {}): PgDocumentStore<Doc> {
  const store = new PgDocumentStore<Doc>({
    url,
    replica,
    defaults: { n: 0, items: [] },
    parse: (raw) => docSchema.parse(raw),
    log: (line) => logs.push(`${replica}: ${line}`),
    timeouts: { connectTimeoutMs: 2_000 },
    ...opts,
  });
  open.push(store);
  return store;
}

async function replicas(opts: { a?: Partial<PgDocumentStoreOptions<Doc>>; b?: Partial<PgDocumentStoreOptions<Doc>> } = {}) {
  const url = await cluster.database();
  const a = makeStore(url, 'a', opts.a);
  const b = makeStore(url, 'b', opts.b);
  await a.load();
  await b.load();
  await until(() => a.listening && b.listening, 'both replicas LISTENing');
  return { url, a, b };
}

const row = async (url: string) => {
  const [version, data] = (await cluster.sql("SELECT version || '|' || data::text FROM herald_document WHERE id = 1", url)).split(
    /\|(.*)/s,
  );
  return { version: Number(version), data: JSON.parse(data!) as Doc };
};

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

describe('PgDocumentStore: two replicas on one database', () => {
  it('creates the document from the defaults once, and both replicas read it', async () => {
    const url = await cluster.database();
    const a = makeStore(url, 'a');
    const b = makeStore(url, 'b');
    // Concurrent start: migrations under the advisory lock, the row inserted by one of them.
    const [la, lb] = await Promise.all([a.load(), b.load()]);
    expect([la.created, lb.created].sort()).toEqual([false, true]);
    expect(la.migrated || lb.migrated).toBe(false);
    expect(a.data).toEqual({ n: 0, items: [] });
    expect(b.data).toEqual({ n: 0, items: [] });
    // Every migration applied, once, though both replicas started at once.
    const files = readdirSync(defaultMigrationsDir()).filter((f) => f.endsWith('.sql'));
    expect(await cluster.sql('SELECT count(*) FROM schema_migrations', url)).toBe(String(files.length));
    expect(await cluster.sql('SELECT count(*) FROM herald_document', url)).toBe('1');
    expect(a.healthy && b.healthy).toBe(true);
  });

  it('catchUp reads a change B has not heard of yet, and says so when the document cannot be read', async () => {
    // A change written without a notification, and B's poll off: until it catches up, B serves the old document.
    const { url, b } = await replicas({ b: { pollMs: 60_000 } });
    await cluster.sql(`UPDATE herald_document SET version = version + 1, data = '{"n": 9, "items": []}' WHERE id = 1`, url);
    await new Promise((r) => setTimeout(r, 300));
    expect(b.data.n).toBe(0);
    await b.catchUp();
    expect(b.data.n).toBe(9);
    // The database refuses the read (the table gone): a rejection, not an answer as if B were current.
    await cluster.sql('ALTER TABLE herald_document RENAME TO herald_document_away', url);
    await expect(b.catchUp()).rejects.toThrow(Unavailable);
    await cluster.sql('ALTER TABLE herald_document_away RENAME TO herald_document', url);
  });

  it('a write on A is seen by B through LISTEN/NOTIFY alone (median and max printed)', async () => {
    // B's poll is off here (its first is 60 s away, past the test's timeout): what arrives came by the
    // notification path. How fast is printed, not asserted: a loaded machine stalls for a second.
    const { a, b } = await replicas({ b: { pollMs: 60_000 } });
    const latencies: number[] = [];
    for (let i = 1; i <= 25; i++) {
      let off = () => {};
      const seen = new Promise<number>((resolve) => {
        off = b.onChange((d) => {
          if (d.n === i) resolve(performance.now());
        });
      });
      const started = performance.now();
      await a.update((d) => {
        d.n = i;
      });
      let timer: NodeJS.Timeout | undefined;
      const at = await Promise.race([seen, new Promise<number>((r) => (timer = setTimeout(() => r(Number.POSITIVE_INFINITY), 10_000)))]);
      clearTimeout(timer);
      off();
      expect(at, `write ${i} to reach B within 10 s`).toBeLessThan(Number.POSITIVE_INFINITY);
      latencies.push(at - started);
    }
    console.log(
      `[pg] A.update() called -> B.onChange, 25 writes: median ${median(latencies).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`,
    );
    expect(b.data).toEqual(a.data);
    expect(b.documentRevision).toBe(a.documentRevision);
  });

  it('200 concurrent increments split across A and B all land, in strictly increasing versions', async () => {
    const { url, a, b } = await replicas();
    const start = a.documentRevision;
    const revisions = { a: [] as number[], b: [] as number[] };
    a.onChange(() => revisions.a.push(a.documentRevision));
    b.onChange(() => revisions.b.push(b.documentRevision));
    const t0 = performance.now();
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        (i % 2 === 0 ? a : b).update((d) => {
          d.n += 1;
          d.items.push(`${i % 2 === 0 ? 'a' : 'b'}${i}`);
          return d.n;
        }),
      ),
    );
    console.log(`[pg] 200 increments over two replicas: ${Math.round(performance.now() - t0)} ms`);
    // Each write saw the one before it: the counts it produced are exactly 1..200.
    expect([...results].sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const stored = await row(url);
    expect(stored.version).toBe(start + 200);
    expect(stored.data.n).toBe(200);
    expect(new Set(stored.data.items).size).toBe(200);
    await until(() => a.data.n === 200 && b.data.n === 200, 'both replicas at 200');
    for (const seen of [revisions.a, revisions.b]) {
      for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
    }
    expect(a.data).toEqual(stored.data);
    expect(b.data).toEqual(stored.data);
  });

  it('a commit whose notification never came is caught by the poll', async () => {
    const { url, b } = await replicas({ b: { pollMs: 250 } });
    const before = b.version;
    // Written behind the replicas' backs, without NOTIFY: only the poll can find it.
    const t0 = performance.now();
    await cluster.sql(`UPDATE herald_document SET version = version + 1, data = '{"n":42,"items":["silent"]}' WHERE id = 1`, url);
    // Nothing else reads it: however late (a loaded machine stalls), it arrived by the poll. How late is printed.
    await until(() => b.data.n === 42, 'B to poll the silent write', undefined, 5);
    const took = performance.now() - t0;
    console.log(`[pg] silent write found by the 250 ms poll after ${Math.round(took)} ms`);
    expect(b.data).toEqual({ n: 42, items: ['silent'] });
    expect(b.version).toBe(before + 1);
  });

  it("B's LISTEN connection terminated: the write made meanwhile reaches B, and LISTEN comes back", async () => {
    // No poll on B: the catch-up must come from the reconnection itself.
    const { url, a, b } = await replicas({ b: { pollMs: 60_000 } });
    const pid = b.listenerBackendPid;
    expect(pid).toBeGreaterThan(0);
    expect(await cluster.sql(`SELECT pg_terminate_backend(${pid})`, url)).toBe('t');
    await a.update((d) => {
      d.n = 7;
    });
    await until(() => b.data.n === 7, 'B to catch up after its LISTEN reconnected', 5_000, 5);
    await until(() => b.listening && b.listenerBackendPid !== pid, 'a new LISTEN connection');
    // And notifications flow again: B's poll is 60 s away (past the test's timeout), so n = 8 can only come by one.
    await a.update((d) => {
      d.n = 8;
    });
    await until(() => b.data.n === 8, 'B notified on the new connection', undefined, 2);
    expect(logs.some((l) => l.startsWith('b:') && l.includes('LISTEN herald_document connection lost'))).toBe(true);
  });

  it('PostgreSQL restarted mid-write: that update throws Unavailable and changes nothing; the retry succeeds', async () => {
    const { url, a, b } = await replicas();
    await a.update((d) => {
      d.n = 1;
      d.items.push('before');
    });
    await until(() => b.data.n === 1, 'B at 1');
    const data = structuredClone(a.data);
    const version = a.version;
    const revision = a.documentRevision;

    // Hold the row lock from another session, so that A's write is inside its transaction, waiting, when PostgreSQL goes down.
    const holder = new pg.Client({ connectionString: url });
    holder.on('error', () => {});
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM herald_document WHERE id = 1 FOR UPDATE');
    const write = a.update((d) => {
      d.n = 999;
      d.items.push('lost');
    });
    const outcome = write.then(
      () => null,
      (err: unknown) => err,
    );
    await until(
      async () =>
        (await cluster.sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'herald:a' AND wait_event_type = 'Lock'")) ===
        '1',
      "A's write waiting on the row lock",
    );
    const t0 = performance.now();
    // Immediate (a crash): with a fast shutdown the holder's session could end first and free the lock,
    // letting A's transaction reach its COMMIT before its own session ends (one CI run saw that; the
    // store then rightly says the change may or may not have been saved, which is another test).
    await cluster.restart('immediate');
    const err = await outcome;
    expect(err).toBeInstanceOf(Unavailable);
    expect((err as Unavailable).code).toBe('storage_unavailable');
    expect((err as Error).message).toMatch(/could not be saved.*nothing was changed/);
    await holder.end().catch(() => {});

    // Nothing changed, in memory or in the database; reads kept working throughout.
    expect(a.data).toEqual(data);
    expect(a.version).toBe(version);
    expect(await row(url)).toEqual({ version: revision, data });

    // The store reconnects by itself: the very next update works, and B hears of it.
    const n = await a.update((d) => {
      d.n = 2;
      return d.n;
    });
    console.log(`[pg] restart mid-write: failed write, restart and a successful retry in ${Math.round(performance.now() - t0)} ms`);
    expect(n).toBe(2);
    expect(await row(url)).toEqual({ version: revision + 1, data: { n: 2, items: ['before'] } });
    await until(() => b.data.n === 2 && b.listening && a.listening, 'B at 2 and both LISTENing again');
    expect(a.healthy && b.healthy).toBe(true);
  });

  it('PostgreSQL down: updates throw Unavailable at once, reads serve the cached data, all recovers when it is back', async () => {
    // A waits 10 s for a connection that does not answer: "at once" is a refused connection failing the update
    // (well under that), not a wait for that timeout, and the bound below leaves room for a busy machine's stalls.
    const { url, a, b } = await replicas({ a: { timeouts: { connectTimeoutMs: 10_000 } } });
    await a.update((d) => {
      d.n = 5;
    });
    await until(() => b.data.n === 5, 'B at 5');
    await cluster.kill();
    try {
      const t0 = performance.now();
      await expect(a.update((d) => void (d.n = 6))).rejects.toBeInstanceOf(Unavailable);
      expect(performance.now() - t0).toBeLessThan(3_000);
      await expect(b.update((d) => void (d.n = 6))).rejects.toThrow(/could not be saved \(ECONNREFUSED\); nothing was changed/);
      expect(a.data.n).toBe(5);
      expect(b.data.n).toBe(5);
      await until(() => !a.healthy && !b.healthy && !a.listening, 'the replicas to notice the outage');
    } finally {
      await cluster.start();
    }
    await until(() => a.healthy && b.healthy && a.listening && b.listening, 'both replicas back', 10_000);
    await b.update((d) => {
      d.n = 6;
    });
    await until(() => a.data.n === 6, 'A hears of B again');
    expect((await row(url)).data.n).toBe(6);
    expect(logs.some((l) => l.includes('PostgreSQL is unreachable'))).toBe(true);
    expect(logs.some((l) => l.includes('PostgreSQL is reachable again'))).toBe(true);
  });

  it('a verb that throws rolls back: data, versions and the row unchanged, the error rethrown as is', async () => {
    const { url, a } = await replicas();
    await a.update((d) => void (d.n = 1));
    const before = await row(url);
    const version = a.version;
    await expect(
      a.update((d) => {
        d.n = 50;
        throw new RangeError('refused');
      }),
    ).rejects.toThrow(RangeError);
    expect(a.data.n).toBe(1);
    expect(a.version).toBe(version);
    expect(await row(url)).toEqual(before);
    expect(await a.update((d) => ++d.n)).toBe(2);
  });

  it('a document this Herald cannot parse, written behind its back: reads keep the last valid one, writes are refused', async () => {
    const { url, a, b } = await replicas({ b: { pollMs: 100 } });
    await a.update((d) => void (d.n = 3));
    await until(() => b.data.n === 3, 'B at 3');
    await cluster.sql(`UPDATE herald_document SET version = version + 1, data = '{"n":"three"}' WHERE id = 1`, url);
    await until(() => logs.some((l) => l.startsWith('b:') && l.includes('not valid for this Herald')), 'B to refuse the bad document');
    await new Promise((r) => setTimeout(r, 300));
    expect(b.data).toEqual({ n: 3, items: [] });
    // Reported once, not at every poll.
    expect(logs.filter((l) => l.startsWith('b:') && l.includes('not valid for this Herald'))).toHaveLength(1);
    const err = await a.update((d) => void (d.n = 4)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Unavailable);
    expect((err as Unavailable).code).toBe('storage_invalid');
    expect(a.data.n).toBe(3);
    expect(a.healthy && b.healthy).toBe(true);
  });

  it('upgrades an old document through the hook, and refuses to start on one it cannot parse', async () => {
    const url = await cluster.database();
    const first = makeStore(url, 'first');
    await first.load();
    await first.close();
    await cluster.sql(`UPDATE herald_document SET data = '{"count":3}' WHERE id = 1`, url);
    const upgrading = makeStore(url, 'up', {
      upgrade: (raw) => {
        const old = raw as { count?: number };
        return old.count === undefined ? { data: raw, migrated: false } : { data: { n: old.count, items: [] }, migrated: true };
      },
    });
    expect(await upgrading.load()).toEqual({ migrated: true, created: false });
    expect(upgrading.data).toEqual({ n: 3, items: [] });
    await upgrading.flush();
    expect((await row(url)).data).toEqual({ n: 3, items: [] });
    await upgrading.close();

    await cluster.sql(`UPDATE herald_document SET data = '{"n":"three"}' WHERE id = 1`, url);
    await expect(makeStore(url, 'strict').load()).rejects.toBeInstanceOf(InvalidStoredDocument);
  });

  it('tells the stored site by its page id, in a document holding \\u0000 too, and refuses another as asked', async () => {
    const url = await cluster.database();
    const first = makeStore(url, 'first');
    await first.load();
    await first.close();
    // The json column keeps the escape as written; PostgreSQL's own `->` on it fails (22P05).
    await cluster.sql(`UPDATE herald_document SET data = '{"n":1,"items":["a\\u0000b"],"page":{"id":"site-1"}}' WHERE id = 1`, url);
    const seen: Array<string | null> = [];
    const same = makeStore(url, 'same', {
      refuseSite: (id) => {
        seen.push(id);
        return undefined;
      },
    });
    await same.load();
    expect(seen).toEqual(['site-1']);
    expect(same.data.items).toEqual(['a\u0000b']);
    await same.close();
    const other = makeStore(url, 'other', { refuseSite: (id) => new Error(`another site than ${id}`) });
    await expect(other.load()).rejects.toThrow('another site than site-1');
    // The static export's reader, which only asks whether there is a site.
    const reader = makeStore(url, 'reader', { readOnly: true, refuseToCreate: new Error('no site') });
    await reader.load();
    expect(reader.data.n).toBe(1);
  });

  it('refuses to start, with Unavailable, when PostgreSQL cannot be reached', async () => {
    // Port 1: nothing listens there (and only root could).
    const store = makeStore('postgres://herald@127.0.0.1:1/herald', 'x', { timeouts: { connectTimeoutMs: 500 } });
    await expect(store.load()).rejects.toThrow(/Herald cannot start: PostgreSQL is unreachable \(.*ECONNREFUSED/);
    await expect(store.update((d) => void (d.n = 1))).rejects.toBeInstanceOf(Unavailable);
  });
});
