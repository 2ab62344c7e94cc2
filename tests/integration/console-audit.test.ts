import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { all, byId, dom, textOf, type Doc, type El } from '../helpers/dom.ts';
import { seedSubscribers } from '../fixtures/subscribers.ts';

/**
 * The audit log answers "who removed whom, and when" without keeping whom: a removal records the
 * address masked, and the console's search finds it by the address typed whole. On either engine.
 */
let h: HeraldProcess;
let s: ConsoleSession;
let ids: string[];

beforeAll(async () => {
  const dataDir = tempDataDir();
  ids = seedSubscribers(dataDir, [{ email: 'user11999@example.com' }, { email: 'kim@example.org', state: 'pending' }]);
  h = await startHerald({ dataDir });
  s = await signIn(h, 'Dana');
}, 60_000);
afterAll(() => stopAll(h));

const page = async (path: string) => dom(await (await fetch(`${h.url}${path}`, { headers: { cookie: s.cookie } })).text());
const rows = (doc: Doc) => all(doc, (e) => e.name === 'tr' && e.parent?.type === 'tag' && (e.parent as { name?: string }).name === 'tbody');
type Event = { actor: string; action: string; target: string; detail?: Record<string, unknown> };
const events = async (query = '') => (await (await h.admin(`/audit${query}`)).json()) as { events: Event[] };

describe('a subscriber removed', () => {
  it('is recorded with a masked address, never the address itself, whether removed in the console or by the API', async () => {
    const ask = await s.post('/admin/subscribers', { id: ids[0]! });
    expect(ask.status).toBe(200);
    expect((await s.post('/admin/subscribers', { id: ids[0]!, confirm: '1' })).status).toBe(303);
    expect((await h.admin(`/subscribers/${ids[1]}`, { method: 'DELETE' })).status).toBe(204);

    const { events: log } = await events();
    const removals = log.filter((e) => e.action === 'subscriber.remove');
    expect(removals.map((e) => [e.actor, e.target, e.detail])).toEqual([
      ['admin-token', ids[1], { email: 'k…@e….org', state: 'pending' }],
      ['console:Dana', ids[0], { email: 'u…9@e….com', state: 'confirmed' }],
    ]);
    const raw = JSON.stringify(log);
    expect(raw).not.toContain('user11999');
    expect(raw).not.toContain('kim@');
    expect(raw).not.toContain('example.');
  });

  it.each(['user11999', 'user11999@example.com', 'u…9', 'k…@e….org'])('the audit page finds the removal by %s', async (q) => {
    const doc = await page(`/admin/audit?q=${encodeURIComponent(q)}`);
    const found = rows(doc).map(textOf);
    expect(found.length, `events found by ${q}`).toBe(1);
    expect(found[0]).toMatch(/[uk]…9?@e…\.(com|org)/);
    expect(textOf(byId(doc, 'main')!)).not.toContain('user11999@');
  });
});

