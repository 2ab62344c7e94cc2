import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { all, byId, dom, fieldsOf, textOf, type Doc } from '../helpers/dom.ts';
import { seedSubscribers } from '../fixtures/subscribers.ts';

/**
 * The console's subscriber list, long enough to page: 450 seeded addresses, every third pending, so
 * 300 confirmed ones make two pages of 200. Read as the server renders it (no JavaScript).
 */
let h: HeraldProcess;
let s: ConsoleSession;

beforeAll(async () => {
  const dataDir = tempDataDir();
  seedSubscribers(
    dataDir,
    Array.from({ length: 450 }, (_, i) => ({
      email: `user${i}@example.com`,
      state: i % 3 === 2 ? ('pending' as const) : ('confirmed' as const),
      // One whose mail bounced an hour ago, for the page's "Clear suppression".
      ...(i === 4 ? { suppressed: '550 5.1.1 User unknown', suppressedAt: new Date(Date.now() - 3600_000).toISOString() } : {}),
    })),
  );
  h = await startHerald({ dataDir });
  s = await signIn(h);
}, 60_000);
afterAll(() => stopAll(h));

const page = async (path: string) => dom(await (await fetch(`${h.url}${path}`, { headers: { cookie: s.cookie } })).text());
const addresses = (doc: Doc) => all(doc, (e) => e.name === 'tbody')[0]!.children.filter((e) => 'name' in e && e.name === 'tr').length;
const states = (doc: Doc) => new Set(all(doc, (e) => e.attribs.class?.startsWith('pill') ?? false).map(textOf));
const pager = (doc: Doc) => all(doc, (e) => e.name === 'nav' && e.attribs['aria-label'] === 'Subscriber pages')[0];
const links = (doc: Doc) => Object.fromEntries(all(pager(doc)!, (e) => e.name === 'a').map((a) => [textOf(a), a.attribs.href]));

describe('the subscriber list pages', () => {
  it('links page to page, keeping the search and the state filter', async () => {
    const first = await page('/admin/subscribers?q=example.com&state=confirmed');
    expect(addresses(first)).toBe(200);
    expect(states(first)).toEqual(new Set(['confirmed']));
    expect(pager(first), 'links to the other pages').toBeDefined();
    expect(textOf(pager(first)!)).toContain('Page 1 of 2');
    expect(links(first)).toEqual({ 'Next page': '/admin/subscribers?q=example.com&state=confirmed&page=2' });

    const second = await page(links(first)['Next page']!);
    expect(addresses(second)).toBe(100);
    expect(states(second)).toEqual(new Set(['confirmed']));
    expect(textOf(byId(second, 'main')!)).toContain('Showing 201–300 of 300, newest first.');
    expect(textOf(pager(second)!)).toContain('Page 2 of 2');
    expect(links(second)).toEqual({ 'Previous page': '/admin/subscribers?q=example.com&state=confirmed' });
    // The two pages share no one.
    const emailsOf = (doc: Doc) =>
      all(doc, (e) => e.name === 'button' && (e.attribs['aria-label'] ?? '').startsWith('Remove ')).map((b) => b.attribs['aria-label']);
    const one = new Set(emailsOf(first));
    expect(emailsOf(second).filter((e) => one.has(e))).toEqual([]);
  });

  it('a page past the last shows the last; a list of one page has no pager', async () => {
    const past = await page('/admin/subscribers?state=confirmed&page=99');
    expect(textOf(pager(past)!)).toContain('Page 2 of 2');
    expect(addresses(past)).toBe(100);
    const one = await page('/admin/subscribers?q=user44');
    expect(pager(one)).toBeUndefined();
    expect(byId(one, 'q')!.attribs.value).toBe('user44');
  });
});

