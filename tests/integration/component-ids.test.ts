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

  it('an id freed by a deletion is the next one given', async () => {
    expect((await h.admin('/components/component-2', { method: 'DELETE' })).status).toBe(204);
    expect(((await (await create({ name: 'ギフト' })).json()) as Created).id).toBe('component-2');
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

  it('the same ordinary name twice answers 409 (API and console) and stores nothing', async () => {
    expect((await create({ name: 'Card Payments' })).status).toBe(201);
    const before = await storedText(h);
    expect((await create({ name: 'Card Payments' })).status).toBe(409);
    const console = await s.post('/admin/components', { action: 'create', name: 'Card Payments' });
    expect(console.status).toBe(409);
    expect(await console.text()).toContain('A component with id &quot;card-payments&quot; already exists.');
    expect(await storedText(h)).toBe(before);
  });
});
