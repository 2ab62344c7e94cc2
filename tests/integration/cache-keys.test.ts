import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHerald, tempDataDir, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { generateHistory } from '../fixtures/generate-incidents.ts';

/**
 * Cache-busting: a client adding unique junk query parameters to every
 * request must not make each one a render, nor fill the page cache so that
 * real pages stop being kept. Only a parameter a page reads is part of its
 * key (/history reads page and month; / reads none), and a value that names
 * no page gets one canonical 404, rendered once.
 */

const JUNK_REQUESTS = 2_000;
const BATCH = 50;

let h: HeraldProcess;
let knownIncident: string;

interface Answer {
  path: string;
  status: number;
  etag: string | null;
}

async function get(path: string): Promise<Answer> {
  const res = await fetch(`${h.url}${path}`);
  await res.arrayBuffer();
  return { path, status: res.status, etag: res.headers.get('etag') };
}

/** GETs every path, BATCH at a time in parallel. */
async function getAll(paths: string[]): Promise<Answer[]> {
  const out: Answer[] = [];
  for (let i = 0; i < paths.length; i += BATCH) out.push(...(await Promise.all(paths.slice(i, i + BATCH).map(get))));
  return out;
}

type CacheStats = { entries: number; renders: number };
/** The counters, and the minute they were read in. */
type Reading = { stats: CacheStats | undefined; minute: number };

/** The page cache's counters from /healthz (pages kept, renders since start); read first, checked at the end of each test. */
async function pageCache(): Promise<Reading> {
  // Taken as the request leaves: the page requests before this reading came earlier still.
  const minute = Math.floor(Date.now() / 60_000);
  const health = (await (await fetch(`${h.url}/healthz`)).json()) as { page_cache?: CacheStats };
  return { stats: health.page_cache, minute };
}

/** The real pages a test warms: kept per minute, so each may be rendered once more when a minute turns between readings. */
const REAL_PAGES = 4;

/**
 * Both readings are there, and at most `max` renders (and new entries) happened between them. `warmed`: the
 * reading taken when the pages were warmed, if earlier than `before`: a page last served in the minute before
 * a turn that came after it (and before `before`) is rendered again at its first request after the turn, which
 * may fall between two readings of the same minute (CI met it: one render, the minute unchanged).
 */
function expectAtMostRenders(before: Reading, after: Reading, max: number, warmed: Reading = before): void {
  const shape = { entries: expect.any(Number), renders: expect.any(Number) };
  expect(before.stats, '/healthz reports page_cache').toEqual(shape);
  expect(after.stats, '/healthz reports page_cache').toEqual(shape);
  // A page says how long ago things happened, so the cache keeps it for its minute (src/snapshot/page-cache.ts):
  // a minute turning between the readings (CI met one) renders the warmed pages once more.
  const allowed = max + (after.minute !== warmed.minute ? REAL_PAGES : 0);
  expect(after.stats!.renders - before.stats!.renders).toBeLessThanOrEqual(allowed);
  expect(after.stats!.entries - before.stats!.entries).toBeLessThanOrEqual(allowed);
}

/** The one answer every path in `answers` got (status and ETag), failing with the odd ones out. */
function oneAnswer(answers: Answer[]): { status: number; etag: string | null } {
  const distinct = new Map<string, string[]>();
  for (const a of answers) {
    const k = `${a.status} ${a.etag}`;
    distinct.set(k, [...(distinct.get(k) ?? []), a.path]);
  }
  expect([...distinct].map(([k, paths]) => `${k} (${paths.length}, e.g. ${paths.slice(0, 3).join(' ')})`)).toHaveLength(1);
  return { status: answers[0]!.status, etag: answers[0]!.etag };
}

beforeAll(async () => {
  // 45 resolved incidents over the last 60 days: three pages of history, two or three months.
  const db = generateHistory(45, new Date(), { spanDays: 60, seed: 7 });
  knownIncident = db.incidents[0]!.id;
  const dataDir = tempDataDir();
  writeFileSync(join(dataDir, 'herald.json'), JSON.stringify(db));
  // No static copy: it fetches every page after start, and the render counter should count only this test's requests.
  h = await startHerald({ dataDir, env: { STATIC_SNAPSHOT: 'false' } });
});

afterAll(() => stopAll(h));

