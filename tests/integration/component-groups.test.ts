import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn } from '../helpers/console-session.ts';

/**
 * Component groups through the real server: a group's v2 updated_at never goes back when a component leaves
 * it (README: "a group's `updated_at` is its components' latest change"), a component cannot take a group's
 * id (v2 would list it twice), and the console lists groups in the page's order, a tie of positions by name.
 */
type Json = Record<string, any>;
let h: HeraldProcess;
const admin = async (path: string, body?: unknown, method?: string) => {
  const res = await h.admin(path, { body, method });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as Json };
};
const v2 = async () => ((await (await fetch(`${h.url}/api/v2/components.json`)).json()) as Json).components as Json[];
const group = async (name: string) => (await v2()).find((c) => c.group && c.name === name)!;
// Two writes in one millisecond would leave nothing to compare.
const tick = () => new Promise((r) => setTimeout(r, 5));

beforeAll(async () => {
  h = await startHerald({ env: { HERALD_SEED: 'none' } });
  for (const [id, name] of [
    ['api', 'API'],
    ['api-2', 'Cards API'],
    ['api-3', 'Payouts API'],
  ])
    expect((await admin('/components', { id, name, group: 'Payments' })).status).toBe(201);
  expect((await admin('/components', { id: 'web', name: 'Web', group: 'Billing' })).status).toBe(201);
});
afterAll(() => stopAll(h));

describe("a group's updated_at in /api/v2/components.json", () => {
  it('moves on when a component leaves it (moved out, deleted), never back', async () => {
    await tick();
    expect((await admin('/components/api-2', { status: 'major_outage' }, 'PATCH')).status).toBe(200);
    const outage = await group('Payments');
    expect(outage.status).toBe('major_outage');
    await tick();
    expect((await admin('/components/api-2', { group: null }, 'PATCH')).status).toBe(200);
    const left = await group('Payments');
    expect(left).toMatchObject({ status: 'operational', components: ['api', 'api-3'] });
    // Before: back to the newest remaining child's time, older than the outage it had shown.
    expect(Date.parse(left.updated_at)).toBeGreaterThan(Date.parse(outage.updated_at));

    await tick();
    expect((await admin('/components/api-3', undefined, 'DELETE')).status).toBe(204);
    const deleted = await group('Payments');
    expect(deleted.components).toEqual(['api']);
    expect(Date.parse(deleted.updated_at)).toBeGreaterThan(Date.parse(left.updated_at));
  });
});

describe('a component given the id of a group', () => {
  it('is refused with 409 duplicate, as a taken component id; v2 lists the id once', async () => {
    const payments = (await group('Payments')).id as string;
    const refused = await admin('/components', { id: payments, name: 'Status mirror' });
    // Before: 201, and v2 listed the id twice (the group and the component).
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ error: { code: 'duplicate', field: 'id', message: `A group with id "${payments}" already exists.` } });
    expect((await v2()).filter((c) => c.id === payments)).toHaveLength(1);
    const banner = (await (await fetch(`${h.url}/api/banner.json?components=${payments}`)).json()) as Json;
    expect(banner.active).toBe(false);
  });
});

describe('groups at the same position', () => {
  it('are in one order on the page, in v2 and in the console: by name', async () => {
    const ids = Object.fromEntries((await v2()).filter((c) => c.group).map((g) => [g.name, g.id as string]));
    for (const id of Object.values(ids)) expect((await admin(`/groups/${id}`, { position: 5 }, 'PATCH')).status).toBe(200);
    // Payments was made first: ordered by position alone, it came first in the console.
    const expected = [ids.Billing, ids.Payments];
    expect((await v2()).filter((c) => c.group).map((g) => g.id)).toEqual(expected);
    const s = await signIn(h);
    const page = await (await fetch(`${h.url}/admin/components`, { headers: { cookie: s.cookie } })).text();
    const rows = [...page.matchAll(/id="group-([^"]+)-name"/g)].map((m) => m[1]);
    expect(rows).toEqual(expected);
    const home = await (await fetch(h.url)).text();
    expect(home.indexOf('Billing')).toBeLessThan(home.indexOf('Payments'));
    expect(home.indexOf('Billing')).toBeGreaterThan(-1);
  });
});
