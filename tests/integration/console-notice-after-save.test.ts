import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { all, dom, textOf } from '../helpers/dom.ts';
import { scheduleWindow } from '../helpers/maintenance.ts';

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

/**
 * A role=status already in a page just loaded is seldom read out, and the focus starts on the body: after a save a
 * screen reader user heard nothing of it, and Tab went on from the top. Each page's notice of what a post did takes the
 * focus when the page loads (tabindex="-1" and autofocus, no script needed), as a refused form's summary does.
 */
describe('the notice after a save takes the focus', () => {
  it('after a publish, a correction, a maintenance step or note, a component, a postmortem draft, the settings, a withdrawal, a delivery, a subscriber and a channel', async () => {
    const declare = async (name: string) => {
      const res = await h.admin('/incidents', {
        body: { name, severity: 'sev1', body: 'Looking.', components: { api: 'major_outage' }, notify: false },
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };
    const open = await declare('Checkout errors');
    const resolved = await declare('Exports failing');
    expect((await h.admin(`/incidents/${resolved}/updates`, { body: { status: 'resolved', body: 'Fixed.', notify: false } })).status).toBe(
      201,
    );
    const withdrawn = await declare('A drill');
    expect((await h.admin(`/incidents/${withdrawn}`, { method: 'DELETE' })).status).toBe(204);
    const window = await scheduleWindow(h, 'Database upgrade');
    const channel = await h.admin('/channels', { body: { kind: 'slack', name: 'War room', url: 'https://hooks.example.com/war' } });
    expect(channel.status).toBe(201);

    const focused = (html: string) =>
      all(dom(html), (e) => e.attribs.role === 'status' && 'autofocus' in e.attribs).map((e) => [e.attribs.tabindex, textOf(e)]);
    const landed: Array<[string, string]> = [
      [`/admin/incidents/${open}?published=1`, 'Published. '],
      [`/admin/incidents/${open}?corrected=1`, 'Correction saved. '],
      [`/admin/incidents/${window}?done=1`, 'Maintenance scheduled.'],
      [`/admin/incidents/${window}?done=note`, 'Note posted.'],
      ['/admin/components?done=added', 'Component added.'],
      [`/admin/incidents/${resolved}/postmortem?saved=save`, 'Draft saved.'],
      ['/admin/settings?done=1', 'Settings saved. '],
      [`/admin/incidents?withdrawn=${withdrawn}`, '“A drill” '],
      ['/admin/deliveries?done=retried', 'Delivery queued again.'],
      ['/admin/subscribers?removed=1', 'Subscriber removed. '],
    ];
    // Each form posts to an address of its own: one without (its page's address) would post from #main (the skip link)
    // or #field (a summary's link), and the answer, or the page its redirect leads to, would open on that fragment,
    // where a browser skips autofocus.
    const actionless = (html: string) => all(dom(html), (e) => e.name === 'form' && e.attribs.method === 'post' && !e.attribs.action);
    for (const [path, text] of landed) {
      const res = await fetch(`${h.url}${path}`, { headers: { cookie: s.cookie } });
      expect(res.status, path).toBe(200);
      const html = await res.text();
      // Before: none had autofocus (nor a tabindex).
      const notices = focused(html).map(([tabindex, said]) => [tabindex, said!.slice(0, text.length)]);
      expect(notices, path).toEqual([['-1', text]]);
      expect(actionless(html), path).toEqual([]);
    }
    // The channels page answers its post itself (no redirect): its notice is the same.
    const paused = await s.post('/admin/channels', { action: 'pause', id: ((await channel.json()) as { id: string }).id });
    expect(paused.status).toBe(200);
    const channels = await paused.text();
    expect(focused(channels)).toEqual([['-1', '“War room” paused.']]);
    expect(actionless(channels)).toEqual([]);
    // A deletion's question posts its confirmation to the page it was asked on.
    expect((await h.admin('/components', { body: { id: 'spare', name: 'Spare' } })).status).toBe(201);
    const asked = await s.post('/admin/components?done=added', { action: 'delete', id: 'spare' });
    expect(asked.status).toBe(200);
    const confirm = all(dom(await asked.text()), (e) => e.name === 'form' && all(e, (i) => i.attribs.name === 'confirm').length > 0);
    expect(confirm.map((f) => f.attribs.action)).toEqual(['/admin/components?done=added']);
    // A page opened afresh says nothing of a save, and takes no focus.
    expect(focused(await (await fetch(`${h.url}/admin/settings`, { headers: { cookie: s.cookie } })).text())).toEqual([]);
  });
});
