import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInProcess, type InProcess } from '../helpers/app.ts';

/**
 * The components admin API (README "Admin API"), in process: create, list,
 * read, edit, delete, what it refuses, and the audit trail of each change.
 */
type Json = Record<string, any>;
type Init = { method?: string; body?: unknown; headers?: Record<string, string> };

let p: InProcess;
const call = async (path: string, init?: Init) => {
  const res = await p.admin(path, init);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as Json };
};
const create = (body: unknown) => call('/components', { body });
const patch = (id: string, body: unknown) => call(`/components/${id}`, { method: 'PATCH', body });
const remove = (id: string, query = '') => call(`/components/${id}${query}`, { method: 'DELETE' });
const audit = async () => (await call('/audit')).body.events as Json[];

beforeAll(async () => {
  p = await openInProcess();
});
afterAll(() => p?.close());

describe('creating and reading components', () => {
  it('creates a component with a slug id from its name (201), creating its group by name', async () => {
    const { status, body } = await create({ name: 'Card Payments', group: 'Core platform', description: 'Cards and wallets' });
    expect(status).toBe(201);
    expect(body).toMatchObject({ id: 'card-payments', name: 'Card Payments', description: 'Cards and wallets', status: 'operational' });
    const { body: list } = await call('/components');
    const group = list.groups.find((g: Json) => g.name === 'Core platform');
    expect(group).toBeDefined();
    expect(body.group).toBe(group.id);
  });

  it('puts a second component named with the same group (any case) into that group', async () => {
    const { status, body } = await create({ name: 'Payouts', group: 'core PLATFORM' });
    expect(status).toBe(201);
    const { body: list } = await call('/components');
    expect(list.groups.filter((g: Json) => g.name.toLowerCase() === 'core platform')).toHaveLength(1);
    expect(body.group).toBe(list.groups.find((g: Json) => g.name === 'Core platform').id);
  });

  it('takes an explicit id, status and position', async () => {
    const { status, body } = await create({ id: 'search-eu', name: 'Search (EU)', status: 'degraded_performance', position: 7 });
    expect(status).toBe(201);
    expect(body).toMatchObject({ id: 'search-eu', group: null, status: 'degraded_performance', position: 7, description: null });
  });

  // From a hunt: after a group placed at 100000, a new ungrouped component got 100001, which no form or PATCH may
  // give, so the console's row (posting its position back) refused every later edit of it.
  it('places a new component at most at the last position allowed, so its position can be sent back as it is', async () => {
    const group = (await call('/components')).body.groups.find((g: Json) => g.name === 'Core platform');
    expect((await call(`/groups/${group.id}`, { method: 'PATCH', body: { position: 100_000 } })).status).toBe(200);
    const { status, body } = await create({ name: 'Last of all' });
    expect(status).toBe(201);
    expect(body.position).toBe(100_000);
    expect((await patch(body.id, { name: 'Last of all, renamed', position: body.position })).status).toBe(200);
    expect((await call(`/groups/${group.id}`, { method: 'PATCH', body: { position: 1 } })).status).toBe(200);
    await remove(body.id);
  });

  it('lists components and groups', async () => {
    const { status, body } = await call('/components');
    expect(status).toBe(200);
    expect(body.components.map((c: Json) => c.id)).toEqual(expect.arrayContaining(['card-payments', 'payouts', 'search-eu']));
    expect(body.groups.map((g: Json) => g.name)).toContain('Core platform');
  });

  it('reads one component by id', async () => {
    const { status, body } = await call('/components/card-payments');
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: 'card-payments', name: 'Card Payments' });
  });

  it('refuses a second component with the same id (409 duplicate)', async () => {
    const { status, body } = await create({ id: 'card-payments', name: 'Payments again' });
    expect(status).toBe(409);
    expect(body.error).toMatchObject({ code: 'duplicate', field: 'id' });
  });
});

