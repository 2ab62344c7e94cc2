import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { all, dom, textOf, type Doc, type El } from '../helpers/dom.ts';

/**
 * A site with forty components. The update form listed every one, in the components' order, so on a phone
 * the two an incident is about sat somewhere in forty selects. They now come first, and the others fold
 * under "Other components (38)", open when one of them is set. Read as the server renders it (no JavaScript).
 */
let h: HeraldProcess;
let s: ConsoleSession;
let id: string;
const IDS = Array.from({ length: 40 }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`);

beforeAll(async () => {
  h = await startHerald({ env: { HERALD_SEED: 'none' } });
  for (const c of IDS) expect((await h.admin('/components', { body: { id: c, name: `Service ${c.slice(4)}` } })).status).toBe(201);
  const declared = await h.admin('/incidents', {
    body: {
      name: 'Slow logins',
      severity: 'sev2',
      body: 'We are investigating.',
      components: { 'svc-31': 'degraded_performance', 'svc-07': 'partial_outage' },
    },
  });
  expect(declared.status, await declared.clone().text()).toBe(201);
  id = ((await declared.json()) as { id: string }).id;
  s = await signIn(h);
});
afterAll(() => stopAll(h));

const selectsIn = (root: Doc | El) => all(root, (e) => e.name === 'select' && (e.attribs.name ?? '').startsWith('component.'));
const namesOf = (selects: El[]) => selects.map((e) => e.attribs.name!.slice('component.'.length));
const others = (doc: Doc) => all(doc, (e) => e.name === 'details' && (e.attribs.class ?? '').includes('other-components'));

describe('the update form with forty components', () => {
  it("puts the incident's own first and folds the other 38, closed", async () => {
    const doc = dom(await (await fetch(`${h.url}/admin/incidents/${id}`, { headers: { cookie: s.cookie } })).text());
    const [folded, ...more] = others(doc);
    expect(more).toEqual([]);
    expect(folded!.attribs.open).toBeUndefined();
    expect(textOf(all(folded!, (e) => e.name === 'summary')[0]!)).toBe('Other components (38)');
    const inside = new Set(selectsIn(folded!));
    const outside = selectsIn(doc).filter((e) => !inside.has(e));
    expect(namesOf(outside)).toEqual(['svc-07', 'svc-31']);
    expect(namesOf([...inside])).toEqual(IDS.filter((c) => c !== 'svc-07' && c !== 'svc-31'));
  });

  it('a form drawn again with one of the others set shows them open, with its choice', async () => {
    // Refused for its missing status: the form comes back as it was sent.
    const res = await s.post('/admin/preview', {
      kind: 'update',
      incident: id,
      eta: 'none',
      body: 'We found the cause.',
      body_template: '',
      notify_shown: '0',
      'component.svc-12': 'major_outage',
    });
    const doc = dom(await res.text());
    expect(res.status, textOf(doc.children[0] as El)).toBe(422);
    const [folded] = others(doc);
    expect(folded!.attribs.open).toBeDefined();
    const chosen = selectsIn(folded!).find((e) => e.attribs.name === 'component.svc-12')!;
    expect(all(chosen, (e) => e.name === 'option' && e.attribs.selected !== undefined).map((o) => o.attribs.value)).toEqual([
      'major_outage',
    ]);
  });

  it('the declare form, with no incident yet, lists all forty unfolded', async () => {
    const doc = dom(await (await fetch(`${h.url}/admin/incidents/new`, { headers: { cookie: s.cookie } })).text());
    expect(others(doc)).toEqual([]);
    expect(namesOf(selectsIn(doc))).toEqual(IDS);
  });
});
