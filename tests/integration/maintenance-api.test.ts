import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { text } from '../helpers/page.ts';
import { engineEnv } from '../helpers/engine.ts';

type Json = Record<string, any>;
const hours = (n: number) => new Date(Date.now() + n * 3_600_000).toISOString();

describe('maintenance and postmortem admin API, and the pages that show them', () => {
  let h: HeraldProcess;
  const call = async (path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }) => {
    const res = await h.admin(path, init);
    return { status: res.status, body: (await res.json()) as Json };
  };
  const page = async (path: string) => {
    const res = await fetch(`${h.url}${path}`);
    return { status: res.status, html: await res.text() };
  };
  const schedule = (extra: Json = {}) =>
    call('/maintenances', {
      body: { name: 'Database upgrade', scheduled_for: hours(24), scheduled_until: hours(26), components: ['db'], ...extra },
    });

  beforeAll(async () => {
    h = await startHerald({ env: { ...(await engineEnv()), SITE_TIMEZONE: 'Europe/Berlin' } });
    for (const id of ['db', 'payments'])
      expect((await h.admin('/components', { body: { id, name: id === 'db' ? 'Database' : 'Payments' } })).status).toBe(201);
  });
  afterAll(() => stopAll(h));

  it('refuses requests without the admin token', async () => {
    const res = await fetch(`${h.url}/api/admin/maintenances`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(401);
    expect((await fetch(`${h.url}/api/admin/incidents/INC-x/postmortem`, { method: 'PUT', body: '{}' })).status).toBe(401);
  });

  it.each([
    ['a missing name', { name: undefined }, 'name'],
    ['a start without zone', { scheduled_for: '2030-01-01T02:00:00' }, 'scheduled_for'],
    ['an end before the start', { scheduled_until: hours(23) }, 'scheduled_until'],
    ['an unknown component', { components: ['nope'] }, 'components.0'],
    ['an unknown field', { colour: 'red' }, 'colour'],
  ])('refuses %s with 422 naming the field', async (_label, extra, field) => {
    const { status, body } = await schedule(extra);
    expect(status).toBe(422);
    expect(body.error.field).toBe(field);
  });

  it('schedules with a notice, shows it as upcoming, and keeps components untouched', async () => {
    const { status, body } = await schedule({ notify: true, body: 'We will upgrade the **database**.' });
    expect(status).toBe(201);
    expect(body).toMatchObject({ status: 'scheduled', impact: 'maintenance', components: [{ id: 'db', status: 'operational' }] });
    expect(body.incident_updates[0]).toMatchObject({ status: 'scheduled', deliver_notifications: true });
    const home = await page('/');
    expect(home.html).toContain('Scheduled maintenance');
    expect(home.html).toContain('We will upgrade the <strong>database</strong>.');
    const mnt = await page('/maintenance');
    expect(mnt.html).toContain('Database upgrade');
    // Every time on the page names the zone and carries the instant.
    const times = [...mnt.html.matchAll(/<time datetime="([^"]+)">([^<]+)<\/time>/g)];
    expect(times.length).toBeGreaterThan(0);
    for (const [, iso, text] of times) {
      expect(iso).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(text).toMatch(/\b(CET|CEST)$/);
    }
  });

  it('reschedules (sequence rises), then cancels: completed with cancelled_at, gone from upcoming and history', async () => {
    const { body: m } = await schedule();
    const [from, until] = [hours(48), hours(50)];
    const moved = await call(`/maintenances/${m.id}/reschedule`, { body: { scheduled_for: from, scheduled_until: until } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ status: 'scheduled', scheduled_for: from, scheduled_until: until, sequence: 1, cancelled_at: null });
    const stored = await call(`/maintenances/${m.id}`);
    expect(stored.body.incident_updates[0].body).toMatch(/rescheduled to/);
    const cancelled = await call(`/maintenances/${m.id}/cancel`, {
      method: 'POST',
      body: { body: 'Called off: the vendor patch is not ready.' },
    });
    expect(cancelled.status).toBe(201);
    expect(cancelled.body).toMatchObject({ status: 'completed', sequence: 2 });
    expect(Date.parse(cancelled.body.cancelled_at)).toBeGreaterThan(0);
    const list = await call('/maintenances');
    const rec = list.body.scheduled_maintenances.find((x: Json) => x.id === m.id);
    expect(rec.status).toBe('completed');
    const again = await call(`/maintenances/${m.id}/start`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('maintenance_state');
    const pageOf = await page(`/incidents/${m.id}`);
    expect(pageOf.html).toContain('Cancelled');
    // The timeline's steps, newest first: the cancel is told as one, not as "Completed" (its Statuspage status).
    const steps = [...pageOf.html.matchAll(/<strong class="update-status"[^>]*>([^<]+)</g)].map((x) => x[1]);
    expect(steps).toEqual(['Cancelled', 'Scheduled', 'Scheduled']);
    // What a link preview (Slack, Teams, iMessage) shows of it. Before: "Completed: …", work that never happened.
    expect(pageOf.html).toMatch(/<meta name="description" content="Cancelled: [^"]+">/);
    // A note after the cancel reads as cancelled too (its status is `completed`). Before: "Completed" over it.
    expect((await call(`/maintenances/${m.id}/updates`, { body: { body: 'We will pick a new date next month.' } })).status).toBe(201);
    const noted = await page(`/incidents/${m.id}`);
    expect([...noted.html.matchAll(/<strong class="update-status"[^>]*>([^<]+)</g)].map((x) => x[1])).toEqual([
      'Cancelled',
      'Cancelled',
      'Scheduled',
      'Scheduled',
    ]);
    expect((await page('/history')).html).not.toContain(`/incidents/${m.id}"`);
  });

  it('offers the calendar to subscribe to (a downloaded .ics is a copy that follows no change)', async () => {
    const { html } = await page('/maintenance');
    // Before: "Add the maintenance calendar" linked the file itself, which calendar apps import once.
    expect(html).toContain('<a href="webcal://localhost:');
    expect(html).toMatch(/<a href="webcal:\/\/localhost:\d+\/maintenance\.ics">subscribe to the maintenance calendar<\/a>/);
    expect(html).toContain('(or copy <a href="/maintenance.ics">its address</a> into your calendar’s “add by URL”)');
    const ics = await fetch(`${h.url}/maintenance.ics`);
    expect([ics.status, ics.headers.get('content-type')]).toEqual([200, 'text/calendar; charset=utf-8']);
  });

  it('a window left to start by hand, its start gone by, says it has not started yet (not "Scheduled for" a time past)', async () => {
    const minutes = (n: number) => new Date(Date.now() + n * 60_000).toISOString();
    const { status, body } = await schedule({
      name: 'Ledger migration',
      scheduled_for: minutes(-3),
      scheduled_until: minutes(120),
      auto_transitions: false,
    });
    expect(status).toBe(201);
    const card = (html: string) => /Ledger migration[\s\S]*?<\/article>/.exec(html)?.[0] ?? '';
    // Before: "Scheduled for 14:02 CET to 16:05 CET (2 h 3 min)" under what is to come, the start three minutes gone.
    expect(text(card((await page('/maintenance')).html))).toMatch(/Scheduled for .* \(not started yet\)/);
    expect(text(card((await page('/')).html))).toContain('(not started yet)');
    expect(text((await page(`/incidents/${body.id}`)).html)).toMatch(/Scheduled start \d.* \(passed\)/);
    expect((await call(`/maintenances/${body.id}/cancel`, { method: 'POST', body: {} })).status).toBe(201);
  });

  it('moves a window by hand: start, verify (no automatic completion), complete', async () => {
    const { body: m } = await schedule({ name: 'Payments failover', components: ['payments'] });
    expect((await call(`/maintenances/${m.id}/complete`, { method: 'POST' })).status).toBe(409);
    expect((await call(`/maintenances/${m.id}/start`, { method: 'POST' })).body.status).toBe('in_progress');
    expect((await call('/components/payments')).body.status).toBe('under_maintenance');
    const note = await call(`/maintenances/${m.id}/updates`, { body: { body: 'Half of the traffic is on the new cluster.' } });
    expect(note.body.status).toBe('in_progress');
    expect((await call(`/maintenances/${m.id}/verify`, { method: 'POST', body: { body: 'Verifying.' } })).body.status).toBe('verifying');
    const done = await call(`/maintenances/${m.id}/complete`, { method: 'POST', body: { notify: true } });
    expect(done.body.status).toBe('completed');
    expect(done.body.incident_updates[0].deliver_notifications).toBe(true);
    expect((await call('/components/payments')).body.status).toBe('operational');
    expect((await call('/maintenances/MNT-1999-01-01-1/start', { method: 'POST' })).status).toBe(404);
  });

  it('records a backfilled incident where it happened: history month and uptime bar', async () => {
    const inc = await call('/incidents', {
      body: {
        name: 'Card declines',
        impact: 'critical',
        body: 'Investigating.',
        components: { payments: 'major_outage' },
        started_at: '2026-11-10T08:00:00Z',
      },
    });
    // Recorded today, it happened on 10 Nov.
    expect(inc.status).toBe(201);
    const resolved = await call(`/incidents/${inc.body.id}/updates`, {
      body: { status: 'resolved', body: 'Resolved.', display_at: '2026-11-10T09:42:00Z' },
    });
    expect(resolved.status).toBe(201);
    const nov = await page('/history?month=2026-11');
    expect(nov.html).toContain('Card declines');
    expect(nov.html).toContain('lasted 1 h 42 min');
    const home = await page('/');
    expect(home.html).toMatch(/<li class="u-major_outage" tabindex="-1"><span>10 Nov: major outage for 1 h 42 min<\/span><\/li>/);
    expect(home.html).toContain('uptime-pct');
  });

  it('postmortem: a draft from the runbook template, sanitized Markdown, published with status postmortem', async () => {
    const inc = await call('/incidents', {
      body: { name: 'Checkout errors', impact: 'major', body: 'Investigating.', components: { payments: 'partial_outage' } },
    });
    const id = inc.body.id;
    const early = await call(`/incidents/${id}/postmortem`, { method: 'PUT', body: { body: 'Too early', publish: true } });
    expect(early.status).toBe(409);
    await call(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Resolved.' } });

    const draft = await call(`/incidents/${id}/postmortem`, { method: 'PUT', body: {} });
    expect(draft.status).toBe(200);
    expect(draft.body.status).toBe('resolved');
    for (const heading of ['## Summary', '## Impact', '## Timeline', '## Root cause', '## Resolution', '## Action items']) {
      expect(draft.body.postmortem.body).toContain(heading);
    }
    expect((await page(`/incidents/${id}`)).html).not.toContain('pm-title');

    const evil =
      'Root cause: a bad deploy.\n\n<script>alert(1)</script><img src=x onerror=alert(2)>\n\n[docs](javascript:alert(3)) <a href="https://example.com" onclick="x()">ok</a>';
    const pub = await call(`/incidents/${id}/postmortem`, { method: 'PUT', body: { body: evil, publish: true } });
    expect(pub.status).toBe(200);
    expect(pub.body.status).toBe('postmortem');
    expect(pub.body.postmortem.published_at).not.toBeNull();
    const html = (await page(`/incidents/${id}`)).html;
    const section = html.slice(html.indexOf('id="pm-title"'));
    expect(section).toContain('Root cause: a bad deploy.');
    // No tag with a script or a handler, no script link; the tags the page does not keep read as typed, as text.
    expect(section).not.toMatch(/<script|<[^>]*\son(error|click)=|javascript:/i);
    expect(section).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(section).toContain('href="https://example.com"');
    expect((await call('/maintenances/' + id)).status).toBe(409);

    const withdrawn = await call(`/incidents/${id}/postmortem`, { method: 'PUT', body: { publish: false } });
    expect(withdrawn.body).toMatchObject({ status: 'resolved', postmortem: { published_at: null } });
  });

  it('the history answers 404 for a page past the end and a malformed month', async () => {
    expect((await page('/history?page=99')).status).toBe(404);
    expect((await page('/history?month=2026-13')).status).toBe(404);
    expect((await page('/history')).status).toBe(200);
  });
});
