import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { engineEnv } from '../helpers/engine.ts';

/**
 * The per-address subscribe limit (SUBSCRIBE_LIMIT_PER_ADDRESS) protects an
 * inbox from confirmation mail. A client past its per-IP limit must neither
 * use it up for an address it names (its refused requests are not counted
 * against the address) nor reset it by flooding distinct addresses.
 * Clients are told apart by X-Forwarded-For behind TRUST_PROXY.
 */

const PER_IP = 5;
const PER_ADDRESS = 3;
const BATCH = 50;

let h: HeraldProcess;

beforeAll(async () => {
  h = await startHerald({
    env: {
      ...(await engineEnv()),
      TRUST_PROXY: 'true',
      SUBSCRIBE_LIMIT_PER_IP: String(PER_IP),
      SUBSCRIBE_LIMIT_PER_ADDRESS: String(PER_ADDRESS),
    },
  });
});

afterAll(() => stopAll(h));

async function subscribe(client: string, email: string, components?: string[]): Promise<number> {
  const res = await fetch(`${h.url}/api/subscribers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
    body: JSON.stringify(components ? { email, components } : { email }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** One request after another, in order (the limits count in order); their statuses. */
async function inOrder(requests: Array<[client: string, email: string, components?: string[]]>): Promise<number[]> {
  const out: number[] = [];
  for (const [client, email, components] of requests) out.push(await subscribe(client, email, components));
  return out;
}

/** `n` requests, BATCH at a time in parallel; how many got each status. */
async function flood(n: number, request: (i: number) => [client: string, email: string]): Promise<Record<number, number>> {
  const counts: Record<number, number> = {};
  for (let i = 0; i < n; i += BATCH) {
    const statuses = await Promise.all(Array.from({ length: Math.min(BATCH, n - i) }, (_, j) => subscribe(...request(i + j))));
    for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  }
  return counts;
}

describe('the per-address subscribe limit under a flood', () => {
  it("requests refused by the per-IP limit are not counted against the address they name: the owner's own requests still go through", async () => {
    const attacker = '198.51.100.1';
    const victim = 'victim-1@example.com';
    // The attacker uses up its per-IP limit on other addresses, then keeps naming the victim's.
    expect(await inOrder(Array.from({ length: PER_IP }, (_, i) => [attacker, `attacker-${i}@example.com`]))).toEqual(
      Array(PER_IP).fill(202),
    );
    expect(await inOrder(Array.from({ length: 10 }, () => [attacker, victim]))).toEqual(Array(10).fill(429));
    // The victim's address was never counted: its owner (another client) gets its full allowance.
    expect(await inOrder(Array.from({ length: PER_ADDRESS + 1 }, () => ['203.0.113.1', victim]))).toEqual([
      ...Array(PER_ADDRESS).fill(202),
      429,
    ]);
  });

  it('an address that used up its requests stays limited after the same and other clients flood distinct addresses', async () => {
    const victim = 'victim-2@example.com';
    const owner = '203.0.113.2';
    expect(await inOrder(Array.from({ length: PER_ADDRESS + 1 }, () => [owner, victim]))).toEqual([...Array(PER_ADDRESS).fill(202), 429]);
    // Three clients (the owner's address among them) flood distinct addresses: past their
    // per-IP allowance every request is refused, and none of it touches the victim's counter.
    const clients = [owner, '198.51.100.2', '198.51.100.3'];
    const counts = await flood(1_500, (i) => [clients[i % clients.length]!, `flood-${i}@example.com`]);
    // Each client's per-IP allowance, less the owner's PER_ADDRESS + 1 requests above.
    expect(counts[202]).toBe(clients.length * PER_IP - (PER_ADDRESS + 1));
    expect(counts[429]).toBe(1_500 - counts[202]!);
    // Still limited, even for a client with its per-IP allowance untouched.
    expect(await subscribe('203.0.113.200', victim)).toBe(429);
  });
});

describe('a request refused for what it asks', () => {
  it('is not counted against the address it names: the retry without the deleted component goes through', async () => {
    const client = '203.0.113.50';
    const hank = 'hank@example.com';
    // An old tab still lists a component deleted since: each try is refused, none of it is an email.
    expect(await Promise.all(Array.from({ length: PER_ADDRESS }, () => subscribe(client, hank, ['nosuch'])))).toEqual(
      Array(PER_ADDRESS).fill(422),
    );
    expect(await subscribe(client, hank)).toBe(202);
  });

  it('on the form too: an old tab naming a deleted component is told to check its choice, and the retry is not locked out', async () => {
    const post = async (body: string) => {
      const res = await fetch(`${h.url}/subscribe`, {
        method: 'POST',
        headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '203.0.113.52' },
        body,
      });
      return [res.status, await res.text()] as const;
    };
    for (let i = 0; i < PER_ADDRESS; i++) {
      const [status, page] = await post('email=hank.form%40example.com&components=nosuch');
      expect(status).toBe(422);
      expect(page).toContain('check your choice and subscribe again');
    }
    expect((await post('email=hank.form%40example.com'))[0]).toBe(200);
  });

  it('still counts against its client: a client sending nothing but refused requests meets the per-IP limit', async () => {
    const client = '203.0.113.51';
    expect(await inOrder(Array.from({ length: PER_IP }, (_, i) => [client, `typo-${i}@example.com`, ['nosuch']]))).toEqual(
      Array(PER_IP).fill(422),
    );
    expect(await subscribe(client, 'typo-last@example.com')).toBe(429);
  });
});

describe('the per-address day cap (SUBSCRIBE_LIMIT_PER_ADDRESS_PER_DAY)', () => {
  it('stops a stranger mailing one address every window all day: past the cap it waits until the day is over', async () => {
    const day = await startHerald({
      env: {
        ...(await engineEnv()),
        SUBSCRIBE_LIMIT_PER_ADDRESS: '2',
        // Three posts must fall in one window, also on a loaded machine (one second was too short on CI).
        SUBSCRIBE_LIMIT_WINDOW_SECONDS: '3',
        SUBSCRIBE_LIMIT_PER_ADDRESS_PER_DAY: '3',
      },
    });
    try {
      const post = () =>
        fetch(`${day.url}/api/subscribers`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'victim@example.com' }),
        });
      const statuses = [(await post()).status, (await post()).status, (await post()).status];
      // The short window's third is refused and not counted against the day.
      expect(statuses).toEqual([202, 202, 429]);
      await new Promise((r) => setTimeout(r, 3_100));
      expect((await post()).status, "the day's third").toBe(202);
      await new Promise((r) => setTimeout(r, 3_100));
      const capped = await post();
      expect(capped.status, "the day's fourth").toBe(429);
      expect(Number(capped.headers.get('retry-after'))).toBeGreaterThan(23 * 3600);
      // Another address is not held back by it.
      const other = await fetch(`${day.url}/api/subscribers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'someone-else@example.com' }),
      });
      expect(other.status).toBe(202);
      // The form says hours, not "1440 minute(s)".
      const form = await fetch(`${day.url}/subscribe`, {
        method: 'POST',
        headers: { origin: day.url, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'email=victim%40example.com',
      });
      expect(form.status).toBe(429);
      expect(await form.text()).toContain('Too many requests. Please try again in 24 hours.');
    } finally {
      await stopAll(day);
    }
  });
});
