import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { engineEnv } from '../helpers/engine.ts';
import { signIn } from '../helpers/console-session.ts';

/**
 * How the pages tell times and spans: a duration of days keeps its minutes ("4 d 0 h 30 min", where it read
 * "4 d 0 h"); a site in Etc/GMT+12 (the one IANA name of UTC-12, its sign the other way round) names its zone
 * as the offset it is.
 */
let h: HeraldProcess;

beforeAll(async () => {
  h = await startHerald({ env: { ...(await engineEnv()), HERALD_SEED: 'none', SITE_TIMEZONE: 'Etc/GMT+12' } });
  expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
});
afterAll(() => stopAll(h));

describe('a long incident on its page', () => {
  it('says how long it lasted to the minute', async () => {
    const resolved = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000);
    const started = new Date(resolved.getTime() - (4 * 1440 + 30) * 60_000);
    const res = await h.admin('/incidents', {
      body: {
        name: 'Queue stalled',
        impact: 'minor',
        status: 'resolved',
        body: 'Recorded after the fact.',
        components: { api: 'operational' },
        started_at: started.toISOString(),
        resolved_at: resolved.toISOString(),
      },
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const html = await (await fetch(`${h.url}/incidents/${id}`)).text();
    // Before: "4 d 0 h", the half hour dropped.
    expect(/<dt>Duration<\/dt><dd>([^<]*)<\/dd>/.exec(html)?.[1]).toBe('4 d 0 h 30 min');
    expect(html).toContain('lasted 4 d 0 h 30 min');
  });
});

describe('a site in Etc/GMT+12', () => {
  it('names its zone GMT-12 in the footer, the uptime legend, the maintenance and history notes and the postmortem draft', async () => {
    const texts = await Promise.all(['/', '/maintenance', '/history'].map(async (path) => (await fetch(`${h.url}${path}`)).text()));
    // Before: "Times are shown in Etc/GMT+12", beside times written "GMT-12": read at its word, a day out.
    for (const html of texts) {
      expect(html).toContain('Times are shown in GMT-12.');
      expect(html).not.toContain('Etc/GMT+12');
    }
    expect(texts[0]).toContain('(GMT-12 days)');
    expect(texts[1]).toContain('Times in GMT-12.');
    expect(texts[2]).toContain('Times in GMT-12.');
    const { incidents } = (await (await h.admin('/incidents')).json()) as { incidents: Array<{ id: string }> };
    const { template } = (await (await h.admin(`/incidents/${incidents[0]!.id}/postmortem`)).json()) as { template: string };
    expect(template).toContain('All times GMT-12.');
  });

  it("names it GMT-12 in the console's maintenance forms, where the Comms Lead types a window's times in it", async () => {
    const { cookie } = await signIn(h);
    const from = new Date(Date.now() + 86_400_000);
    const scheduled = await h.admin('/maintenances', {
      body: {
        name: 'Failover drill',
        scheduled_for: from.toISOString(),
        scheduled_until: new Date(from.getTime() + 3_600_000).toISOString(),
      },
    });
    expect(scheduled.status).toBe(201);
    const { id } = (await scheduled.json()) as { id: string };
    for (const path of ['/admin/maintenance', `/admin/maintenance/${id}`]) {
      const html = await (await fetch(`${h.url}${path}`, { headers: { cookie } })).text();
      // Before: "Starts (Etc/GMT+12)": a time turned into that zone by its printed sign is a day out.
      expect(html, path).toContain('Starts (GMT-12)');
      expect(html, path).toContain('Ends (GMT-12)');
      expect(html, path).not.toContain('Etc/GMT+12');
    }
  });
});
