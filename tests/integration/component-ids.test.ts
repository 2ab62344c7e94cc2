import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { storedText } from '../helpers/engine.ts';

/**
 * A component's id comes from its name when none is given. A name with no
 * a-z or 0-9 in it (another script, only punctuation or emoji) has no slug:
 * each such component still gets an id of its own, through the API and
 * through the console form, which has no id field.
 */
let h: HeraldProcess;
let s: ConsoleSession;

beforeAll(async () => {
  h = await startHerald();
  s = await signIn(h);
});
afterAll(() => stopAll(h));

type Created = { id: string; name: string };
const create = (body: object) => h.admin('/components', { body });
const components = async () => ((await (await h.admin('/components')).json()) as { components: Created[] }).components;
const idOf = async (name: string) => (await components()).find((c) => c.name === name)?.id;

describe('names without a slug', () => {
  it('POST /api/admin/components without id gives each one the first free component, component-2, …', async () => {
    const ids: string[] = [];
    for (const name of ['Платежи', '支付', '🚀✨', '!!! ???']) {
      const res = await create({ name });
      expect(res.status, name).toBe(201);
      const body = (await res.json()) as Created;
      expect(body.name).toBe(name);
      ids.push(body.id);
    }
    expect(ids).toEqual(['component', 'component-2', 'component-3', 'component-4']);
  });

  it('the console form adds them one after another (303 each), none refused as a duplicate', async () => {
    for (const name of ['Доставка', 'Склад']) {
      const res = await s.post('/admin/components', { action: 'create', name });
      expect(res.status, name).toBe(303);
      expect(res.headers.get('location')).toBe('/admin/components?done=added');
    }
    expect(await idOf('Доставка')).toBe('component-5');
    expect(await idOf('Склад')).toBe('component-6');
  });

  it('an id freed by a deletion is the next one given, unless past incidents still name it', async () => {
    expect((await h.admin('/components/component-2', { method: 'DELETE' })).status).toBe(204);
    expect(((await (await create({ name: 'ギフト' })).json()) as Created).id).toBe('component-2');
    // component-3 is in an incident's history: deleted with force, its id is not given to a stranger.
    const inc = (await (
      await h.admin('/incidents', {
        body: { name: 'Rockets', impact: 'minor', body: 'x', components: { 'component-3': 'degraded_performance' } },
      })
    ).json()) as { id: string };
    expect((await h.admin(`/incidents/${inc.id}/updates`, { body: { status: 'resolved', body: 'Fixed.' } })).status).toBe(201);
    expect((await h.admin('/components/component-3?force=true', { method: 'DELETE' })).status).toBe(204);
    // Before: component-3, and with it the incident's history and uptime.
    expect(((await (await create({ name: 'Ракеты' })).json()) as Created).id).toBe('component-7');
  });
});

describe('what stays refused', () => {
  it('an explicit id already taken answers 409 and stores nothing', async () => {
    const before = await storedText(h);
    const res = await create({ id: 'component', name: 'Другое' });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('A component with id "component" already exists.');
    expect(await storedText(h)).toBe(before);
  });

  it('the same name twice in one group answers 409 duplicate_name (API and console) and stores nothing', async () => {
    expect((await create({ name: 'Card Payments' })).status).toBe(201);
    const before = await storedText(h);
    const again = await create({ name: 'card payments ' });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: object }).error).toMatchObject({
      code: 'duplicate_name',
      field: 'name',
      message: 'Another component in the same group is already named "Card Payments".',
    });
    const console = await s.post('/admin/components', { action: 'create', name: 'Card Payments' });
    expect(console.status).toBe(409);
    expect(await console.text()).toContain('Another component in the same group is already named &quot;Card Payments&quot;.');
    expect(await storedText(h)).toBe(before);
  });

  it('renaming a component to a sibling\'s name answers 409 and changes nothing ("API, API" in a notice)', async () => {
    const other = (await (await create({ name: 'Checkout' })).json()) as Created;
    const before = await storedText(h);
    const res = await h.admin(`/components/${other.id}`, { method: 'PATCH', body: { name: 'CARD PAYMENTS' } });
    expect(res.status).toBe(409);
    expect(await storedText(h)).toBe(before);
  });
});

describe('names whose slug another component has', () => {
  it('different names with one slug ("C++", "C#") each get an id: c, then c-2 (409 before)', async () => {
    const ids = [];
    for (const name of ['C++', 'C#']) {
      const res = await create({ name });
      expect(res.status, name).toBe(201);
      ids.push(((await res.json()) as Created).id);
    }
    expect(ids).toEqual(['c', 'c-2']);
    // The console too, which has no id field: "C--" is "c" as well.
    expect((await s.post('/admin/components', { action: 'create', name: 'C--' })).status).toBe(303);
    expect(await idOf('C--')).toBe('c-3');
  });

  it('the same name in another group is another component (API under EU and under US)', async () => {
    const eu = await create({ name: 'Regional API', group: 'EU' });
    const us = await create({ name: 'Regional API', group: 'US' });
    expect([eu.status, us.status]).toEqual([201, 201]);
    expect([((await eu.json()) as Created).id, ((await us.json()) as Created).id]).toEqual(['regional-api', 'regional-api-2']);
  });
});
