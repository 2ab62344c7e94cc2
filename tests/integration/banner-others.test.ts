import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn } from '../helpers/console-session.ts';
import { all, byId, dom, textOf } from '../helpers/dom.ts';

/**
 * GET /api/banner.json when more than one record is live (from a hunt: dismissing one incident's banner hid a later
 * incident for as long as the first stayed open, as `dismiss_key` was the shown record's alone): `others` counts the
 * live records the banner concerns and does not show, `dismiss_key` changes when one of them is added, started or
 * updated, and `status` tells a monitored incident from one of no impact.
 */
let herald: HeraldProcess;
const banner = async (q = '') => (await (await fetch(`${herald.url}/api/banner.json${q}`)).json()) as Record<string, unknown>;
const created = async (res: Response) => {
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
};

beforeAll(async () => {
  herald = await startHerald({ env: { SITE_URL: 'https://status.example.com' } });
  for (const id of ['api', 'billing', 'search']) expect((await herald.admin('/components', { body: { id, name: id } })).status).toBe(201);
});

afterAll(() => stopAll(herald));

describe('/api/banner.json with several live records', () => {
  it('counts the others it concerns, and its dismiss_key changes when one is added, updated or started', async () => {
    const quiet = await banner('?components=api');
    expect(quiet).toMatchObject({ active: false, others: 0, status: null, dismiss_key: null });

    const a = await created(
      await herald.admin('/incidents', {
        body: { name: 'Payments failing', impact: 'critical', body: 'Card payments fail.', components: { api: 'major_outage' } },
      }),
    );
    const one = await banner('?components=api');
    expect(one).toMatchObject({ incident_id: a, others: 0, status: 'investigating' });

    // B behind A (less severe): the banner still shows A, says there is one more, and a dismissal of A is no dismissal of B.
    const b = await created(
      await herald.admin('/incidents', {
        body: { name: 'Search slow', impact: 'major', body: 'Search is slow.', components: { api: 'partial_outage' } },
      }),
    );
    const two = await banner('?components=api');
    expect(two).toMatchObject({ incident_id: a, others: 1 });
    // Before: the same key, "INC-…:update" of A, so B never showed to a reader who had dismissed A.
    expect(two.dismiss_key).not.toBe(one.dismiss_key);

    // An update of B: news, the key changes again.
    expect((await herald.admin(`/incidents/${b}/updates`, { body: { status: 'identified', body: 'We found the cause.' } })).status).toBe(
      201,
    );
    const updated = await banner('?components=api');
    expect(updated).toMatchObject({ incident_id: a, others: 1 });
    expect(updated.dismiss_key).not.toBe(two.dismiss_key);

    // A record of components the filter leaves out is no news to it.
    await created(
      await herald.admin('/incidents', {
        body: { name: 'Invoices late', impact: 'minor', body: 'Invoices are late.', components: { billing: 'degraded_performance' } },
      }),
    );
    expect(await banner('?components=api')).toMatchObject({ others: 1, dismiss_key: updated.dismiss_key });
    // The whole page: A, B and the billing incident.
    expect(await banner()).toMatchObject({ incident_id: a, others: 2 });

    // A maintenance that starts behind the incident shown.
    const m = await created(
      await herald.admin('/maintenances', {
        body: {
          name: 'Database upgrade',
          scheduled_for: new Date(Date.now() - 60_000).toISOString(),
          scheduled_until: new Date(Date.now() + 3_600_000).toISOString(),
          components: ['api'],
          auto_transitions: false,
        },
      }),
    );
    expect(await banner('?components=api')).toMatchObject({ others: 1, dismiss_key: updated.dismiss_key });
    expect((await herald.admin(`/maintenances/${m}/start`, { method: 'POST' })).status).toBe(201);
    const started = await banner('?components=api');
    expect(started).toMatchObject({ incident_id: a, others: 2 });
    expect(started.dismiss_key).not.toBe(updated.dismiss_key);

    // A's own update: the key is A's and its update's again, as with nothing behind it.
    expect((await herald.admin(`/incidents/${a}/updates`, { body: { status: 'identified', body: 'A bad deploy.' } })).status).toBe(201);
    const own = await banner('?components=api');
    expect(own).toMatchObject({ incident_id: a, others: 2, status: 'identified' });
    expect(String(own.dismiss_key)).toMatch(new RegExp(`^${a}:[^:]+$`));
  });

  it('gives the status of the record shown: a monitored incident whose components are operational is "monitoring", not an incident of no impact', async () => {
    const id = await created(
      await herald.admin('/incidents', {
        body: { name: 'Search errors', impact: 'major', body: 'Searches fail.', components: { search: 'partial_outage' } },
      }),
    );
    expect(await banner('?components=search')).toMatchObject({ incident_id: id, indicator: 'major', status: 'investigating', others: 0 });
    const res = await herald.admin(`/incidents/${id}/updates`, {
      body: { status: 'monitoring', body: 'A fix is out; we are watching.', components: { search: 'operational' } },
    });
    expect(res.status).toBe(201);
    // Before: no status, so an app (and embed.js) read indicator "none" as "No impact".
    expect(await banner('?components=search')).toMatchObject({ incident_id: id, indicator: 'none', status: 'monitoring' });
  });

  /** The console's preview of an update posting `fields` to incident `id`: its banner demo's words, and its JSON. */
  async function previewed(h: HeraldProcess, id: string, fields: Record<string, string>) {
    const dana = await signIn(h);
    const page = await (await fetch(`${h.url}/admin/incidents/${id}`, { headers: { cookie: dana.cookie } })).text();
    const form = all(byId(dom(page), 'post-update')!, (e) => e.name === 'form' && e.attribs['data-notify-defaults'] !== undefined)[0]!;
    const hidden = Object.fromEntries(
      all(form, (e) => e.name === 'input' && e.attribs.type === 'hidden').map((e) => [e.attribs.name!, e.attribs.value ?? '']),
    );
    const res = await dana.post('/admin/preview', { ...hidden, eta: 'keep', ...fields });
    expect(res.status).toBe(200);
    const html = dom(await res.text());
    const demo = all(html, (e) => e.attribs?.class?.split(' ').includes('hb-box') === true)[0]!;
    return {
      level: textOf(all(demo, (e) => e.attribs?.class === 'hb-sev')[0]!),
      more: all(demo, (e) => e.attribs?.class?.split(' ').includes('hb-more') === true).map((e) => textOf(e)),
      json: JSON.parse(textOf(byId(html, 'banner-json')!)) as { others: number; status: string; indicator: string },
    };
  }

  it("the console's banner preview counts the others as embed.js does", async () => {
    const id = await created(
      await herald.admin('/incidents', {
        body: { name: 'Exports failing', impact: 'major', body: 'Exports fail.', components: { billing: 'partial_outage' } },
      }),
    );
    await created(
      await herald.admin('/incidents', {
        body: { name: 'Reports late', impact: 'minor', body: 'Reports are late.', components: { billing: 'degraded_performance' } },
      }),
    );
    const { more, json } = await previewed(herald, id, { status: 'identified', body: 'Found it.' });
    // The whole page: more live records than the one the banner shows.
    expect(json.others).toBeGreaterThanOrEqual(1);
    expect(more).toEqual(['Details', `${json.others} more on the status page`]);
  });

  it('the console\'s banner preview says "Monitoring" for a monitored incident whose components are operational, as embed.js does', async () => {
    const alone = await startHerald({ env: { SITE_URL: 'https://status.example.com' } });
    try {
      expect((await alone.admin('/components', { body: { id: 'search', name: 'Search' } })).status).toBe(201);
      const res = await alone.admin('/incidents', {
        body: { name: 'Search errors', impact: 'major', body: 'Searches fail.', components: { search: 'partial_outage' } },
      });
      const id = await created(res);
      const seen = await previewed(alone, id, { status: 'monitoring', body: 'A fix is out.', 'component.search': 'operational' });
      expect(seen.json).toMatchObject({ indicator: 'none', status: 'monitoring', others: 0 });
      // Before: "No impact", the words of an incident that never had any.
      expect(seen.level).toBe('Monitoring');
      expect(seen.more).toEqual(['Details']);
    } finally {
      await stopAll(alone);
    }
  });
});