describe('editing components', () => {
  it('changes name, description, status and position', async () => {
    const { status, body } = await patch('search-eu', {
      name: 'Site search',
      description: 'Full-text search',
      status: 'partial_outage',
      position: 3,
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: 'search-eu',
      name: 'Site search',
      description: 'Full-text search',
      status: 'partial_outage',
      position: 3,
    });
    expect((await call('/components/search-eu')).body).toMatchObject({ name: 'Site search', status: 'partial_outage' });
  });

  it('edits one of a pair named alike in one group (stored before names were checked), its name and group sent unchanged as the console sends them', async () => {
    await p.herald.run('test', (ctx) => {
      const twin = ctx.db.components.find((c) => c.id === 'search-eu')!;
      twin.name = 'Card Payments';
      twin.group = ctx.db.components.find((c) => c.id === 'card-payments')!.group;
    });
    const { status, body } = await patch('search-eu', { name: 'Card Payments', group: 'Core platform', description: 'EU cards' });
    expect(status).toBe(200);
    expect(body.description).toBe('EU cards');
    // A rename onto the twin's name (another case) is still a new name, and refused.
    expect((await patch('search-eu', { name: 'card payments' })).status).toBe(409);
  });

  it('moves a component into a new group by name, and out of any group with null', async () => {
    const moved = await patch('search-eu', { group: 'Discovery' });
    const discovery = (await call('/components')).body.groups.find((g: Json) => g.name === 'Discovery');
    expect(moved.body.group).toBe(discovery.id);
    const out = await patch('search-eu', { group: null });
    expect(out.body.group).toBeNull();
    // A group lives only while it holds components.
    expect((await call('/components')).body.groups.map((g: Json) => g.name)).not.toContain('Discovery');
  });

  it('takes a group by its id too, as the list answers it: a component read, changed and sent back stays in its group', async () => {
    const { body: read } = await call('/components/card-payments');
    const groupsBefore = (await call('/components')).body.groups as Json[];
    expect((await create({ name: 'Ledger' })).status).toBe(201);
    // Before: a new group named by the id ("ljv28iqqzzle") on the public page, the component moved into it.
    const sent = await patch('ledger', { group: read.group });
    expect(sent.status).toBe(200);
    expect(sent.body.group).toBe(read.group);
    const made = await create({ name: 'Refunds', group: read.group });
    expect(made.body.group).toBe(read.group);
    expect(((await call('/components')).body.groups as Json[]).map((g) => [g.id, g.name])).toEqual(groupsBefore.map((g) => [g.id, g.name]));
    for (const id of ['ledger', 'refunds']) expect((await remove(id)).status).toBe(204);
  });

  it('refuses to change the id (an unknown key in a patch)', async () => {
    const { status, body } = await patch('search-eu', { id: 'search' });
    expect(status).toBe(422);
    expect(body.error.field).toBe('id');
  });
});

describe('refused input answers 422 naming the field', () => {
  it.each([
    ['an empty name', { name: '   ' }, 'name'],
    ['a missing name', { description: 'x' }, 'name'],
    ['a name over 200 characters', { name: 'n'.repeat(201) }, 'name'],
    ['a description over 1000 characters', { name: 'Long', description: 'd'.repeat(1001) }, 'description'],
    ['an id with capitals and spaces', { name: 'Bad id', id: 'Bad Id' }, 'id'],
    ['an id over 60 characters', { name: 'Long id', id: 'a'.repeat(61) }, 'id'],
    ['an unknown key', { name: 'Typo', colour: 'red' }, 'colour'],
    ['a control character in the name', { name: 'Bell\u0007' }, 'name'],
    ['a line break in the name', { name: 'Two\nlines' }, 'name'],
    ['a control character in the group', { name: 'Grouped', group: 'Core\u001b[31m' }, 'group'],
    ['an unknown status', { name: 'Status', status: 'broken' }, 'status'],
    ['a negative position', { name: 'Position', position: -1 }, 'position'],
  ])('%s', async (_label, body, field) => {
    const res = await create(body);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'invalid', field });
  });

  it('a __proto__ key, which would otherwise vanish silently', async () => {
    const res = await create('{"name":"Proto","__proto__":{"status":"major_outage"}}');
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'invalid', field: '__proto__' });
    expect((await call('/components/proto')).status).toBe(404);
  });

  it('the same rules apply to a patch', async () => {
    expect((await patch('card-payments', { name: '' })).body.error.field).toBe('name');
    expect((await patch('card-payments', { description: 'a\u0000b' })).body.error.field).toBe('description');
    expect((await call('/components/card-payments')).body.name).toBe('Card Payments');
  });
});

describe('unknown ids answer 404', () => {
  it.each([
    ['GET', undefined],
    ['PATCH', { name: 'Ghost' }],
    ['DELETE', undefined],
  ])('%s /components/nope', async (method, body) => {
    const res = await call('/components/nope', { method, body });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'not_found', field: 'id' });
  });
});