describe('removing a subscriber from a searched list', () => {
  /** The Remove button's form of `email` on the list at `path`, as the browser posts it (to that address). */
  const removeForm = async (path: string, email: string) => {
    const button = all(await page(path), (e) => e.name === 'button' && e.attribs['aria-label'] === `Remove ${email}`)[0];
    expect(button, `a Remove button for ${email} on ${path}`).toBeDefined();
    let form = button!.parent as typeof button;
    while (form && form.name !== 'form') form = form.parent as typeof button;
    return fieldsOf(form!);
  };

  it('the question, its Cancel and the removal lead back to the same search, filter and page; a second confirm says it was already done', async () => {
    const list = '/admin/subscribers?q=user118&state=confirmed';
    const ask = await s.post(list, await removeForm(list, 'user118@example.com'));
    expect(ask.status).toBe(200);
    const question = byId(dom(await ask.text()), 'confirm-remove')!;
    expect(textOf(question)).toContain('Remove user118@example.com?');
    expect(all(question, (e) => e.name === 'a').map((a) => a.attribs.href)).toEqual([list]);
    const confirm = fieldsOf(all(question, (e) => e.name === 'form')[0]!);

    const removed = await s.post(list, confirm);
    expect(removed.status).toBe(303);
    expect(removed.headers.get('location')).toBe(`${list}&removed=1`);
    const after = await page(removed.headers.get('location')!);
    expect(textOf(byId(after, 'main')!)).toContain('Subscriber removed.');
    expect(byId(after, 'q')!.attribs.value).toBe('user118');

    // The confirmation posted again (a double click, back and resubmit): nothing more to do, and it says so.
    const again = await s.post(list, confirm);
    expect(again.headers.get('location')).toBe(`${list}&removed=0`);
    expect(textOf(byId(await page(again.headers.get('location')!), 'main')!)).toContain('Already removed');
  });

  it('from the second page of a long list, back to that page', async () => {
    const list = '/admin/subscribers?q=example.com&state=confirmed&page=2';
    const doc = await page(list);
    const email = all(doc, (e) => e.name === 'button' && (e.attribs['aria-label'] ?? '').startsWith('Remove '))[0]!.attribs[
      'aria-label'
    ]!.slice('Remove '.length);
    const ask = await s.post(list, await removeForm(list, email));
    const question = byId(dom(await ask.text()), 'confirm-remove')!;
    expect(all(question, (e) => e.name === 'a').map((a) => a.attribs.href)).toEqual([list]);
    const removed = await s.post(list, fieldsOf(all(question, (e) => e.name === 'form')[0]!));
    expect(removed.headers.get('location')).toBe(`${list}&removed=1`);
  });

  it('a search refused for its control characters is not carried back', async () => {
    const res = await s.post('/admin/subscribers', { id: 'nobody-has-this', q: 'a\u0001b', state: 'nonsense', page: '-3' });
    expect(res.headers.get('location')).toBe('/admin/subscribers?removed=0');
  });
});

describe("clearing a subscriber's suppression", () => {
  it('a button on a suppressed address only; it clears, audited, and leads back to the same list; a repeat says nothing changed', async () => {
    const list = '/admin/subscribers?q=user4%40example.com&state=confirmed';
    const clearButtons = (doc: Doc) =>
      all(doc, (e) => e.name === 'button' && (e.attribs['aria-label'] ?? '').startsWith('Clear suppression of '));
    const before = await page(list);
    expect(textOf(byId(before, 'main')!)).toContain('Suppressed: 550 5.1.1 User unknown');
    expect(clearButtons(before).map((b) => b.attribs['aria-label'])).toEqual(['Clear suppression of user4@example.com']);
    expect(clearButtons(await page('/admin/subscribers?q=user40%40example.com'))).toEqual([]);
    let form = clearButtons(before)[0]!.parent as ReturnType<typeof byId>;
    while (form && form.name !== 'form') form = form.parent as ReturnType<typeof byId>;
    const fields = fieldsOf(form!);

    // Like the page's other actions, a post without the session's CSRF token changes nothing.
    const forged = await fetch(`${h.url}${list}`, {
      method: 'POST',
      headers: { cookie: s.cookie, origin: h.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, csrf: 'forged' }).toString(),
    });
    expect(forged.status).toBe(403);
    expect(clearButtons(await page(list))).toHaveLength(1);

    const cleared = await s.post(list, fields);
    expect(cleared.status).toBe(303);
    expect(cleared.headers.get('location')).toBe(`${list}&unsuppressed=1`);
    const after = await page(cleared.headers.get('location')!);
    expect(textOf(byId(after, 'main')!)).toContain('Suppression cleared.');
    expect(textOf(byId(after, 'main')!)).not.toContain('Suppressed:');
    expect(clearButtons(after)).toEqual([]);
    const { events } = await (await h.admin('/audit')).json();
    expect(events.filter((e: { action: string }) => e.action === 'subscriber.unsuppress')).toHaveLength(1);

    const again = await s.post(list, fields);
    expect(again.headers.get('location')).toBe(`${list}&unsuppressed=0`);
    expect(textOf(byId(await page(again.headers.get('location')!), 'main')!)).toContain('Nothing to clear');
  });
});
