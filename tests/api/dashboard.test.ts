import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openInProcess, type InProcess } from '../helpers/app.ts';
import { until } from '../helpers/poll.ts';
import { activeIncidents, postmortemsOwed } from '../../src/domain/cadence.ts';
import { noticeRows } from '../../src/console/deliveries.ts';
import { at } from '../../src/console/format.ts';
import { formatTimeNear } from '../../src/domain/time-text.ts';
import { sessionCookieName } from '../../src/auth/session-cookie.ts';
import { confirmEveryone } from '../helpers/subscribers.ts';

/**
 * `GET /api/admin/dashboard` (src/api/admin/dashboard.ts), what the
 * dashboard's script (public/admin/dashboard.js) refreshes the page from, in
 * process. SEV-1's 30 min cadence is scaled to 3.6 s (HERALD_CADENCE_SCALE)
 * so an update turns overdue within the test; SEV-3's 4 h becomes 28.8 s.
 */
type Json = Record<string, any>;
const SCALE = 0.002;

let p: InProcess;
const dashboard = async () => {
  const res = await p.admin('/dashboard');
  expect(res.status).toBe(200);
  return (await res.json()) as Json;
};
const declare = async (body: Json) => {
  const res = await p.admin('/incidents', { body: { body: 'We are investigating.', ...body } });
  expect(res.status).toBe(201);
  return (await res.json()) as Json;
};
const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

beforeEach(async () => {
  p = await openInProcess({ HERALD_CADENCE_SCALE: String(SCALE) });
  await p.herald.notify.ready;
  for (const id of ['api', 'web']) expect((await p.admin('/components', { body: { id, name: id.toUpperCase() } })).status).toBe(201);
});
afterEach(() => p?.close());

