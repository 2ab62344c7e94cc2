import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { text } from '../helpers/page.ts';

/**
 * A past incident recorded already resolved with its end (`resolved_at`, README "Backfill"), as the
 * public pages show it: how long it lasted on /history and its page, and its outage in the uptime bar.
 */
let h: HeraldProcess;
let id: string;
// Three days ago, 10:00 to 11:30 UTC (the page's zone: UTC).
const day = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  h = await startHerald();
  expect((await h.admin('/components', { body: { id: 'search', name: 'Search' } })).status).toBe(201);
  const res = await h.admin('/incidents', {
    body: {
      name: 'Search down',
      impact: 'critical',
      status: 'resolved',
      started_at: `${day}T10:00:00Z`,
      resolved_at: `${day}T11:30:00Z`,
      components: { search: 'major_outage' },
      body: 'Search was down for 90 minutes.',
    },
  });
  // Before: 422, resolved_at an unknown key; without it, "lasted under 1 min" and no outage in the bar.
  expect(res.status).toBe(201);
  id = ((await res.json()) as { id: string }).id;
});
afterAll(() => stopAll(h));

describe('a backfilled incident with its end, on the public pages', () => {
  it('/history and its page say how long it lasted', async () => {
    const history = text(await (await fetch(`${h.url}/history`)).text());
    expect(history).toContain('Search down');
    expect(history).toContain('lasted 1 h 30 min');
    expect(history).not.toContain('under 1 min');
    expect(text(await (await fetch(`${h.url}/incidents/${id}`)).text())).toContain('lasted 1 h 30 min');
  });

  it("the uptime bar counts its outage on the day it happened, and the component's status now is left as it was", async () => {
    const home = await (await fetch(`${h.url}/`)).text();
    const row = /<li class="row" id="component-search">[\s\S]*?<\/li>\s*<\/ul>/.exec(home)?.[0] ?? '';
    expect(row).toMatch(/<li class="u-major_outage"[^>]*><span>\d{1,2} [A-Z][a-z]{2,3}: major outage for 1 h 30 min<\/span>/);
    // Before: 100 %, the outage not counted.
    expect(text(row)).toMatch(/9\d\.\d\d % uptime/);
    expect(text(row)).toContain('Operational');
  });
});
