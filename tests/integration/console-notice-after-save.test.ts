import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { all, dom, textOf } from '../helpers/dom.ts';

/**
 * A console page's forms post back to the address they were shown on, and after a save that address carries
 * the save's flag (`?done=added`). From a hunt (on the postmortem page; the same pattern on the others): the
 * answer to the next post, refused or a question, repeated the earlier save's notice above what it did.
 */
let h: HeraldProcess;
let s: ConsoleSession;

beforeAll(async () => {
  h = await startHerald({ env: { HERALD_SEED: 'none' } });
  expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
  s = await signIn(h);
}, 60_000);
afterAll(() => stopAll(h));

const okNotices = async (res: Response) => all(dom(await res.text()), (e) => e.attribs.class === 'notice ok').map(textOf);

describe('the notice after a save', () => {
  it('is not repeated on the components page by a refused add, or by the question a delete asks, posted from there', async () => {
    const added = await s.post('/admin/components', { action: 'create', name: 'Webhooks' });
    expect(added.status).toBe(303);
    const landed = added.headers.get('location')!;
    expect(landed).toBe('/admin/components?done=added');
    expect(await okNotices(await fetch(`${h.url}${landed}`, { headers: { cookie: s.cookie } }))).toEqual(['Component added.']);

    const refused = await s.post(landed, { action: 'create', name: '' });
    expect(refused.status).toBe(422);
    expect(await okNotices(refused)).toEqual([]);
    const asked = await s.post(landed, { action: 'delete', id: 'api' });
    expect(asked.status).toBe(200);
    expect(await okNotices(asked)).toEqual([]);
  });
});
