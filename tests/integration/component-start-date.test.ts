import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';

/**
 * The v2 API's `start_date` of a component is the first day of its uptime bar: the day it was added, or that
 * of an incident backfilled on it from before (README "90-day uptime": "Backfilled incidents count when they
 * happened").
 */
type Json = Record<string, any>;
let h: HeraldProcess;

beforeAll(async () => {
  h = await startHerald({ env: { HERALD_SEED: 'none', SITE_TIMEZONE: 'UTC' } });
});
afterAll(() => stopAll(h));

const startDate = async (id: string) =>
  ((await (await fetch(`${h.url}/api/v2/components.json`)).json()) as Json).components.find((c: Json) => c.id === id).start_date;

describe('a component with an incident backfilled from before it was added', () => {
  it('starts, in components.json and in the incidents naming it, on the day its uptime bar starts', async () => {
    expect((await h.admin('/components', { body: { id: 'ledger', name: 'Ledger' } })).status).toBe(201);
    const today = new Date().toISOString().slice(0, 10);
    expect(await startDate('ledger')).toBe(today);

    const started = new Date(Date.now() - 5 * 86_400_000);
    const backfilled = await h.admin('/incidents', {
      body: {
        name: 'Ledger lagged',
        impact: 'minor',
        status: 'resolved',
        body: 'Entries were late.',
        components: { ledger: 'degraded_performance' },
        started_at: started.toISOString(),
        resolved_at: new Date(started.getTime() + 3_600_000).toISOString(),
      },
    });
    expect(backfilled.status).toBe(201);
    const day = started.toISOString().slice(0, 10);
    // Before: still today's date, while the bar counts from the backfill.
    expect(await startDate('ledger')).toBe(day);
    const { id } = (await backfilled.json()) as Json;
    const record = ((await (await fetch(`${h.url}/api/v2/incidents.json`)).json()) as Json).incidents.find((i: Json) => i.id === id);
    expect(record.components[0].start_date).toBe(day);

    // The page's bar says the same day ("since 1 Dec").
    const html = await (await fetch(`${h.url}/`)).text();
    const since = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(started);
    expect(html).toContain(` since ${since}`);
  });
});
