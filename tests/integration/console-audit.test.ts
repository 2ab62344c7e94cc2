import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { all, byId, dom, textOf, type Doc } from '../helpers/dom.ts';
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
      ['admin-token', ids[1], { email: 'k…@example.org', state: 'pending' }],
      ['console:Dana', ids[0], { email: 'us…99@example.com', state: 'confirmed' }],
    ]);
    const raw = JSON.stringify(log);
    expect(raw).not.toContain('user11999');
    expect(raw).not.toContain('kim@');
  });

  it.each(['user11999', 'user11999@example.com', 'us…99', 'example.org'])('the audit page finds the removal by %s', async (q) => {
    const doc = await page(`/admin/audit?q=${encodeURIComponent(q)}`);
    const found = rows(doc).map(textOf);
    expect(found.length, `events found by ${q}`).toBe(1);
    expect(found[0]).toContain('@example.');
    expect(textOf(byId(doc, 'main')!)).not.toContain('user11999@');
  });
});
