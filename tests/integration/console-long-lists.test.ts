import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { all, byId, dom, textOf, type Doc } from '../helpers/dom.ts';
import { generateHistory } from '../fixtures/generate-incidents.ts';
import { addWindows } from '../fixtures/generate-windows.ts';
import { newestFirst } from '../../src/domain/overall.ts';
import type { Incident } from '../../src/domain/model.ts';
import { DEFAULT_SETTINGS } from '../../src/domain/settings.ts';
import { reviewDeadline } from '../../src/domain/policy.ts';
import { morePostmortemsText } from '../../src/domain/words.ts';

/**
 * A site that has run for years: 3,000 incidents over four years, 120 windows done and 60 booked
 * ahead, written into the data folder before the start. Every one can be reached from the console's
 * lists and through the admin API, a page at a time. Read as the server renders it (no JavaScript).
 * Each is graded at the default level of its impact, so the SEV-1s and SEV-2s owe a postmortem none has
 * written: a backlog of about 2,000.
 */
const INCIDENTS = 3000;
let h: HeraldProcess;
let s: ConsoleSession;
let newest: Incident[];
let newestIds: string[];
/** The incidents that owe a postmortem, newest first (as the incidents list orders them). */
let owedIds: string[];

beforeAll(async () => {
  const db = generateHistory(INCIDENTS, new Date(), { spanDays: 4 * 365, seed: 7 });
  for (const i of db.incidents) i.severity = DEFAULT_SETTINGS.severities.find((l) => l.impact === i.impact) ?? null;
  addWindows(db, new Date(), { past: 120, ahead: 60 });
  newest = newestFirst(db.incidents);
  newestIds = newest.map((i) => i.id);
  owedIds = newest.filter((i) => reviewDeadline(DEFAULT_SETTINGS, i) !== null).map((i) => i.id);
  const dataDir = tempDataDir();
  writeFileSync(join(dataDir, 'herald.json'), JSON.stringify(db));
  h = await startHerald({ dataDir, env: { STATIC_SNAPSHOT: 'false' } });
  s = await signIn(h);
}, 60_000);
afterAll(() => stopAll(h));

const page = async (path: string) => {
  const res = await fetch(`${h.url}${path}`, { headers: { cookie: s.cookie } });
  expect(res.status, path).toBe(200);
  return dom(await res.text());
};
const pagerOf = (doc: Doc, label: string) => all(doc, (e) => e.name === 'nav' && e.attribs['aria-label'] === label)[0];
const linksOf = (doc: Doc, label: string) =>
  Object.fromEntries(all(pagerOf(doc, label)!, (e) => e.name === 'a').map((a) => [textOf(a), a.attribs.href!]));
const main = (doc: Doc) => textOf(byId(doc, 'main')!);
const idsOnList = (doc: Doc) => all(doc, (e) => e.name === 'span' && (e.attribs.class ?? '').includes('mono')).map(textOf);

describe('the console incidents list pages through every incident', () => {
  const idsOn = (doc: Doc) => all(doc, (e) => e.name === 'span' && (e.attribs.class ?? '').includes('mono')).map(textOf);

  it('100 a page, newest first; Next and Previous lead through them all', async () => {
    const first = await page('/admin/incidents');
    expect(idsOn(first)).toEqual(newestIds.slice(0, 100));
    expect(main(first)).toContain(`Showing 1–100 of 3,000, newest first.`);
    expect(textOf(pagerOf(first, 'Incident pages')!)).toContain('Page 1 of 30');
    expect(linksOf(first, 'Incident pages')).toEqual({ 'Next page': '/admin/incidents?page=2' });

    const second = await page('/admin/incidents?page=2');
    expect(idsOn(second)).toEqual(newestIds.slice(100, 200));
    expect(linksOf(second, 'Incident pages')).toEqual({ 'Previous page': '/admin/incidents', 'Next page': '/admin/incidents?page=3' });

    const last = await page('/admin/incidents?page=30');
    expect(idsOn(last)).toEqual(newestIds.slice(2900));
    expect(main(last)).toContain('Showing 2,901–3,000 of 3,000, newest first.');
    expect(linksOf(last, 'Incident pages')).toEqual({ 'Previous page': '/admin/incidents?page=29' });
  });

  it('a search is paged too, its links keeping it, so every match can be reached', async () => {
    const year = newestIds[1500]!.slice(4, 8);
    // A year is in ids and, for some, in names ("Generated incident 2024").
    const matching = newest.filter((i) => i.id.includes(year) || i.name.includes(year)).map((i) => i.id);
    expect(matching.length, 'a search of more than a page').toBeGreaterThan(200);
    const pages = Math.ceil(matching.length / 100);
    const seen: string[] = [];
    let path: string | undefined = `/admin/incidents?q=${year}`;
    for (let n = 1; path; n++) {
      const doc = await page(path);
      expect(textOf(pagerOf(doc, 'Incident pages')!)).toContain(`Page ${n} of ${pages}`);
      seen.push(...idsOn(doc));
      path = linksOf(doc, 'Incident pages')['Next page'];
      if (path) expect(path).toBe(`/admin/incidents?q=${year}&page=${n + 1}`);
    }
    expect(seen).toEqual(matching);
    const second = await page(`/admin/incidents?q=${year}&page=2`);
    expect(main(second)).toContain(`Showing 101–200 of ${matching.length} matching, newest first.`);
    expect(byId(second, 'q')!.attribs.value).toBe(year);
  });

  it('a page past the last shows the last; a page that is no number the first; one page has no pager', async () => {
    const past = await page('/admin/incidents?page=999');
    expect(textOf(pagerOf(past, 'Incident pages')!)).toContain('Page 30 of 30');
    expect(idsOn(past)).toEqual(newestIds.slice(2900));
    expect(idsOn(await page('/admin/incidents?page=abc'))).toEqual(newestIds.slice(0, 100));
    const one = await page(`/admin/incidents?q=${newestIds[2999]}`);
    expect(idsOn(one)).toEqual([newestIds[2999]]);
    expect(pagerOf(one, 'Incident pages')).toBeUndefined();
  });
});

