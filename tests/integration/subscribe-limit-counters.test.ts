import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { engine, engineEnv } from '../helpers/engine.ts';
import { openInProcess, type InProcess } from '../helpers/app.ts';
import { subscriberByEmail } from '../helpers/subscribers.ts';

/**
 * The subscribe limits' counters on PostgreSQL (mail_subscribe_limits) live up to a day and are in any dump
 * taken that day: they must not name who asked, and an address removed (an erasure request) or erased by the
 * retention rule must leave no counter behind. The embedded engine counts under the same keys, in memory.
 */

const ADDRESS = 'Private.Person@Example.org';
const CLIENT = '198.51.100.77';

let h: HeraldProcess | null = null;
let p: InProcess | null = null;
afterEach(async () => {
  await stopAll(...(h ? [h] : []));
  await p?.close();
  h = p = null;
});

async function counters(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ key: string }>('SELECT key FROM mail_subscribe_limits ORDER BY key');
    return rows.map((r) => r.key);
  } finally {
    await client.end();
  }
}

/** What a dump of the counters must not hold: the address (in any case, or its parts) or the client's IP. */
function expectNobodyNamed(keys: string[]): void {
  const text = keys.join('\n').toLowerCase();
  for (const part of ['private.person', 'example.org', CLIENT]) expect(text).not.toContain(part);
}

const addressCounters = (keys: string[]) => keys.filter((k) => !k.startsWith('ip:'));

describe.runIf(engine() === 'postgres')('subscribe-limit counters on PostgreSQL', () => {
  it('are keyed by digests, not the address or IP, and a removal deletes its address’s counters', async () => {
    h = await startHerald({ env: { ...(await engineEnv()), TRUST_PROXY: 'true' } });
    const subscribe = async (email: string) => {
      const res = await fetch(`${h!.url}/api/subscribers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': CLIENT },
        body: JSON.stringify({ email }),
      });
      await res.arrayBuffer();
      return res.status;
    };
    expect([await subscribe(ADDRESS), await subscribe(ADDRESS.toLowerCase()), await subscribe('other@example.com')]).toEqual([
      202, 202, 202,
    ]);
    const before = await counters(h.databaseUrl!);
    expectNobodyNamed(before);
    // The client's one counter, then each address's short window and day: one address whatever its case.
    expect(before).toHaveLength(5);

    const found = (await (await h.admin('/subscribers?q=private.person')).json()) as { subscribers: Array<{ id: string }> };
    expect(found.subscribers).toHaveLength(1);
    expect((await h.admin(`/subscribers/${found.subscribers[0]!.id}`, { method: 'DELETE' })).status).toBe(204);

    const after = await counters(h.databaseUrl!);
    expect(addressCounters(after), "only the other address's counters are left").toHaveLength(2);
    expect(after).toEqual(before.filter((k) => after.includes(k)));
    // Asking again counts afresh: nothing of the removed address was kept.
    expect(await subscribe(ADDRESS)).toBe(202);
  });

  it('an address erased by the retention rule leaves no counter behind', async () => {
    p = await openInProcess({ STATIC_SNAPSHOT: 'false' });
    const notify = p.herald.notify;
    await notify.subscribe({ email: ADDRESS, components: [] }, CLIENT);
    const url = p.herald.config.DATABASE_URL!;
    expectNobodyNamed(await counters(url));
    expect(addressCounters(await counters(url))).toHaveLength(2);
    // Never confirmed, long ago (its counters, made just now, are still in their windows: the sweep keeps them).
    const s = (await subscriberByEmail(notify, ADDRESS))!;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`UPDATE mail_subscribers SET requested_at = now() - interval '30 days' WHERE id = $1`, [s.id]);
    } finally {
      await client.end();
    }
    await notify.sweep();
    expect(await subscriberByEmail(notify, ADDRESS)).toBeUndefined();
    const left = await counters(url);
    expect(addressCounters(left)).toEqual([]);
    expect(left, "the client's counter is the client's, not the address's").toHaveLength(1);
  });
});