describe('the audit log pages', () => {
  beforeAll(async () => {
    // 120 events of one kind after Dana's sign-in and the removals: more than a page of the console (100), several of the API's.
    for (let i = 0; i < 120; i++) {
      const res = await h.admin('/components', { body: { id: `c${String(i).padStart(3, '0')}`, name: `Component ${i}` } });
      expect(res.status).toBe(201);
    }
  }, 60_000);

  it('GET /api/admin/audit reads every event, page by page with before=next_before, none twice', async () => {
    const { events: newest } = await events('?limit=500');
    expect(newest.length).toBe(123);
    const read: Event[] = [];
    let query = '?limit=50';
    for (let pages = 0; pages < 10; pages++) {
      const res = await h.admin(`/audit${query}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { events: Array<Event & { id: string }>; next_before: string | null };
      read.push(...body.events);
      if (!body.next_before) break;
      expect(body.next_before).toBe(body.events.at(-1)!.id);
      query = `?limit=50&before=${body.next_before}`;
    }
    expect(read.length).toBe(123);
    expect(read).toEqual(newest);
  });

  // From a hunt: limit=0 gave 100 events, where per_page=0 elsewhere gives one.
  it('a limit is clamped to 1..500 as per_page is', async () => {
    const count = async (limit: string) => ((await (await h.admin(`/audit?limit=${limit}`)).json()).events as unknown[]).length;
    expect(await count('0')).toBe(1);
    expect(await count('-5')).toBe(1);
    expect(await count('2.9')).toBe(2);
    expect(await count('')).toBe(100);
    expect(await count('nope')).toBe(100);
  });

  it('a before that names no event is refused on its field', async () => {
    const res = await h.admin('/audit?before=nosuchevent');
    expect(res.status).toBe(422);
    expect((await res.json()).error).toMatchObject({ code: 'invalid', field: 'before' });
  });

  it('the console pages 100 at a time with links that keep the search, and says when a link names no event', async () => {
    const pagerOf = (doc: Doc) => all(doc, (e) => e.name === 'nav' && e.attribs['aria-label'] === 'Audit log pages')[0];
    const linksOf = (doc: Doc) => Object.fromEntries(all(pagerOf(doc)!, (e) => e.name === 'a').map((a) => [textOf(a), a.attribs.href!]));
    const first = await page('/admin/audit?q=component');
    expect(rows(first).length).toBe(100);
    expect(pagerOf(first), 'links to older events').toBeDefined();
    const older = linksOf(first)['Older events']!;
    expect(older).toMatch(/^\/admin\/audit\?q=component&before=[a-z0-9]+$/);
    expect(Object.keys(linksOf(first))).toEqual(['Older events']);

    const second = await page(older);
    expect(rows(second).length).toBe(20);
    expect(linksOf(second)).toEqual({ 'Newest events': '/admin/audit?q=component' });
    // The oldest of them all is on the second page, and nothing of the first is again.
    const texts = (doc: Doc) => rows(doc).map(textOf);
    expect(texts(second).at(-1)).toContain('c000');
    expect(texts(second).filter((t) => texts(first).includes(t))).toEqual([]);

    const lost = await fetch(`${h.url}/admin/audit?before=nosuchevent`, { headers: { cookie: s.cookie } });
    expect(lost.status).toBe(422);
    const doc = dom(await lost.text());
    expect(textOf(byId(doc, 'main')!)).toContain('That place in the log was not found');
    expect(rows(doc).length).toBe(100);
  });
});

describe('the audit page in plain words', () => {
  const cells = (doc: Doc) => rows(doc).map((r) => all(r, (e) => e.name === 'td'));
  const linesOf = (cell: El) => all(cell, (e) => e.name === 'li').map(textOf);

  it('names the action and who did it in words, the code kept beside them, and details as Key: value', async () => {
    const [removal] = cells(await page('/admin/audit?q=user11999'));
    const [, who, action, , detail] = removal!;
    expect(textOf(who!)).toBe('Signed-in Comms Lead Dana');
    expect(who!.attribs.title).toBe('console:Dana');
    expect(textOf(action!)).toBe('Removed subscriber subscriber.remove');
    expect(linesOf(detail!)).toEqual(['Email: u…9@e….com', 'State: confirmed']);

    const declared = await h.admin('/incidents', {
      body: { name: 'API errors', impact: 'major', status: 'investigating', body: 'Looking.' },
    });
    expect(declared.status).toBe(201);
    // Found by the words the page shows.
    const [declare] = cells(await page('/admin/audit?q=declared%20incident'));
    expect(textOf(declare![1]!)).toBe('The admin token (API)');
    expect(textOf(declare![2]!)).toBe('Declared incident incident.declare');
    expect(linesOf(declare![4]!)).toEqual(['Impact: major', expect.stringMatching(/^Severity: \S+$/)]);
  });
});

// From a hunt: every combining mark was dropped from the name, so "प्रिया शर्मा" signed the log "परय शरम".
describe('a Comms Lead signed in under a name in any script', () => {
  it.each([
    ['प्रिया शर्मा', 'प्रिया शर्मा'],
    ['Jose\u0301 Núñez', 'José Núñez'],
    ['  ஸ்ரீ <b>Anand</b>  ', 'ஸ்ரீ bAnandb'],
    // Marks alone show nothing: signed as the console's default.
    ['\u034f\u0301\ufe0f', 'comms-lead'],
  ])('%s signs the audit log as %s', async (typed, shown) => {
    const lead = await signIn(h, typed);
    const made = await lead.post('/admin/components', { action: 'create', name: `Made by ${shown}` });
    expect(made.status).toBe(303);
    const { events: log } = await events();
    const created = log.find((e) => e.action === 'component.create' && e.actor !== 'admin-token');
    expect(created?.actor).toBe(`console:${shown}`);
    const dashboard = await (await fetch(`${h.url}/admin`, { headers: { cookie: lead.cookie } })).text();
    expect(dashboard).toContain(`Signed in as <strong>${shown}</strong>`);
  });
});
