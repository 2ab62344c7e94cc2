import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseFeed } from '@rowanmanning/feed-parser';
import { XMLValidator } from 'fast-xml-parser';
import ICAL from 'ical.js';
import { startHerald, tempDataDir, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { engineEnvWith } from '../helpers/engine.ts';
import { integrationsDb, writeIntegrationsDb } from '../helpers/integrations-fixture.ts';
import { allEvents } from '../../src/domain/model.ts';
import { atomProblems, parseXml, structureOf } from '../helpers/atom-rules.ts';

const REF_DIR = fileURLToPath(new URL('../fixtures/statuspage-v2/', import.meta.url));
const refAtom = readFileSync(`${REF_DIR}history.atom`, 'utf8');
const refRss = readFileSync(`${REF_DIR}history.rss`, 'utf8');

let herald: HeraldProcess;
const fixture = integrationsDb();
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${herald.url}${path}`, { headers });
const text = async (path: string) => (await get(path)).text();
/** iCalendar times have whole seconds. */
const seconds = (iso: string) => new Date(Math.floor(Date.parse(iso) / 1000) * 1000).toISOString();
const texts = (nodes: any[] | undefined) => (nodes ?? []).map((n) => (typeof n === 'object' ? String(n['#text'] ?? '') : String(n)));

beforeAll(async () => {
  const dataDir = tempDataDir();
  writeIntegrationsDb(dataDir, fixture);
  herald = await startHerald({
    dataDir,
    env: { ...(await engineEnvWith(dataDir)), SITE_URL: 'https://status.example.com', SITE_NAME: 'Example' },
  });
});

afterAll(() => stopAll(herald));

describe('/history.atom', () => {
  it('meets the RFC 4287 rules (and so does the reference, so the checker is not vacuous)', async () => {
    expect(atomProblems(refAtom)).toEqual([]);
    expect(atomProblems(refAtom.replace(/<updated>2026-01-15T10:00:00Z<\/updated>/, ''))).toEqual([
      'entry 0: 0 <updated> elements (exactly one required)',
    ]);
    const res = await get('/history.atom');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expect(atomProblems(await res.text())).toEqual([]);
  });

  it('has the structure of the reference feed: same elements and attributes on feed, links and entries', async () => {
    const ours = parseXml(await text('/history.atom')).feed;
    const theirs = parseXml(refAtom).feed;
    expect(structureOf(ours)).toEqual(structureOf(theirs));
    expect(structureOf(ours.entry[0])).toEqual(structureOf(theirs.entry[0]));
    expect(ours.link.map(structureOf)).toEqual(theirs.link.map(structureOf));
    expect(ours.entry[0].content[0]['@type']).toBe('html');
    expect(texts(ours.title)).toEqual(['Example Status - Incident History']);
    expect(texts(ours.id)).toEqual(['tag:status.example.com,2005:/history']);
  });

  it('one entry per incident and maintenance, newest first, tag ids on the public host, links to the page', async () => {
    const feed = parseXml(await text('/history.atom')).feed;
    const entries: any[] = feed.entry;
    expect(entries).toHaveLength(allEvents(fixture).length);
    const updated = entries.map((e) => Date.parse(texts(e.updated)[0]!));
    expect(updated).toEqual([...updated].sort((a, b) => b - a));
    expect(Date.parse(texts(feed.updated)[0]!)).toBeGreaterThanOrEqual(updated[0]!);
    for (const e of entries) {
      const id = texts(e.id)[0]!;
      expect(id).toMatch(/^tag:status\.example\.com,2005:Incident\/\w+$/);
      const href = e.link[0]['@href'];
      expect(href).toMatch(/^https:\/\/status\.example\.com\/incidents\//);
      const record = allEvents(fixture).find((i) => href.endsWith(`/incidents/${encodeURIComponent(i.id)}`))!;
      expect(id).toBe(`tag:status.example.com,2005:Incident/${record.id.replace(/-/g, '_')}`);
    }
  });

  it('parses with an independent feed parser; the trail is escaped HTML, newest update first, status label first', async () => {
    const feed = parseFeed(await text('/history.atom'));
    expect(feed.title).toBe('Example Status - Incident History');
    expect(feed.url).toBe('https://status.example.com');
    expect(feed.self).toBe('https://status.example.com/history.atom');
    const open = feed.items.find((i) => i.title === 'Elevated API error rates')!;
    expect(open.content).toMatch(
      /^<p><small>\w{3} <var data-var='date'>[ \d]\d<\/var>, <var data-var='time'>\d\d:\d\d<\/var> UTC<\/small><br><strong>Identified<\/strong> - /,
    );
    expect(/<strong>(.*?)<\/strong>/.exec(open.content!)![1]).toBe('Identified');
    const old = feed.items.find((i) => i.title === 'Dashboard login failures')!;
    expect([...old.content!.matchAll(/<br><strong>(.*?)<\/strong>/g)].map((m) => m[1])).toEqual([
      'Resolved',
      'Update',
      'Monitoring',
      'Investigating',
    ]);
    // Stored sanitized HTML: Markdown rendered, the script tag no tag: shown as typed, as text.
    expect(old.content).toContain('<strong>login failures</strong>');
    // The HTML's own &amp; is escaped once more in the XML (the parser above decodes both levels).
    expect(await text('/history.atom')).toContain('&lt;strong&gt;login failures&lt;/strong&gt; &amp;amp; slow pages');
    // In the XML, the HTML's escaped text escaped once more: after one decoding, text; never a tag.
    const atomXml = await text('/history.atom');
    expect(atomXml).toContain('&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;');
    expect(atomXml).not.toContain('&lt;script');
    const maint = feed.items.find((i) => i.title === 'TLS certificate rotation')!;
    expect([...maint.content!.matchAll(/<br><strong>(.*?)<\/strong>/g)].map((m) => m[1])).toEqual([
      'Completed',
      'In progress',
      'Scheduled',
    ]);
  });
});

describe("a maintenance's window line in the feeds", () => {
  it('dates both ends with their year: a feed is read later', async () => {
    const m = fixture.maintenances.find((x) => x.name === 'TLS certificate rotation')!;
    const year = new Date(m.started_at).getUTCFullYear();
    const stamp = `[A-Z][a-z]{2} \\d{1,2}, ${year}, \\d\\d:\\d\\d UTC`;
    const line = new RegExp(`<p><small>Carried out ${stamp} to ${stamp}</small></p>$`);
    const atom = parseFeed(await text('/history.atom')).items.find((i) => i.title === m.name)!;
    const rss = parseFeed(await text('/history.rss')).items.find((i) => i.title === m.name)!;
    // Before: "Carried out Nov 20, 02:00 UTC to Nov 20, 03:00 UTC", no year.
    expect(atom.content).toMatch(line);
    expect(rss.content ?? rss.description).toMatch(line);
  });
});

describe('/history.rss', () => {
  it('is well-formed RSS 2.0 in the structure of the reference', async () => {
    const res = await get('/history.rss');
    expect(res.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    const xml = await res.text();
    expect(XMLValidator.validate(xml)).toBe(true);
    const ours = parseXml(xml).rss;
    const theirs = parseXml(refRss).rss;
    expect(structureOf(ours)).toEqual(structureOf(theirs));
    expect(structureOf(ours.channel)).toEqual(structureOf(theirs.channel));
    expect(structureOf(ours.channel.item[0])).toEqual(structureOf(theirs.channel.item[0]));
    expect(ours.channel.description).toBe('Statuspage');
    expect(ours.channel.item).toHaveLength(allEvents(fixture).length);
    for (const item of ours.channel.item) {
      expect(item.guid).toBe(item.link[0]);
      expect(item.link[0]).toMatch(/^https:\/\/status\.example\.com\/incidents\//);
      expect(item.pubDate).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    }
  });

  it('parses with an independent feed parser, items matching the Atom entries', async () => {
    const rss = parseFeed(await text('/history.rss'));
    const atom = parseFeed(await text('/history.atom'));
    expect(rss.title).toBe(atom.title);
    expect(rss.items.map((i) => i.url)).toEqual(atom.items.map((i) => i.url));
    expect(rss.items.map((i) => i.description?.trim())).toEqual(atom.items.map((i) => i.content));
    const created = fixture.incidents.find((i) => i.name === 'Elevated API error rates')!.created_at;
    expect(rss.items.find((i) => i.title === 'Elevated API error rates')!.published!.getTime()).toBe(
      Math.floor(Date.parse(created) / 1000) * 1000,
    );
  });
});

describe('feed caching', () => {
  it('answers If-None-Match with 304 and changes right after a publish', async () => {
    for (const path of ['/history.atom', '/history.rss', '/maintenance.ics']) {
      const first = await get(path);
      const etag = first.headers.get('etag')!;
      expect(first.headers.get('cache-control')).toMatch(/stale-while-revalidate/);
      expect((await get(path, { 'If-None-Match': etag })).status).toBe(304);
    }
    const etag = (await get('/history.atom')).headers.get('etag')!;
    const created = await herald.admin('/incidents', {
      body: { name: 'Search is slow', impact: 'minor', status: 'investigating', body: 'Looking into slow search.', components: {} },
    });
    expect(created.status).toBe(201);
    const after = await get('/history.atom', { 'If-None-Match': etag });
    expect(after.status).toBe(200);
    expect(parseFeed(await after.text()).items[0]!.title).toBe('Search is slow');
  });
});

describe('/maintenance.ics', () => {
  const events = (ics: string) =>
    new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents('vevent').map((v) => ({
      uid: v.getFirstPropertyValue('uid') as string,
      sequence: Number(v.getFirstPropertyValue('sequence') ?? 0),
      status: v.getFirstPropertyValue('status') as string,
      summary: v.getFirstPropertyValue('summary') as string,
      start: (v.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate().toISOString(),
      end: (v.getFirstPropertyValue('dtend') as ICAL.Time).toJSDate().toISOString(),
      url: v.getFirstPropertyValue('url') as string,
      description: v.getFirstPropertyValue('description') as string,
    }));

  it('one VEVENT per maintenance with a stable UID, its window, SEQUENCE and CANCELLED status', async () => {
    const res = await get('/maintenance.ics');
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const ics = await res.text();
    const list = events(ics);
    const maints = fixture.maintenances;
    expect(list.map((e) => e.uid).sort()).toEqual(maints.map((m) => `${m.id}@status.example.com`).sort());
    for (const m of maints) {
      const e = list.find((x) => x.uid === `${m.id}@status.example.com`)!;
      expect(e.start).toBe(seconds(m.scheduled_for));
      expect(e.end).toBe(seconds(m.scheduled_until));
      expect(e.url).toBe(`https://status.example.com/incidents/${m.id}`);
    }
    expect(list.find((e) => e.uid.startsWith('MNT-moved@'))).toMatchObject({ sequence: 1, status: 'CONFIRMED' });
    expect(list.find((e) => e.uid.startsWith('MNT-off@'))).toMatchObject({ sequence: 2, status: 'CANCELLED' });
    expect(list.find((e) => e.uid.startsWith('MNT-now@'))).toMatchObject({ sequence: 0, status: 'CONFIRMED' });
    expect(ics).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(ics).toContain('METHOD:PUBLISH');
  });

  it('?components= keeps only the windows touching those components (group ids expand)', async () => {
    const uids = async (q: string) =>
      events(await text(`/maintenance.ics?components=${q}`))
        .map((e) => e.uid.split('@')[0])
        .sort();
    expect(await uids('dashboard')).toEqual(['MNT-moved', 'MNT-next']);
    expect(await uids('webhooks')).toEqual(['MNT-now', 'MNT-off']);
    const group = fixture.groups[0]!.id;
    expect(await uids(group)).toEqual(['MNT-done', 'MNT-moved', 'MNT-next']);
  });

  it('a reschedule through the admin API raises SEQUENCE under the same UID; a cancel marks it CANCELLED', async () => {
    const from = new Date(Date.now() + 5 * 86_400_000);
    const until = new Date(from.getTime() + 3_600_000);
    const created = await herald.admin('/maintenances', {
      body: { name: 'Queue upgrade', scheduled_for: from.toISOString(), scheduled_until: until.toISOString(), components: ['webhooks'] },
    });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as any).id as string;
    const find = async () => events(await text('/maintenance.ics')).find((e) => e.uid === `${id}@status.example.com`)!;
    const before = await find();
    expect(before).toMatchObject({ status: 'CONFIRMED', start: seconds(from.toISOString()) });
    const later = new Date(from.getTime() + 86_400_000);
    const moved = await herald.admin(`/maintenances/${id}/reschedule`, {
      body: { scheduled_for: later.toISOString(), scheduled_until: new Date(later.getTime() + 3_600_000).toISOString() },
    });
    expect(moved.status).toBe(200);
    const after = await find();
    expect(after.sequence).toBeGreaterThan(before.sequence);
    expect(after.start).toBe(seconds(later.toISOString()));
    // The text tells the new window only. Before: the first update's "from <old start> to <old end>" stayed under it.
    expect(before.description).toContain('We will be undergoing scheduled maintenance from');
    expect(after.description).toContain('This maintenance has been rescheduled to');
    expect(after.description).not.toContain('We will be undergoing scheduled maintenance');
    const cancel = await herald.admin(`/maintenances/${id}/cancel`, { body: {} });
    expect(cancel.status).toBeLessThan(300);
    const cancelled = await find();
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.sequence).toBeGreaterThan(after.sequence);
  });

  it('a window started and completed early shows when it really ran, each change raising SEQUENCE (not the planned hours ahead)', async () => {
    const from = new Date(Date.now() + 2 * 3_600_000);
    const until = new Date(from.getTime() + 3_600_000);
    const created = await herald.admin('/maintenances', {
      body: { name: 'Early swap', scheduled_for: from.toISOString(), scheduled_until: until.toISOString(), components: ['webhooks'] },
    });
    const id = ((await created.json()) as any).id as string;
    const find = async () => events(await text('/maintenance.ics')).find((e) => e.uid === `${id}@status.example.com`)!;
    const planned = await find();
    expect(planned).toMatchObject({ start: seconds(from.toISOString()), end: seconds(until.toISOString()), sequence: 0 });
    expect((await herald.admin(`/maintenances/${id}/start`, { body: {} })).status).toBe(201);
    const record = async () =>
      (await (await herald.admin(`/maintenances/${id}`)).json()) as { started_at: string; resolved_at: string | null };
    const running = await find();
    expect(running).toMatchObject({ start: seconds((await record()).started_at), end: seconds(until.toISOString()), sequence: 1 });
    expect(Date.parse(running.start)).toBeLessThan(from.getTime());
    expect((await herald.admin(`/maintenances/${id}/complete`, { body: {} })).status).toBe(201);
    const done = await find();
    // Completed within the second it started (a fast machine), it ends a second after its start: DTEND must be later.
    const ended = new Date(Math.max(Date.parse(seconds((await record()).resolved_at!)), Date.parse(running.start) + 1000)).toISOString();
    expect(done).toMatchObject({ start: running.start, end: ended, sequence: 2, status: 'CONFIRMED' });
    expect(Date.parse(done.end)).toBeLessThan(from.getTime());
  });

  // From a hunt: the planned start was rewritten to the real one, everywhere, and SEQUENCE stayed where it was
  // (the move's +1 cancelled by the lost "started early" +1).
  it('a window started early and then ended before its planned start keeps that start on record; SEQUENCE rises', async () => {
    const from = new Date(Date.now() + 2 * 3_600_000);
    const until = new Date(from.getTime() + 3_600_000);
    const created = await herald.admin('/maintenances', {
      body: { name: 'Early cut', scheduled_for: from.toISOString(), scheduled_until: until.toISOString(), components: ['webhooks'] },
    });
    const id = ((await created.json()) as any).id as string;
    const find = async () => events(await text('/maintenance.ics')).find((e) => e.uid === `${id}@status.example.com`)!;
    expect((await herald.admin(`/maintenances/${id}/start`, { body: {} })).status).toBe(201);
    const running = await find();
    const end = new Date(Date.now() + 3_600_000);
    const moved = await herald.admin(`/maintenances/${id}/reschedule`, { body: { scheduled_until: end.toISOString() } });
    expect(moved.status).toBe(200);
    const record = (await (await herald.admin(`/maintenances/${id}`)).json()) as {
      scheduled_for: string;
      scheduled_until: string;
      started_at: string;
    };
    expect(record.scheduled_for).toBe(from.toISOString());
    expect(record.scheduled_until).toBe(end.toISOString());
    const active = (await (await get('/api/v2/scheduled-maintenances/active.json')).json()) as any;
    expect(active.scheduled_maintenances.find((m: any) => m.id === id).scheduled_for).toBe(from.toISOString());
    const after = await find();
    expect(after).toMatchObject({ start: seconds(record.started_at), end: seconds(end.toISOString()) });
    expect(after.sequence).toBeGreaterThan(running.sequence);
  });
});

describe('links typed relative in an update', () => {
  it('point at SITE_URL in both feeds, as in email: RSS has no base URL and readers resolve against their own', async () => {
    const declared = await herald.admin('/incidents', {
      body: { name: 'Relative links', impact: 'minor', body: 'See [past incidents](/history) and [the API](/api/v2/summary.json).' },
    });
    expect(declared.status).toBe(201);
    const { id } = (await declared.json()) as { id: string };
    try {
      for (const path of ['/history.atom', '/history.rss']) {
        const item = parseFeed(await text(path)).items.find((i) => i.title === 'Relative links')!;
        // RSS carries the trail as its description.
        const html = item.content ?? item.description;
        // Before: href="/history", which a reader (or an RSS-to-email service) takes to its own host.
        expect(html, path).toContain('<a href="https://status.example.com/history" rel="nofollow noopener noreferrer">past incidents</a>');
        expect(html, path).toContain('href="https://status.example.com/api/v2/summary.json"');
        expect(html, path).not.toMatch(/href="\//);
      }
    } finally {
      expect((await herald.admin(`/incidents/${id}`, { method: 'DELETE' })).status).toBe(204);
    }
  });
});
