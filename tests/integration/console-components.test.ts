import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { all, byId, describedBy, dom, submitted, textOf, type Doc } from '../helpers/dom.ts';

/**
 * The console's components page, from a review: a refused add or edit came back with the add form
 * empty (what was typed lost) and the reason as a banner naming no field, in the API's words for a
 * position ("Too small: expected number to be >=0"). Over plain HTTP, as a browser with scripts off.
 */
type Json = Record<string, any>;
let h: HeraldProcess;
let s: ConsoleSession;

beforeAll(async () => {
  h = await startHerald();
  expect((await h.admin('/components', { body: { id: 'api', name: 'API', group: 'Core platform' } })).status).toBe(201);
  expect((await h.admin('/components', { body: { id: 'web', name: 'Website' } })).status).toBe(201);
  s = await signIn(h);
}, 60_000);
afterAll(() => stopAll(h));

const components = async () => ((await (await h.admin('/components')).json()) as Json).components as Json[];
const refusedPage = async (fields: Record<string, string>) => {
  const res = await s.post('/admin/components', fields);
  expect(res.status).toBeGreaterThanOrEqual(400);
  return dom(await res.text());
};
const summaryLinks = (doc: Doc) => {
  const [alert] = all(doc, (e) => e.attribs.role === 'alert');
  expect(alert, 'an error summary').toBeDefined();
  expect(alert!.attribs.autofocus).toBeDefined();
  return {
    lead: textOf(all(alert!, (e) => e.name === 'p')[0]!),
    links: all(alert!, (e) => e.name === 'a').map((a) => ({ to: a.attribs.href!, text: textOf(a) })),
  };
};
/** The field's value as the page gives it back, and the error its aria-describedby points at. */
const field = (doc: Doc, id: string) => {
  const input = byId(doc, id);
  expect(input, id).toBeDefined();
  return {
    value: input!.attribs.value ?? '',
    invalid: input!.attribs['aria-invalid'],
    error: describedBy(doc, input!)
      .map((e) => (e ? textOf(e) : '(missing)'))
      .join(' '),
  };
};

describe('the add form, refused', () => {
  it('a name taken in the group: what was typed comes back, the error by the Name field, linked from the summary', async () => {
    const before = await components();
    const doc = await refusedPage({ action: 'create', name: 'api', group: 'Core platform', description: 'Public REST API, v2' });
    expect(summaryLinks(doc)).toEqual({
      lead: 'Nothing was added. Fix these fields:',
      links: [{ to: '#new-name', text: expect.stringMatching(/^Name: .*already named "API"/) }],
    });
    expect(field(doc, 'new-name')).toEqual({ value: 'api', invalid: 'true', error: expect.stringContaining('already named "API"') });
    expect(field(doc, 'new-group').value).toBe('Core platform');
    expect(field(doc, 'new-description').value).toBe('Public REST API, v2');
    expect(await components()).toEqual(before);
  });

  it('a name of spaces: "Name must not be empty", the rest kept', async () => {
    const doc = await refusedPage({ action: 'create', name: '   ', group: 'Edge', description: 'CDN' });
    expect(field(doc, 'new-name')).toMatchObject({ invalid: 'true', error: 'Name must not be empty' });
    expect([field(doc, 'new-group').value, field(doc, 'new-description').value]).toEqual(['Edge', 'CDN']);
  });

  it('corrected and sent again with the same one-time key, it adds the component once', async () => {
    const doc = await refusedPage({ action: 'create', name: '  ', group: '', description: '', once: 'k-components-0001' });
    const once = all(doc, (e) => e.attribs.name === 'once')[0]!.attribs.value;
    expect(once).toBe('k-components-0001');
    const added = await s.post('/admin/components', { action: 'create', name: 'Billing', group: '', description: '', once: once! });
    expect(added.status).toBe(303);
    expect((await components()).filter((c) => c.name === 'Billing')).toHaveLength(1);
  });
});

describe("a row's edit, refused", () => {
  it('a position under 0: said in words by the Position field of that row, what was typed kept there, the other rows as stored', async () => {
    const doc = await refusedPage({ action: 'edit', id: 'web', name: 'Website (EU)', group: '', position: '-1', description: 'Shop' });
    expect(summaryLinks(doc)).toEqual({
      lead: 'Website was not saved. Fix these fields:',
      links: [{ to: '#edit-web-position', text: 'Position: Position must be 0 or more' }],
    });
    expect(field(doc, 'edit-web-position')).toEqual({ value: '-1', invalid: 'true', error: 'Position must be 0 or more' });
    expect(field(doc, 'edit-web-name').value).toBe('Website (EU)');
    expect(field(doc, 'edit-web-description').value).toBe('Shop');
    expect(field(doc, 'edit-api-name')).toEqual({ value: 'API', invalid: undefined, error: '' });
    expect(byId(doc, 'new-name')!.attribs.value ?? '').toBe('');
    expect((await components()).find((c) => c.id === 'web')).toMatchObject({ name: 'Website', description: null });
  });

  it('the API says the same of a position in words', async () => {
    const res = await h.admin('/components/web', { method: 'PATCH', body: { position: 2.5 } });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: { field: 'position', message: 'position must be a whole number' } });
  });

  it('of a component deleted meanwhile: said at the top, nothing else touched', async () => {
    expect((await h.admin('/components', { body: { id: 'gone', name: 'Gone soon' } })).status).toBe(201);
    expect((await h.admin('/components/gone', { method: 'DELETE' })).status).toBe(204);
    const doc = await refusedPage({ action: 'edit', id: 'gone', name: 'Gone soon', group: '', position: '1', description: '' });
    const [alert] = all(doc, (e) => e.attribs.role === 'alert');
    expect(textOf(alert!)).toMatch(/gone/i);
  });
});

