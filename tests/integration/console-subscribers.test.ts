import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { all, byId, dom, textOf, type Doc } from '../helpers/dom.ts';
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