// Before: the dashboard listed every postmortem owed, the oldest first (1,309 rows, 781 KB, on a site like this one).
describe('the postmortems owed', () => {
  const owedOn = (doc: Doc) =>
    all(doc, (e) => e.name === 'li' && e.attribs['data-postmortem'] !== undefined).map((e) => e.attribs['data-postmortem']!);
  const resolvedAt = (id: string) => newest.find((i) => i.id === id)!.resolved_at!;

  it('the dashboard lists the ten most recently resolved, and links to the rest by how many they are', async () => {
    expect(owedIds.length, 'a backlog').toBeGreaterThan(1000);
    const res = await fetch(`${h.url}/admin`, { headers: { cookie: s.cookie } });
    const html = await res.text();
    expect(html.length).toBeLessThan(100_000);
    const doc = dom(html);
    const listed = owedOn(doc);
    // The ten newest resolutions (the fixture's ends are minutes apart at most by chance: by time, not by id).
    const newestTen = [...owedIds].sort((a, b) => resolvedAt(b).localeCompare(resolvedAt(a))).slice(0, 10);
    expect(listed.toSorted()).toEqual(newestTen.toSorted());
    const more = byId(doc, 'postmortems-more')!;
    expect(more.attribs.hidden).toBeUndefined();
    expect(textOf(more)).toBe(morePostmortemsText(owedIds.length - 10));
    expect(textOf(more)).toMatch(/^and \d,\d{3} more postmortems owed$/);
    expect(all(more, (e) => e.name === 'a')[0]!.attribs.href).toBe('/admin/incidents?postmortem=owed');
    // The sections below it are not pushed down by the backlog.
    expect(html.indexOf('id="maint-title"')).toBeGreaterThan(html.indexOf('id="postmortems-more"'));
  });

  it('the incidents list shows them all, newest first, 100 a page, its links keeping the filter', async () => {
    const pages = Math.ceil(owedIds.length / 100);
    const first = await page('/admin/incidents?postmortem=owed');
    expect(all(first, (e) => e.name === 'input' && e.attribs.name === 'postmortem')[0]!.attribs.checked).toBeDefined();
    expect(main(first)).toContain(`Showing 1–100 of ${owedIds.length.toLocaleString('en-GB')} matching, newest first.`);
    expect(textOf(pagerOf(first, 'Incident pages')!)).toContain(`Page 1 of ${pages}`);
    expect(linksOf(first, 'Incident pages')).toEqual({ 'Next page': '/admin/incidents?postmortem=owed&page=2' });
    const seen = idsOnList(first);
    for (let n = 2; n <= pages; n++) seen.push(...idsOnList(await page(`/admin/incidents?postmortem=owed&page=${n}`)));
    expect(seen).toEqual(owedIds);
    // With a search too: both kept.
    const year = owedIds[500]!.slice(4, 8);
    const both = await page(`/admin/incidents?q=${year}&postmortem=owed`);
    const matching = owedIds.filter((id) => id.includes(year) || newest.find((i) => i.id === id)!.name.includes(year));
    expect(idsOnList(both)).toEqual(matching.slice(0, 100));
    if (matching.length > 100)
      expect(linksOf(both, 'Incident pages')['Next page']).toBe(`/admin/incidents?q=${year}&postmortem=owed&page=2`);
  });
});

