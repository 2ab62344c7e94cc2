import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { all, byId, dom, fieldsOf, nameOf, textOf, type Doc } from '../helpers/dom.ts';

/**
 * The console's components table with one name in two groups (allowed) and in none: each row's buttons
 * and fields, the question before a deletion and a refused deletion name the component as customers read
 * it ("Core platform / API"), not "API" three times. Before, the table had three "Save API" and three
 * "Delete API" buttons, and a refusal said "API is part of INC-…, still open." without saying which.
 * Over plain HTTP, as a browser with scripts off.
 */
let h: HeraldProcess;
let s: ConsoleSession;
let incident: string;

beforeAll(async () => {
  h = await startHerald();
  for (const body of [
    { id: 'api', name: 'API', group: 'Core platform' },
    { id: 'api-infra', name: 'API', group: 'Infrastructure' },
    { id: 'api-public', name: 'API' },
    { id: 'web', name: 'Website' },
  ])
    expect((await h.admin('/components', { body })).status).toBe(201);
  const made = await h.admin('/incidents', {
    body: {
      name: 'Gateway errors',
      impact: 'minor',
      status: 'investigating',
      body: 'Looking.',
      components: { 'api-infra': 'degraded_performance' },
    },
  });
  expect(made.status).toBe(201);
  incident = ((await made.json()) as { id: string }).id;
  s = await signIn(h);
}, 60_000);
afterAll(() => stopAll(h));

const page = async (path: string) => dom(await (await fetch(`${h.url}${path}`, { headers: { cookie: s.cookie } })).text());
const main = (doc: Doc) => all(doc, (e) => e.name === 'main')[0]!;
/** The refusal the page leads with: its error summary's text. */
const refusal = (doc: Doc) => textOf(all(doc, (e) => e.attribs.role === 'alert')[0]!);

describe('components that share a name, in the console', () => {
  it("each row's buttons and fields name their component with its group", async () => {
    const doc = main(await page('/admin/components'));
    const buttons = all(doc, (e) => e.name === 'button').map(nameOf);
    for (const name of ['Core platform / API', 'Infrastructure / API', 'API', 'Website']) {
      expect(buttons, `the buttons of ${name}`).toEqual(expect.arrayContaining([`Save ${name}`, `Delete ${name}`]));
    }
    expect(new Set(buttons).size, `no two buttons share a name: ${buttons.join(', ')}`).toBe(buttons.length);
    const labels = (id: string) =>
      ['name', 'group', 'position', 'description'].map((k) => byId(doc, `edit-${id}-${k}`)!.attribs['aria-label']);
    expect(labels('api-infra')).toEqual([
      'Name of Infrastructure / API',
      'Group of Infrastructure / API',
      'Position of Infrastructure / API',
      'Description of Infrastructure / API',
    ]);
    expect(labels('api')[0]).toBe('Name of Core platform / API');
    // One in no group stays "API", and a name no other has is left alone.
    expect(labels('api-public')[0]).toBe('Name of API');
    expect(labels('web')[0]).toBe('Name of Website');
  });

  it('deleting one an open incident names is refused, saying which', async () => {
    const asked = await s.post('/admin/components', { action: 'delete', id: 'api-infra' });
    expect(asked.status).toBe(409);
    expect(refusal(dom(await asked.text()))).toContain(`Infrastructure / API is part of ${incident}, still open. Resolve it first.`);
    // The confirming post (from a question asked before the incident) is refused in the same words.
    const confirmed = await s.post('/admin/components', { action: 'delete', id: 'api-infra', confirm: '1' });
    expect(confirmed.status).toBe(409);
    expect(refusal(dom(await confirmed.text()))).toContain(`Infrastructure / API is part of ${incident}, still open. Resolve it first.`);
  });

  it('the question before a deletion names which, in its title and its button', async () => {
    const ask = await s.post('/admin/components', { action: 'delete', id: 'api' });
    expect(ask.status).toBe(200);
    const question = byId(dom(await ask.text()), 'confirm-delete')!;
    expect(textOf(question)).toContain('Delete Core platform / API?');
    const [form] = all(question, (e) => e.name === 'form');
    expect(all(form!, (e) => e.name === 'button').map(nameOf)).toEqual(['Delete Core platform / API']);
    expect(fieldsOf(form!).id).toBe('api');
  });
});
