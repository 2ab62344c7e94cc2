import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { text } from '../helpers/page.ts';

/**
 * `/history?month=YYYY-MM` for every month from the first of the history to this one: a month with nothing
 * in it is a page that says so ("nothing happened in July" is what a customer asking wants to read), not
 * "No such history page". Months outside that span are not found, so the valid URLs stay few.
 */
let h: HeraldProcess;
const DAY = 86_400_000;
const monthOf = (t: number) => new Date(t).toISOString().slice(0, 7);
const label = (month: string) =>
  new Date(`${month}-01T00:00:00Z`).toLocaleString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
const started = Date.now() - 200 * DAY;

beforeAll(async () => {
  h = await startHerald({ env: { SITE_TIMEZONE: 'UTC' } });
  expect((await h.admin('/components', { body: { id: 'search', name: 'Search' } })).status).toBe(201);
  const res = await h.admin('/incidents', {
    body: {
      name: 'Search down long ago',
      impact: 'major',
      status: 'resolved',
      started_at: new Date(started).toISOString(),
      resolved_at: new Date(started + 3_600_000).toISOString(),
      components: { search: 'major_outage' },
      body: 'Search was down for an hour.',
    },
  });
  expect(res.status).toBe(201);
});
afterAll(() => stopAll(h));

describe('/history by month', () => {
  it('a month the history spans with nothing in it, and this month with nothing yet, say so with a 200', async () => {
    const history = await (await fetch(`${h.url}/history`)).text();
    const listed = [...history.matchAll(/href="\/history\?month=(\d{4}-\d{2})"/g)].map((m) => m[1]!);
    expect(listed).toContain(monthOf(started));
    // Every month from the backfill's to this one that the page's month list leaves out (it lists those with entries).
    const quiet: string[] = [];
    for (let t = started; monthOf(t) <= monthOf(Date.now()); t += 28 * DAY) {
      const m = monthOf(t);
      if (!listed.includes(m) && !quiet.includes(m)) quiet.push(m);
    }
    expect(quiet.length).toBeGreaterThanOrEqual(3);
    for (const month of quiet) {
      const res = await fetch(`${h.url}/history?month=${month}`);
      // Before: 404 "No such history page".
      expect(res.status, month).toBe(200);
      const page = text(await res.text());
      expect(page).toContain(`Incident history: ${label(month)}`);
      expect(page).toContain(`No incidents and no maintenance in ${label(month)}.`);
      expect(page).toContain(label(monthOf(started)));
    }
  });

  it('a month before the history or after this one is not found', async () => {
    const before = monthOf(started - 40 * DAY);
    const after = monthOf(Date.now() + 40 * DAY);
    for (const month of [before, after]) {
      const res = await fetch(`${h.url}/history?month=${month}`);
      expect(res.status, month).toBe(404);
      expect(text(await res.text())).toContain('No such history page');
    }
  });
});