describe('the console maintenance page', () => {
  const listed = (doc: Doc, title: string) =>
    all(
      all(doc, (e) => e.name === 'ul' && e.attribs['aria-labelledby'] === title)[0] ?? doc,
      (e) => e.name === 'a' && e.attribs.class === 'title',
    ).map(textOf);
  const PAGER = 'Past window pages';

  it('lists every window running or to come, soonest first: tomorrow’s at the top', async () => {
    const doc = await page('/admin/maintenance');
    expect(listed(doc, 'ahead-title')).toEqual(Array.from({ length: 60 }, (_, i) => `Window ahead ${i + 1}`));
  });

  it('then the past ones newest first, 50 a page, every one reachable', async () => {
    const first = await page('/admin/maintenance');
    expect(listed(first, 'past-title')).toEqual(Array.from({ length: 50 }, (_, i) => `Past window ${120 - i}`));
    expect(main(first)).toContain('Showing 1–50 of 120, newest first.');
    expect(linksOf(first, PAGER)).toEqual({ 'Older windows': '/admin/maintenance?page=2#past-title' });
    const seen = listed(first, 'past-title');
    const second = await page('/admin/maintenance?page=2');
    // Every page lists all the windows ahead.
    expect(listed(second, 'ahead-title')).toHaveLength(60);
    seen.push(...listed(second, 'past-title'));
    const third = await page(linksOf(second, PAGER)['Older windows']!.replace('#past-title', ''));
    expect(linksOf(third, PAGER)).toEqual({ 'Newer windows': '/admin/maintenance?page=2#past-title' });
    expect(main(third)).toContain('Showing 101–120 of 120, newest first.');
    seen.push(...listed(third, 'past-title'));
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => `Past window ${120 - i}`));
    expect(textOf(pagerOf(await page('/admin/maintenance?page=99'), PAGER)!)).toContain('Page 3 of 3');
  });
});

describe('the admin API lists a page at a time', () => {
  const get = async (path: string) => (await (await h.admin(path)).json()) as Record<string, any>;

  it('incidents: 100 newest first by default, with the total; page and per_page reach the rest', async () => {
    const first = await get('/incidents');
    expect({ ...first, incidents: first.incidents.map((i: { id: string }) => i.id) }).toEqual({
      incidents: newestIds.slice(0, 100),
      total: INCIDENTS,
      page: 1,
      per_page: 100,
    });
    expect(first.incidents[0].incident_updates).toHaveLength(2);
    const ids: string[] = [];
    for (let n = 1; n <= 6; n++) ids.push(...(await get(`/incidents?page=${n}&per_page=500`)).incidents.map((i: { id: string }) => i.id));
    expect(ids).toEqual(newestIds);
    expect(await get('/incidents?page=7&per_page=500')).toEqual({ incidents: [], total: INCIDENTS, page: 7, per_page: 500 });
  });

  it('values out of range are clamped and empty or non-numeric ones are their default, as for subscribers', async () => {
    const shape = async (query: string) => {
      const { incidents, ...rest } = await get(`/incidents?${query}`);
      return { ...rest, count: incidents.length };
    };
    expect(await shape('per_page=9999')).toEqual({ total: INCIDENTS, page: 1, per_page: 500, count: 500 });
    expect(await shape('per_page=0&page=-3')).toEqual({ total: INCIDENTS, page: 1, per_page: 1, count: 1 });
    expect(await shape('per_page=&page=abc')).toEqual({ total: INCIDENTS, page: 1, per_page: 100, count: 100 });
  });

  it('maintenances: latest start first, 100 a page, with the total', async () => {
    const first = await get('/maintenances');
    expect(first).toMatchObject({ total: 180, page: 1, per_page: 100 });
    expect(first.scheduled_maintenances).toHaveLength(100);
    expect(first.scheduled_maintenances[0].name).toBe('Window ahead 60');
    const second = await get('/maintenances?page=2');
    // The 60 ahead and 40 past windows make the first page; the 80 oldest the second.
    expect(second.scheduled_maintenances.map((m: { name: string }) => m.name)).toEqual(
      Array.from({ length: 80 }, (_, i) => `Past window ${80 - i}`),
    );
    expect((await get('/maintenances?per_page=9999')).scheduled_maintenances).toHaveLength(180);
  });
});
