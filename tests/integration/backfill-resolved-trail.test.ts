import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { formatDateTime } from '../../src/domain/time-text.ts';
import { addDays, localDate, startOfDay } from '../../src/domain/zoned-days.ts';

/**
 * A past incident declared already resolved with its end (`resolved_at`, README "Backfill"): its one update,
 * "Resolved", reads at the end, where the incident was resolved, on every surface (the incident page's trail,
 * the status page's "Recently resolved", the v2 API, the postmortem template's timeline), while the uptime bars
 * still count its outage from its start to its end, minute for minute.
 */
const TZ = 'America/New_York';
let h: HeraldProcess;
let card: { id: string; started: string; resolved: string };
let ledger: string;
const MIN = 60_000;

/** Each update of an incident card (the page's `<li class="update">`): its status and the instant of its `<time>`. */
function trail(html: string, incidentId: string): Array<{ status: string; at: string }> {
  const article = new RegExp(`<article[^>]*aria-labelledby="t-${incidentId}"[\\s\\S]*?</article>`).exec(html)?.[0] ?? '';
  return [...article.matchAll(/<li class="update">[\s\S]*?class="update-status">([^<]*)<[\s\S]*?<time datetime="([^"]+)"/g)].map((m) => ({
    status: m[1]!,
    at: m[2]!,
  }));
}

async function declare(body: Record<string, unknown>): Promise<string> {
  const res = await h.admin('/incidents', { body });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

beforeAll(async () => {
  h = await startHerald({ env: { SITE_TIMEZONE: TZ } });
  for (const [id, name] of [
    ['card-payments', 'Card payments'],
    ['ledger', 'Ledger'],
  ]) {
    expect((await h.admin('/components', { body: { id, name } })).status).toBe(201);
  }
  // 150 to 60 minutes ago: resolved within the last day, so "/" lists it under "Recently resolved".
  const now = Math.floor(Date.now() / MIN) * MIN;
  const started = new Date(now - 150 * MIN).toISOString();
  const resolved = new Date(now - 60 * MIN).toISOString();
  const id = await declare({
    name: 'Card payments failed',
    severity: 'sev2',
    status: 'resolved',
    body: 'Card payments failed for 90 minutes.',
    components: { 'card-payments': 'major_outage' },
    started_at: started,
    resolved_at: resolved,
  });
  card = { id, started, resolved };
  // Across a midnight of the page's zone three days ago: 23:30 to 01:00, 30 minutes on one day and 60 on the next.
  const midnight = startOfDay(addDays(localDate(Date.now(), TZ), -3), TZ);
  ledger = await declare({
    name: 'Ledger down',
    severity: 'sev2',
    status: 'resolved',
    body: 'The ledger was down for 90 minutes.',
    components: { ledger: 'major_outage' },
    started_at: new Date(midnight - 30 * MIN).toISOString(),
    resolved_at: new Date(midnight + 60 * MIN).toISOString(),
  });
});
afterAll(() => stopAll(h));

describe('a backfill declared resolved with its end', () => {
  it('its page\'s trail says "Resolved" at the end, as its header does, not at the start', async () => {
    const html = await (await fetch(`${h.url}/incidents/${card.id}`)).text();
    // Before: [{ status: 'Resolved', at: <the start> }].
    expect(trail(html, card.id)).toEqual([{ status: 'Resolved', at: card.resolved }]);
  });

  it('"/" lists it under "Recently resolved" with its update at the end', async () => {
    const html = await (await fetch(`${h.url}/`)).text();
    const recent = /<section class="recent"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    expect(trail(recent, card.id)).toEqual([{ status: 'Resolved', at: card.resolved }]);
  });

  it('/api/v2/incidents.json: incident_updates[0], the latest report, is the resolution at resolved_at', async () => {
    const body = (await (await fetch(`${h.url}/api/v2/incidents.json`)).json()) as {
      incidents: Array<{
        id: string;
        started_at: string;
        resolved_at: string;
        incident_updates: Array<{ status: string; display_at: string }>;
      }>;
    };
    const incident = body.incidents.find((i) => i.id === card.id)!;
    expect(Date.parse(incident.started_at)).toBe(Date.parse(card.started));
    expect(Date.parse(incident.resolved_at)).toBe(Date.parse(card.resolved));
    expect(incident.incident_updates).toHaveLength(1);
    expect(incident.incident_updates[0]!.status).toBe('resolved');
    // Before: the start, 90 minutes before resolved_at.
    expect(Date.parse(incident.incident_updates[0]!.display_at)).toBe(Date.parse(card.resolved));
  });

  it("the postmortem template's timeline has it resolved at the end", async () => {
    const res = await h.admin(`/incidents/${card.id}/postmortem`, { method: 'GET' });
    const { template } = (await res.json()) as { template: string };
    expect(template).toContain(`- **${formatDateTime(card.resolved, TZ)}**: Resolved. Card payments failed for 90 minutes.`);
    // Before: "- **<the start>**: Resolved."
    expect(template).not.toContain(`- **${formatDateTime(card.started, TZ)}**: Resolved`);
  });

  it('the uptime bars still count its outage from its start to its end, on the days it fell in', async () => {
    const home = await (await fetch(`${h.url}/`)).text();
    const row = (id: string) => new RegExp(`<li class="row" id="component-${id}">[\\s\\S]*?</li>\\s*</ul>`).exec(home)?.[0] ?? '';
    const outages = (id: string) => [...row(id).matchAll(/<span>[^<:]+: (major outage for [^<]+)<\/span>/g)].map((m) => m[1]);
    expect(outages('card-payments').join(' + ')).toMatch(/^major outage for (1 h 30 min|\d+ min \+ major outage for .+)$/);
    expect(outages('ledger')).toEqual(['major outage for 30 min', 'major outage for 1 h']);
    expect(row('card-payments')).toContain('Operational');
  });

  it('the ledger backfill reads "Resolved" at its end too', async () => {
    const incident = (
      (await (await fetch(`${h.url}/api/v2/incidents.json`)).json()) as {
        incidents: Array<{ id: string; resolved_at: string; incident_updates: Array<{ display_at: string }> }>;
      }
    ).incidents.find((i) => i.id === ledger)!;
    expect(incident.incident_updates.map((u) => Date.parse(u.display_at))).toEqual([Date.parse(incident.resolved_at)]);
  });
});