describe('deleting components', () => {
  it('deletes an unused component (204), which is then gone', async () => {
    await create({ id: 'scratch', name: 'Scratch' });
    const res = await remove('scratch');
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
    expect((await call('/components/scratch')).status).toBe(404);
  });

  it('refuses while an incident refers to it (409 component_in_use naming the incident), even with force', async () => {
    await create({ id: 'ledger', name: 'Ledger' });
    // A past incident names it too: the refusal names the open one, which is what blocks it (before: both, and
    // "Resolve them first" of one already resolved).
    const past = await call('/incidents', {
      body: { name: 'Old lag', impact: 'minor', body: 'Balances were late.', components: { ledger: 'degraded_performance' } },
    });
    await call(`/incidents/${past.body.id}/updates`, { body: { status: 'resolved', body: 'Caught up.' } });
    const declared = await call('/incidents', {
      body: { name: 'Ledger lag', impact: 'minor', body: 'Balances are late.', components: { ledger: 'degraded_performance' } },
    });
    expect(declared.status).toBe(201);
    for (const query of ['', '?force=true']) {
      const res = await remove('ledger', query);
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'component_in_use', field: 'id' });
      expect(res.body.error.message).toContain(declared.body.id);
      expect(res.body.error.message).not.toContain(past.body.id);
      expect(res.body.error.message).toContain('not over yet');
    }
    expect((await call('/components/ledger')).status).toBe(200);

    // Resolved: still refused without force (history names it), deleted with force.
    await call(`/incidents/${declared.body.id}/updates`, { body: { status: 'resolved', body: 'Caught up.' } });
    const plain = await remove('ledger');
    expect(plain.status).toBe(409);
    expect(plain.body.error.code).toBe('component_in_use');
    expect(plain.body.error.message).toContain('?force=true');
    expect((await remove('ledger', '?force=true')).status).toBe(204);
    expect((await call('/components/ledger')).status).toBe(404);
  });
});

describe('an explicit id past events still name', () => {
  const hours = (n: number) => new Date(Date.now() + n * 3_600_000).toISOString();

  it('is refused (409 id_in_history, field id) once its component was deleted with force: a new one would take on its history', async () => {
    await create({ id: 'search', name: 'Search' });
    const declared = await call('/incidents', {
      body: { name: 'Search down', impact: 'critical', body: 'Search fails.', components: { search: 'major_outage' } },
    });
    expect(declared.status).toBe(201);
    await call(`/incidents/${declared.body.id}/updates`, { body: { status: 'resolved', body: 'Back.' } });
    expect((await remove('search', '?force=true')).status).toBe(204);
    const before = await p.stored();
    // Before: 201, and the new Search was listed in the old incident, its uptime bar carrying the outage.
    const again = await create({ id: 'search', name: 'Search' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'id_in_history', field: 'id' });
    expect(again.body.error.message).toContain(declared.body.id);
    expect(await p.stored()).toBe(before);
    // Without an id it gets a free one, as before.
    const fresh = await create({ name: 'Search' });
    expect(fresh).toMatchObject({ status: 201, body: { id: 'search-2' } });
  });

  it('is refused as well for an id only a maintenance window (cancelled) still names', async () => {
    await create({ id: 'warehouse', name: 'Warehouse' });
    const window = await call('/maintenances', {
      body: { name: 'Warehouse upgrade', scheduled_for: hours(24), scheduled_until: hours(26), components: ['warehouse'] },
    });
    expect(window.status).toBe(201);
    expect((await call(`/maintenances/${window.body.id}/cancel`, { body: {} })).status).toBe(201);
    expect((await remove('warehouse', '?force=true')).status).toBe(204);
    const again = await create({ id: 'warehouse', name: 'Warehouse' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'id_in_history', field: 'id' });
    expect(again.body.error.message).toContain(window.body.id);
  });
});

describe('the audit log', () => {
  it('records each create, edit and delete, with the previous value of edits and deletes', async () => {
    await create({ id: 'audited', name: 'Audited' });
    await patch('audited', { name: 'Audited twice' });
    await remove('audited');
    const mine = (await audit()).filter((e) => e.target === 'audited');
    // Newest first.
    expect(mine.map((e) => e.action)).toEqual(['component.delete', 'component.edit', 'component.create']);
    for (const e of mine) expect(e.actor).toBe('admin-token');
    expect(mine[1]!.previous).toMatchObject({ id: 'audited', name: 'Audited' });
    expect(mine[0]!.previous).toMatchObject({ id: 'audited', name: 'Audited twice' });
  });

  // From a hunt: an empty patch, or the same status again, moved updated_at and wrote a component.edit.
  it('records nothing for an edit that changes nothing, and leaves updated_at', async () => {
    const made = (await create({ id: 'still', name: 'Still', status: 'degraded_performance' })).body;
    const before = (await audit()).length;
    for (const body of [{}, { status: 'degraded_performance' }, { name: 'Still', position: made.position }]) {
      const res = await patch('still', body);
      expect(res.status).toBe(200);
      expect(res.body.updated_at).toBe(made.updated_at);
    }
    expect((await audit()).length).toBe(before);
  });

  it('records nothing for a refused change', async () => {
    const before = (await audit()).length;
    await create({ name: '' });
    await patch('nope', { name: 'Ghost' });
    await remove('nope');
    expect((await audit()).length).toBe(before);
  });
});