describe('groups: renamed and put in their place on the page (API and console)', () => {
  const groupsOnPage = async () =>
    (((await (await fetch(`${h.url}/api/v2/components.json`)).json()) as Json).components as Json[])
      .filter((c) => c.group)
      .map((c) => c.name);
  const groupId = async (name: string) =>
    ((await (await h.admin('/components')).json()) as Json).groups.find((g: Json) => g.name === name).id as string;

  it('PATCH /api/admin/groups/:id moves a group ahead of another and renames it; refusals name the field', async () => {
    expect((await h.admin('/components', { body: { id: 'cdn', name: 'CDN', group: 'Edge' } })).status).toBe(201);
    expect(await groupsOnPage()).toEqual(['Core platform', 'Edge']);
    const edge = await groupId('Edge');
    const moved = await h.admin(`/groups/${edge}`, { method: 'PATCH', body: { position: 0, name: 'Edge network' } });
    expect(moved.status).toBe(200);
    expect(await moved.json()).toMatchObject({ id: edge, name: 'Edge network', position: 0 });
    expect(await groupsOnPage()).toEqual(['Edge network', 'Core platform']);

    const twin = await h.admin(`/groups/${edge}`, { method: 'PATCH', body: { name: 'core PLATFORM' } });
    expect(twin.status).toBe(409);
    expect(await twin.json()).toMatchObject({ error: { code: 'duplicate_name', field: 'name' } });
    expect((await h.admin('/groups/nope', { method: 'PATCH', body: { position: 1 } })).status).toBe(404);
    const bad = await h.admin(`/groups/${edge}`, { method: 'PATCH', body: { position: -3 } });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ error: { field: 'position', message: 'position must be 0 or more' } });
    expect(await groupsOnPage()).toEqual(['Edge network', 'Core platform']);

    // Saved as it is (or an empty patch): nothing written, the page's time and the audit log as they were.
    const before = {
      page: ((await (await fetch(`${h.url}/api/v2/status.json`)).json()) as Json).page.updated_at,
      audit: ((await (await h.admin('/audit')).json()) as Json).events.length,
    };
    for (const body of [{}, { name: 'Edge network', position: 0 }])
      expect((await h.admin(`/groups/${edge}`, { method: 'PATCH', body })).status).toBe(200);
    expect({
      page: ((await (await fetch(`${h.url}/api/v2/status.json`)).json()) as Json).page.updated_at,
      audit: ((await (await h.admin('/audit')).json()) as Json).events.length,
    }).toEqual(before);
  });

  it('the console: each group a row with its name and position; refused, the error by the field and what was typed kept', async () => {
    const core = await groupId('Core platform');
    const doc = await refusedPage({ action: 'group', id: core, name: '  ', position: '5' });
    expect(summaryLinks(doc)).toEqual({
      lead: 'The group Core platform was not saved. Fix these fields:',
      links: [{ to: `#group-${core}-name`, text: 'Name: Name must not be empty' }],
    });
    expect(field(doc, `group-${core}-name`)).toMatchObject({ invalid: 'true', error: 'Name must not be empty' });
    expect(field(doc, `group-${core}-position`).value).toBe('5');

    const saved = await s.post('/admin/components', { action: 'group', id: core, name: 'Core', position: '0' });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe('/admin/components?done=group');
    const page = await (await fetch(`${h.url}/admin/components?done=group`, { headers: { cookie: s.cookie } })).text();
    expect(page).toContain('Group saved.');
    expect(field(dom(page), `group-${core}-name`).value).toBe('Core');
  });
});