describe('GET /api/admin/dashboard', () => {
  it('needs the admin token or a console session (a GET needs no CSRF token), and is never cached', async () => {
    const none = await p.request('/api/admin/dashboard');
    expect(none.status).toBe(401);
    expect(((await none.json()) as Json).error.code).toBe('unauthorized');
    const forged = await p.request('/api/admin/dashboard', {
      headers: { cookie: `${sessionCookieName(p.herald.config.SITE_URL)}=forged` },
    });
    expect(forged.status).toBe(401);

    const bearer = await p.admin('/dashboard');
    expect(bearer.status).toBe(200);
    expect(bearer.headers.get('cache-control')).toBe('private, no-store');

    const { token } = await p.herald.console.sessions.create('console:Dana', Date.now());
    const session = await p.request('/api/admin/dashboard', {
      headers: { cookie: `${sessionCookieName(p.herald.config.SITE_URL)}=${token}` },
    });
    expect(session.status).toBe(200);
    expect(session.headers.get('cache-control')).toBe('private, no-store');
  });

  it('answers for a quiet page: all operational, nothing owed, nothing sent', async () => {
    const body = await dashboard();
    expect(body).toEqual({
      now: expect.any(String),
      now_text: expect.stringMatching(/^\d{1,2} [A-Z][a-z]{2,3} \d{4}, \d\d:\d\d UTC$/),
      time_zone: 'UTC',
      overall: { indicator: 'none', description: 'All Systems Operational' },
      active: [],
      overdue_text: null,
      postmortems: [],
      postmortems_total: 0,
      postmortems_more_text: null,
      deliveries: [],
      paused: null,
      stopped_channels: [],
    });
    expect(Date.parse(body.now)).not.toBeNaN();
  });

  it('reports an update overdue once its cadence has passed, and a slower level not yet', async () => {
    const sev1 = await declare({ name: 'Checkout failing', severity: 'sev1', components: { api: 'major_outage' }, notify: false });
    const sev3 = await declare({ name: 'Some logins slow', severity: 'sev3', components: { web: 'degraded_performance' } });
    const first = await dashboard();
    expect(first.overall).toEqual({ indicator: 'critical', description: 'Major Service Outage' });
    const last = sev1.incident_updates[0].created_at;
    const due = new Date(Date.parse(last) + 30 * 60_000 * SCALE).toISOString();
    const now = new Date(first.now);
    expect(first.active[0]).toEqual({
      id: sev1.id,
      name: 'Checkout failing',
      status: 'investigating',
      status_label: 'Investigating',
      impact: 'critical',
      severity_label: 'SEV-1',
      components_text: 'API',
      last_update_at: last,
      last_update_text: formatTimeNear(last, 'UTC', now),
      last_update_by: 'the API',
      due_at: due,
      due_text: formatTimeNear(due, 'UTC', now),
      overdue: false,
      minutes_left: 0,
    });
    expect(first.active[1]).toMatchObject({ id: sev3.id, overdue: false });
    expect(first.overdue_text).toBeNull();

    const later = await until(async () => {
      const d = await dashboard();
      return d.active.find((r: Json) => r.id === sev1.id).overdue && d;
    }, 'the SEV-1 update to be overdue');
    // Overdue by seconds already reads "1 min ago".
    expect(later.active.map((r: Json) => [r.id, r.overdue, r.minutes_left])).toEqual([
      [sev1.id, true, -1],
      [sev3.id, false, 0],
    ]);
    // The alert above the rows names it (the page draws the same words, and its script redraws them from here).
    expect(later.overdue_text).toBe('An update to “Checkout failing” is overdue.');

    // A new update sets the next one due from now: not overdue any more.
    expect((await p.admin(`/incidents/${sev1.id}/updates`, { body: { status: 'identified', body: 'Found it.' } })).status).toBe(201);
    const row = (await dashboard()).active.find((r: Json) => r.id === sev1.id);
    expect(row).toMatchObject({ status: 'identified', overdue: false });
    expect(Date.parse(row.last_update_at)).toBeGreaterThan(Date.parse(last));
  });

  it('lists the postmortems owed from the resolution on: overdue first, then due, then owed (due by its time)', async () => {
    const owed = await declare({ name: 'Resolved 2 h ago', severity: 'sev1', started_at: ago(3 * HOUR), notify: false });
    const due = await declare({ name: 'Resolved 30 h ago', severity: 'sev2', started_at: ago(31 * HOUR), notify: false });
    const overdue = await declare({ name: 'Resolved 50 h ago', severity: 'sev1', started_at: ago(51 * HOUR), notify: false });
    const minor = await declare({ name: 'A SEV-3 owes none', severity: 'sev3', started_at: ago(51 * HOUR) });
    for (const [inc, hours] of [
      [owed, 2],
      [due, 30],
      [overdue, 50],
      [minor, 50],
    ] as const) {
      const res = await p.admin(`/incidents/${inc.id}/updates`, {
        body: { status: 'resolved', body: 'Over.', display_at: ago(hours * HOUR), notify: false },
      });
      expect(res.status).toBe(201);
    }
    const { postmortems, postmortems_total, active } = await dashboard();
    expect(active).toEqual([]);
    expect(postmortems_total).toBe(3);
    expect(postmortems.map((r: Json) => [r.id, r.state])).toEqual([
      [overdue.id, 'overdue'],
      [due.id, 'due'],
      [owed.id, 'owed'],
    ]);
    const owedAt = Date.parse((await (await p.admin(`/incidents/${owed.id}`)).json()).resolved_at);
    expect(postmortems[2]).toMatchObject({ due_at: new Date(owedAt + 24 * HOUR).toISOString() });
    const resolvedAt = Date.parse((await (await p.admin(`/incidents/${due.id}`)).json()).resolved_at);
    expect(postmortems[1]).toEqual({
      id: due.id,
      name: 'Resolved 30 h ago',
      state: 'due',
      due_at: new Date(resolvedAt + 24 * HOUR).toISOString(),
      overdue_at: new Date(resolvedAt + 48 * HOUR).toISOString(),
    });
  });

  // Before: a site used for years listed its whole backlog (1,309 rows, 212 KB each poll), the oldest first, yesterday's SEV-1 last.
  it('lists the ten most recently resolved, overdue first, then due, then owed, and how many are owed in all', async () => {
    const resolve = async (name: string, hours: number) => {
      const inc = await declare({ name, severity: 'sev1', started_at: ago((hours + 1) * HOUR), notify: false });
      const body = { status: 'resolved', body: 'Over.', display_at: ago(hours * HOUR), notify: false };
      expect((await p.admin(`/incidents/${inc.id}/updates`, { body })).status).toBe(201);
      return inc.id as string;
    };
    // A backlog, oldest first as it built up: resolved 500, 480, … 280 h ago, all overdue.
    const backlog: string[] = [];
    for (let n = 0; n < 12; n++) backlog.push(await resolve(`Backlog ${n}`, 500 - n * 20));
    const yesterday = await resolve('Yesterday', 30);
    const lastWeek = await resolve('Last week', 170);
    const body = await dashboard();
    expect(body.postmortems_total).toBe(14);
    // The line below the ten, in the page's words (the script redraws it from these).
    expect(body.postmortems_more_text).toBe('and 4 more postmortems owed');
    // The ten most recently resolved: the backlog's newest eight, and yesterday's, which it does not hide.
    expect(body.postmortems.map((r: Json) => [r.id, r.state])).toEqual([
      [lastWeek, 'overdue'],
      ...backlog
        .toReversed()
        .slice(0, 8)
        .map((id) => [id, 'overdue']),
      [yesterday, 'due'],
    ]);
  });

  it('owes the review of the worst level an incident reached: raised to SEV-1, lowered to SEV-3 before its end', async () => {
    const inc = await declare({ name: 'Lowered before its end', severity: 'sev3', started_at: ago(40 * HOUR), notify: false });
    for (const [status, severity, hours] of [
      ['identified', 'sev1', 38],
      ['monitoring', 'sev3', 34],
    ] as const) {
      const body = { status, body: 'Re-graded.', severity, display_at: ago(hours * HOUR), notify: false };
      expect((await p.admin(`/incidents/${inc.id}/updates`, { body })).status).toBe(201);
    }
    const body = { status: 'resolved', body: 'Over.', display_at: ago(30 * HOUR), notify: false };
    expect((await p.admin(`/incidents/${inc.id}/updates`, { body })).status).toBe(201);
    expect((await (await p.admin(`/incidents/${inc.id}`)).json()).impact).toBe('minor');
    expect((await dashboard()).postmortems.map((r: Json) => [r.id, r.state])).toEqual([[inc.id, 'due']]);
  });

  it('gives each recent notice its delivery counts, as they change', async () => {
    for (const email of ['ann@example.com', 'bo@example.com']) {
      await p.herald.notify.subscribe({ email, components: [] }, 'test');
    }
    await confirmEveryone(p.herald.notify);
    const inc = await declare({ name: 'Checkout failing', severity: 'sev1', components: { api: 'major_outage' }, notify: true });
    await p.herald.notify.kick();
    const sent = await until(async () => {
      const d = await dashboard();
      return d.deliveries[0]?.sent === 2 && d;
    }, 'both disruption notices sent');
    expect(sent.deliveries).toEqual([
      {
        intent: inc.incident_updates[0].id,
        incident_id: inc.id,
        incident_name: 'Checkout failing',
        incident_withdrawn: false,
        kind: 'disruption',
        created_at: expect.any(String),
        queued: 0,
        sent: 2,
        failed: 0,
      },
    ]);
    expect(sent.paused).toBeNull();
  });

  // Before: the JSON held the instants alone, and the script wrote the clock in en-GB's words ("4 Dec 2026, 04:28 GMT-5").
  it.each([
    ['America/New_York', '4 Dec 2026, 04:28 EST', '04:58 EST'],
    ['Asia/Kolkata', '4 Dec 2026, 14:58 IST', '15:28 IST'],
  ])('writes its times as the pages do, the zone named as people there write it (%s)', async (zone, nowText, dueText) => {
    await p.close();
    p = await openInProcess({ SITE_TIMEZONE: zone }, { now: () => new Date('2026-12-04T09:28:00Z') });
    await p.herald.notify.ready;
    await declare({ name: 'Checkout failing', severity: 'sev1', components: {}, notify: false });
    const body = await dashboard();
    expect(body.now_text).toBe(nowText);
    expect(body.active[0]).toMatchObject({ last_update_text: nowText.split(', ')[1], due_text: dueText, components_text: 'no components' });
  });

  it("answers the page's own rows as JSON: the domain's activeIncidents and postmortemsOwed, the console's noticeRows", async () => {
    await p.herald.notify.subscribe({ email: 'ann@example.com', components: [] }, 'test');
    await confirmEveryone(p.herald.notify);
    await declare({ name: 'One', severity: 'sev1', components: { api: 'partial_outage' }, notify: true });
    await declare({ name: 'Two', severity: 'sev3', components: { web: 'degraded_performance' } });
    const old = await declare({ name: 'Three', severity: 'sev2', started_at: ago(40 * HOUR), notify: false });
    await p.admin(`/incidents/${old.id}/updates`, {
      body: { status: 'resolved', body: 'Over.', display_at: ago(30 * HOUR), notify: false },
    });
    await p.herald.notify.kick();

    const body = await dashboard();
    const db = p.herald.store.data;
    const now = new Date(body.now);
    // The page's rows, in the page's order, each in the JSON's words.
    const rows = activeIncidents(db, now, SCALE);
    expect(body.active.map((r: Json) => r.id)).toEqual(rows.map((r) => r.incident.id));
    const sev1 = rows.find((r) => r.incident.name === 'One')!;
    expect(body.active.find((r: Json) => r.name === 'One')).toEqual({
      id: sev1.incident.id,
      name: 'One',
      status: 'investigating',
      status_label: 'Investigating',
      impact: sev1.incident.impact,
      severity_label: 'SEV-1',
      components_text: 'API',
      last_update_at: sev1.lastUpdateAt,
      last_update_text: at(sev1.lastUpdateAt, 'UTC', now),
      last_update_by: 'the API',
      due_at: sev1.dueAt,
      due_text: at(sev1.dueAt!, 'UTC', now),
      overdue: false,
      minutes_left: sev1.minutesLeft,
    });
    const owed = postmortemsOwed(db, now).rows;
    expect(body.postmortems).toEqual([
      { id: old.id, name: 'Three', state: owed[0]!.due.state, due_at: owed[0]!.due.dueAt, overdue_at: owed[0]!.due.overdueAt },
    ]);
    expect(body.postmortems_total).toBe(1);
    expect(body.postmortems).toHaveLength(1);
    // The counts move on their own (the outbox sends): compare what does not.
    expect(body.deliveries.map((r: Json) => [r.intent, r.incident_id, r.incident_name, r.kind, r.created_at])).toEqual(
      (await noticeRows(p.herald.notify, db, 6)).map((r) => [r.intent, r.incidentId, r.incidentName, r.kind, r.createdAt]),
    );
    expect(body.deliveries).toHaveLength(1);
  });
});