describe('page cache keys under unique junk query parameters', () => {
  it('2,000 requests with unique junk parameters on / and /history render nothing: / is a cache hit every time, real /history pages stay cached, what names no page is the one cached 404', async () => {
    // Warm what a visitor reads. The minute is read first: a turn during the warm-up, before `before`, renders
    // the pages warmed ahead of it again at their first request after it (CI met it: 2 renders, one minute).
    const warmed = await pageCache();
    const home = await get('/');
    const history = await get('/history');
    const history2 = await get('/history?page=2');
    const missing = await get('/history?page=999');
    expect([home.status, history.status, history2.status, missing.status]).toEqual([200, 200, 200, 404]);
    const before = await pageCache();

    const onHome: string[] = [];
    const onHistory: string[] = [];
    for (let i = 0; i < JUNK_REQUESTS / 2; i++) {
      const y = 1000 + i;
      onHome.push(['/?page=' + (i + 2), `/?month=${y}-0${(i % 9) + 1}`, `/?utm_source=junk-${i}`, `/?x=${i}&y=${i * 7}`][i % 4]!);
      onHistory.push(
        [
          `/history?utm_source=junk-${i}`, // unknown parameter: /history itself
          `/history?x=${i}&page=2`, // unknown parameter next to a real one: page 2
          `/history?page=${1000 + i}`, // past the last page
          `/history?page=junk-${i}`, // not a page number
          `/history?month=${y}-0${(i % 9) + 1}`, // a month with nothing in it
          `/history?month=junk-${i}`, // not a month
        ][i % 6]!,
      );
    }
    const homeAnswers = await getAll(onHome);
    const historyAnswers = await getAll(onHistory);

    // Every junk / got the very page that was warmed.
    expect(oneAnswer(homeAnswers)).toEqual({ status: 200, etag: home.etag });
    // Unknown parameters are ignored; what names no page is one canonical 404.
    const byKind = (n: number) => historyAnswers.filter((_, i) => i % 6 === n);
    expect(oneAnswer(byKind(0))).toEqual({ status: 200, etag: history.etag });
    expect(oneAnswer(byKind(1))).toEqual({ status: 200, etag: history2.etag });
    expect(oneAnswer([2, 3, 4, 5].flatMap(byKind))).toEqual({ status: 404, etag: missing.etag });

    const afterFlood = await pageCache();
    // The real pages are still served, from the cache, after the flood.
    expect(await get('/')).toEqual({ path: '/', status: 200, etag: home.etag });
    expect(await get('/history?page=2')).toEqual({ path: '/history?page=2', status: 200, etag: history2.etag });
    const afterRevisit = await pageCache();

    // Nothing was rendered: not / or the real pages again, nor a page per junk URL.
    expectAtMostRenders(before, afterFlood, 0, warmed);
    expectAtMostRenders(afterFlood, afterRevisit, 0, warmed);
  });

  it('/history values outside the valid range get one canonical 404, rendered at most once', async () => {
    const before = await pageCache();
    const answers = await getAll([
      '/history?month=1999-01', // well-formed, but no incident that month
      '/history?month=2999-12',
      '/history?month=2024-13',
      '/history?page=999999',
      '/history?page=junk',
      '/history?page=0',
      '/history?page=-1',
      '/history?page=4', // one past the last of three pages
      '/history?page=1e3',
    ]);
    expect(oneAnswer(answers).status).toBe(404);
    const after = await pageCache();
    // The last real page is still there.
    expect((await get('/history?page=3')).status).toBe(200);
    expectAtMostRenders(before, after, 1);
  });

  it('/incidents/<unknown id> variants share one 404, rendered at most once; a known incident is still served', async () => {
    const before = await pageCache();
    const unknown = Array.from({ length: 200 }, (_, i) => `/incidents/no-such-incident-${i}`);
    unknown.push('/incidents/%E0%A4%A', '/incidents/' + 'x'.repeat(300), '/incidents/%3Cscript%3E', `/incidents/${knownIncident}x`);
    const answers = await getAll(unknown);
    expect(oneAnswer(answers).status).toBe(404);
    expectAtMostRenders(before, await pageCache(), 1);
    const known = await get(`/incidents/${knownIncident}`);
    expect(known.status).toBe(200);
    expect((await get(`/incidents/${knownIncident}?utm_source=junk`)).etag).toBe(known.etag);
  });
});