describe('an edit row saved from a page drawn before someone else changed the component', () => {
  const page = async () => dom(await (await fetch(`${h.url}/admin/components`, { headers: { cookie: s.cookie } })).text());
  /** The row's form as the browser sends it (its hidden fields and the row's inputs), with `typed` typed over. */
  const rowPost = (doc: Doc, id: string, typed: Record<string, string>) => {
    const form = byId(doc, `edit-${id}`)!;
    const fields = Object.fromEntries(submitted(form, doc));
    expect(fields.shown_name, 'what the row showed').toBeDefined();
    return s.post('/admin/components', { ...fields, ...typed });
  };
  const stored = async (id: string) => (await components()).find((c) => c.id === id)!;

  it('writes only what its author changed: another field saved meanwhile stays', async () => {
    expect((await h.admin('/components', { body: { id: 'ledger', name: 'Ledger', description: 'Balances' } })).status).toBe(201);
    const drawn = await page();
    // Someone else, on another tab or replica, describes it anew.
    expect((await h.admin('/components/ledger', { method: 'PATCH', body: { description: 'Balances and payouts' } })).status).toBe(200);
    const res = await rowPost(drawn, 'ledger', { name: 'Ledger v2' });
    expect(res.status).toBe(303);
    // Before: { name: 'Ledger v2', description: 'Balances' }, the other change put back without a word.
    expect(await stored('ledger')).toMatchObject({ name: 'Ledger v2', description: 'Balances and payouts' });
  });

  it('the same field changed by both is refused by that field, naming what it reads now; saved again, it is put', async () => {
    const drawn = await page();
    expect((await h.admin('/components/ledger', { method: 'PATCH', body: { name: 'Ledger (B)' } })).status).toBe(200);
    const res = await rowPost(drawn, 'ledger', { name: 'Ledger (A)' });
    // As the settings form refuses a save over a newer one (a precondition: the row as drawn).
    expect(res.status).toBe(412);
    const doc = dom(await res.text());
    expect(field(doc, 'edit-ledger-name')).toEqual({
      value: 'Ledger (A)',
      invalid: 'true',
      error: expect.stringContaining('Changed by someone else since this page was drawn: it now reads "Ledger (B)"'),
    });
    expect((await stored('ledger')).name).toBe('Ledger (B)');
    // The refused page shows what is saved now as the row's starting point: sent again, the author's name stands.
    expect((await rowPost(doc, 'ledger', {})).status).toBe(303);
    expect(await stored('ledger')).toMatchObject({ name: 'Ledger (A)', description: 'Balances and payouts' });
    expect((await h.admin('/components/ledger', { method: 'DELETE' })).status).toBe(204);
  });

  it("corrected after a refusal and saved again, it still leaves someone else's change to another field alone", async () => {
    expect((await h.admin('/components', { body: { id: 'keys', name: 'Keys', description: 'Key store' } })).status).toBe(201);
    const drawn = await page();
    expect((await h.admin('/components/keys', { method: 'PATCH', body: { description: 'Key store (KMS)' } })).status).toBe(200);
    // Refused for its own mistake (an empty name), then corrected on the refused page and saved.
    const refusedPage = await rowPost(drawn, 'keys', { name: '  ' });
    expect(refusedPage.status).toBe(422);
    const again = await rowPost(dom(await refusedPage.text()), 'keys', { name: 'Key vault' });
    expect(again.status).toBe(303);
    // Before: the description back to "Key store", as the refused page's hidden fields took the stored one for shown.
    expect(await stored('keys')).toMatchObject({ name: 'Key vault', description: 'Key store (KMS)' });

    // Refused for a clash on the name, with another field changed too: saved again, only the name is the author's.
    const drawn2 = await page();
    expect((await h.admin('/components/keys', { method: 'PATCH', body: { name: 'Keys (B)', description: 'HSM' } })).status).toBe(200);
    const clash = await rowPost(drawn2, 'keys', { name: 'Keys (A)' });
    expect(clash.status).toBe(412);
    expect((await rowPost(dom(await clash.text()), 'keys', {})).status).toBe(303);
    expect(await stored('keys')).toMatchObject({ name: 'Keys (A)', description: 'HSM' });
    expect((await h.admin('/components/keys', { method: 'DELETE' })).status).toBe(204);
  });

  it("a group's row too: renamed from an old page, it keeps the place someone else gave it meanwhile", async () => {
    expect((await h.admin('/components', { body: { id: 'vault', name: 'Vault', group: 'Storage' } })).status).toBe(201);
    const { groups } = (await (await h.admin('/components')).json()) as Json;
    const storage = (groups as Json[]).find((g) => g.name === 'Storage')!;
    const drawn = await page();
    expect((await h.admin(`/groups/${storage.id}`, { method: 'PATCH', body: { position: 0 } })).status).toBe(200);
    const form = byId(drawn, `group-${storage.id}`)!;
    const res = await s.post('/admin/components', { ...Object.fromEntries(submitted(form, drawn)), name: 'Storage and backups' });
    expect(res.status).toBe(303);
    const after = ((await (await h.admin('/components')).json()) as Json).groups.find((g: Json) => g.id === storage.id);
    // Before: the place put back to the one the page showed.
    expect(after).toMatchObject({ name: 'Storage and backups', position: 0 });
    expect((await h.admin('/components/vault', { method: 'DELETE' })).status).toBe(204);
  });
});
