import { describe, expect, it } from 'vitest';
import { heraldPerTest, openInProcess, type InProcess } from '../helpers/app.ts';
import { TEST_TOKEN } from '../helpers/server.ts';
import { confirmEveryone } from '../helpers/subscribers.ts';
import { computeUptime } from '../../src/domain/uptime.ts';
import { durationMinutes, formatDuration } from '../../src/domain/overall.ts';
import { afterTheFact } from '../../src/domain/incidents/lifecycle.ts';

/**
 * The incidents admin API (README "Incidents and components", "Incident
 * rules", "Postmortems", "Preview"), in process. Each test gets a fresh
 * Herald with two components, `api` and `web`, or shares one with the other
 * tests of its describe where that says oneHerald().
 */
type Json = Record<string, any>;
type Init = { method?: string; body?: unknown; headers?: Record<string, string> };

let p: InProcess;
const call = async (path: string, init?: Init) => {
  const res = await p.admin(path, init);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
};
const declare = (extra: Json = {}, headers?: Record<string, string>) =>
  call('/incidents', {
    headers,
    body: { name: 'Checkout failures', impact: 'major', body: 'We are investigating.', components: { api: 'partial_outage' }, ...extra },
  });
const post = (id: string, body: Json) => call(`/incidents/${id}/updates`, { body });
const componentStatus = async (id: string) => (await call(`/components/${id}`)).body.status;
const publicDoc = async (path: string) => (await (await p.request(`/api/v2/${path}`)).json()) as Json;

/** A Herald in process with the components `api` and `web`. */
const opened = async (): Promise<InProcess> => {
  const herald = await openInProcess();
  await herald.herald.notify.ready;
  for (const id of ['api', 'web']) expect((await herald.admin('/components', { body: { id, name: id.toUpperCase() } })).status).toBe(201);
  return herald;
};
// Each test on a Herald of its own, or one its describe shares (oneHerald): for tests that store nothing, or only
// what the tests after them do not look at.
const { oneHerald } = heraldPerTest(opened, (h) => {
  p = h;
});

describe('declaring an incident', () => {
  it('answers 201 with an INC-<UTC start date>-<n> id, n counting that day', async () => {
    const first = await declare();
    expect(first.status).toBe(201);
    const day = first.body.started_at.slice(0, 10);
    expect(first.body.id).toBe(`INC-${day}-1`);
    expect((await declare({ name: 'Second', started_at: first.body.started_at })).body.id).toBe(`INC-${day}-2`);
    const backfilled = await declare({ name: 'Backfilled', started_at: '2026-01-05T23:30:00-02:00' });
    expect(backfilled.body.id).toBe('INC-2026-01-06-1');
  });

  it('applies its component statuses, and the overall status follows in /api/v2/status.json', async () => {
    const { body } = await declare({ impact: 'critical', components: { api: 'major_outage', web: 'degraded_performance' } });
    expect(body).toMatchObject({ status: 'investigating', impact: 'critical', resolved_at: null });
    expect(body.incident_updates[0].affected_components).toEqual([
      { code: 'api', name: 'API', old_status: 'operational', new_status: 'major_outage' },
      { code: 'web', name: 'WEB', old_status: 'operational', new_status: 'degraded_performance' },
    ]);
    expect(await componentStatus('api')).toBe('major_outage');
    expect(await componentStatus('web')).toBe('degraded_performance');
    expect((await publicDoc('status.json')).status).toEqual({ indicator: 'critical', description: 'Major Service Outage' });
    expect((await publicDoc('incidents/unresolved.json')).incidents.map((i: Json) => i.id)).toEqual([body.id]);
  });

  it('refuses an estimated resolution already past, on a declare and on an update (422 eta), storing nothing', async () => {
    const stored = await p.stored();
    // Before: 201, and "Estimated resolution: 1 Jan 1999" beside a start of today.
    const old = await declare({ eta: '1999-01-01T00:00:00Z' });
    expect(old.status).toBe(422);
    expect(old.body.error).toMatchObject({ code: 'invalid', field: 'eta' });
    expect(await p.stored()).toBe(stored);
    const { body: inc } = await declare({ eta: new Date(Date.now() + 3_600_000).toISOString() });
    const before = await p.stored();
    const late = await post(inc.id, { status: 'identified', body: 'Found it.', eta: new Date(Date.now() - 10 * 60_000).toISOString() });
    expect(late.status).toBe(422);
    expect(late.body.error).toMatchObject({ code: 'invalid', field: 'eta' });
    expect(await p.stored()).toBe(before);
  });

  it('declared already resolved (a backfill), its component statuses go into its history only: the page keeps the present ones', async () => {
    const res = await declare({ status: 'resolved', started_at: '2026-11-01T00:00:00Z', components: { api: 'major_outage' } });
    expect(res.status).toBe(201);
    expect(res.body.incident_updates[0].affected_components).toEqual([
      { code: 'api', name: 'API', old_status: 'operational', new_status: 'major_outage' },
    ]);
    // Before: major_outage, with no open incident left to end it.
    expect(await componentStatus('api')).toBe('operational');
    expect((await publicDoc('status.json')).status.indicator).toBe('none');
  });

  it('declared already resolved, it emails nobody unless asked (a "restored" notice of an outage nobody heard of)', async () => {
    // A level that emails from the first update (major: SEV-2 by default).
    const quiet = await declare({ name: 'Backfilled', status: 'resolved', started_at: '2026-11-01T00:00:00Z' });
    expect(quiet.status).toBe(201);
    const updates = () => p.herald.store.data.incidents.flatMap((i) => i.updates);
    // Before: true, a restoration notice to every subscriber of its components.
    expect(updates().find((u) => u.id === quiet.body.incident_updates[0].id)!.notify).toBe(false);
    const asked = await declare({ name: 'Backfilled, told', status: 'resolved', started_at: '2026-11-01T00:00:00Z', notify: true });
    expect(updates().find((u) => u.id === asked.body.incident_updates[0].id)!.notify).toBe(true);
    const live = await declare({ name: 'Live' });
    expect(updates().find((u) => u.id === live.body.incident_updates[0].id)!.notify).toBe(true);
  });

  it('declared already resolved with resolved_at (a backfill), it carries its real end: record, v2, history, uptime; still tells nobody', async () => {
    // Three days ago, 10:00 to 11:30 UTC.
    const day = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
    const [start, end] = [`${day}T10:00:00.000Z`, `${day}T11:30:00.000Z`];
    const res = await declare({
      name: 'Search down',
      impact: 'critical',
      status: 'resolved',
      started_at: start,
      resolved_at: end,
      components: { api: 'major_outage' },
      body: 'Search was down for 90 minutes.',
    });
    expect(res.status).toBe(201);
    // Before: resolved_at was the start ("lasted under 1 min"), and the uptime bar showed no outage.
    expect(res.body).toMatchObject({ status: 'resolved', started_at: start, resolved_at: end });
    const stored = p.herald.store.data.incidents.find((i) => i.id === res.body.id)!;
    expect(stored.resolved_at).toBe(end);
    expect(formatDuration(durationMinutes(stored, new Date()))).toBe('1 h 30 min');
    const v2 = (await publicDoc('incidents.json')).incidents.find((i: Json) => i.id === res.body.id);
    expect(v2).toMatchObject({ status: 'resolved', resolved_at: end });
    const uptime = computeUptime(p.herald.store.data, new Date()).get('api')!;
    expect(uptime.downtimeMinutes).toBe(90);
    expect(uptime.days.find((d) => d.date === day)).toMatchObject({ worst: 'major_outage', minutes: { major_outage: 90 } });
    // Still history only: the component keeps its present status, and nobody is emailed or told in a war room.
    expect(await componentStatus('api')).toBe('operational');
    expect(stored.updates[0]!.notify).toBe(false);
    expect(afterTheFact(stored, stored.updates[0]!)).toBe(true);
  });

  it('refuses resolved_at unless declared resolved, in the future, or not after started_at (422 resolved_at), storing nothing', async () => {
    const stored = await p.stored();
    const start = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const cases: Array<[Json, RegExp]> = [
      [
        { status: 'investigating', started_at: start, resolved_at: new Date(Date.now() - 86_400_000).toISOString() },
        /declared already resolved/,
      ],
      [{ status: 'resolved', started_at: start, resolved_at: new Date(Date.now() + 3_600_000).toISOString() }, /in the future/],
      [{ status: 'resolved', started_at: start, resolved_at: start }, /must be after started_at/],
      [
        { status: 'resolved', started_at: start, resolved_at: new Date(Date.parse(start) - 60_000).toISOString() },
        /must be after started_at/,
      ],
      [{ status: 'resolved', resolved_at: new Date(Date.now() - 60_000).toISOString() }, /must be after started_at/],
    ];
    // Before: each was refused as an unknown key ("Unrecognized key"), whatever its value.
    for (const [extra, message] of cases) {
      const res = await declare(extra);
      expect(res.status, JSON.stringify(extra)).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'invalid', field: 'resolved_at' });
      expect(res.body.error.message).toMatch(message);
    }
    expect(await p.stored()).toBe(stored);
  });

  it("names each its own war room: a name another incident of the day has (open or resolved) is numbered, within Slack's rules", async () => {
    const room = async (id: string) => (await call(`/incidents/${id}`)).body.war_room as string;
    // One start for all, so all are of one day (and so numbered) even when the test runs over midnight (UTC).
    const startedAt = new Date(Date.now() - 60_000).toISOString();
    const declareOneDay = (extra: Json) => declare({ ...extra, started_at: startedAt });
    const first = (await declareOneDay({ name: 'API down' })).body;
    const day = first.id.slice(4, 14);
    expect(await room(first.id)).toBe(`#incident-${day}-api-down`);
    // Before: "#incident-<day>-api-down" again, one room for two incidents.
    const second = (await declareOneDay({ name: 'API down' })).body;
    expect(second.war_room).toBe(`#incident-${day}-api-down-2`);
    expect(await room(second.id)).toBe(`#incident-${day}-api-down-2`);
    // A resolved incident keeps its room (its postmortem is posted there).
    expect((await post(first.id, { status: 'resolved', body: 'Fixed.' })).status).toBe(201);
    const third = (await declareOneDay({ name: 'api DOWN!' })).body;
    expect(await room(third.id)).toBe(`#incident-${day}-api-down-3`);
    // Names alike in their first 50 slug characters (the part the room keeps).
    const stem = 'Elevated error rates on the payments API for customers in';
    const fourth = (await declareOneDay({ name: `${stem} Europe` })).body;
    const fifth = (await declareOneDay({ name: `${stem} North America and Asia-Pacific regions` })).body;
    const rooms = [first, second, third, fourth, fifth].map((i) => i.war_room as string);
    expect(await room(fifth.id)).toBe(`${fourth.war_room}-5`);
    expect(new Set(rooms).size).toBe(5);
    for (const r of rooms) expect(r).toMatch(/^#[a-z0-9-]{1,80}$/);
    // A withdrawn incident's channel may well exist (made before the withdrawal): its room is not given again.
    const drill = (await declareOneDay({ name: 'Drill' })).body;
    expect((await p.admin(`/incidents/${drill.id}`, { method: 'DELETE' })).status).toBe(204);
    const after = (await declareOneDay({ name: 'Drill' })).body;
    expect(await room(after.id)).toBe(`#incident-${day}-drill-${after.id.split('-').at(-1)}`);
  });

  it('refuses an unknown component (422 unknown_component) and stores nothing', async () => {
    const res = await declare({ components: { nope: 'major_outage' } });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'unknown_component', field: 'components.nope' });
    expect((await call('/incidents')).body.incidents).toEqual([]);
  });

  it('tells a text field that is missing from one that is not text (422 naming it)', async () => {
    // Before: "body is required" for a body sent as the number 5.
    expect((await declare({ body: 5 })).body.error).toMatchObject({ field: 'body', message: 'body must be text' });
    expect((await declare({ name: ['x'] })).body.error).toMatchObject({ field: 'name', message: 'name must be text' });
    expect((await declare({ name: undefined })).body.error).toMatchObject({ field: 'name', message: 'name is required' });
    expect((await call('/incidents')).body.incidents).toEqual([]);
  });
});

describe('updates', () => {
  it('move investigating → identified → monitoring → resolved; resolving restores the components', async () => {
    const { body: inc } = await declare();
    const identified = await post(inc.id, { status: 'identified', body: 'We found the cause.' });
    expect(identified.status).toBe(201);
    expect(identified.body.status).toBe('identified');
    const monitoring = await post(inc.id, { status: 'monitoring', body: 'A fix is out.' });
    expect(monitoring.body).toMatchObject({ status: 'monitoring', monitoring_at: monitoring.body.incident_updates[0].display_at });
    expect(await componentStatus('api')).toBe('partial_outage');
    const resolved = await post(inc.id, { status: 'resolved', body: 'All good.' });
    expect(resolved.body).toMatchObject({ status: 'resolved', resolved_at: resolved.body.incident_updates[0].display_at });
    expect(resolved.body.incident_updates.map((u: Json) => u.status)).toEqual(['resolved', 'monitoring', 'identified', 'investigating']);
    expect(await componentStatus('api')).toBe('operational');
    expect((await publicDoc('status.json')).status.indicator).toBe('none');
  });

  it("may name the incident commander after the declaration (stored on the incident and the update), held to the declare's rules", async () => {
    const { body: inc } = await declare();
    // Before: 422 'Unrecognized key: "commander"': only the declare could name one.
    const named = await post(inc.id, { status: 'identified', body: 'Dana leads the response.', commander: ' @dana ' });
    expect(named.status).toBe(201);
    expect(inc.commander).toBeNull();
    expect(named.body).toMatchObject({ commander: '@dana', war_room: expect.stringMatching(/^#incident-/) });
    expect(named.body.incident_updates[0]).toMatchObject({ commander: '@dana' });
    const stored = () => p.herald.store.data.incidents.find((i) => i.id === inc.id)!;
    expect(stored().commander).toBe('@dana');
    // An update that names nobody keeps them.
    const plain = await post(inc.id, { status: 'monitoring', body: 'A fix is out.' });
    expect(plain.body).toMatchObject({ commander: '@dana' });
    expect(plain.body.incident_updates[0].commander).toBeNull();
    const before = await p.stored();
    for (const [commander, message] of [
      ['', 'commander must not be empty (leave it out instead)'],
      ['   ', 'commander must not be empty (leave it out instead)'],
      ['x'.repeat(81), 'commander must be at most 80 characters'],
      ['@dana\u0007', 'commander must not contain control characters'],
      [42, 'commander must be text'],
    ] as const) {
      const res = await post(inc.id, { status: 'monitoring', body: 'Handover.', commander });
      expect(res.status, JSON.stringify(commander)).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'invalid', field: 'commander' });
      expect(res.body.error.message).toContain(message.split(' (')[0]);
    }
    expect(await p.stored()).toBe(before);
    expect((await post(inc.id, { status: 'monitoring', body: 'Handover.', commander: 'x'.repeat(80) })).body.commander).toBe(
      'x'.repeat(80),
    );
  });

  it('may move back from monitoring to identified (a fix did not hold)', async () => {
    const { body: inc } = await declare();
    await post(inc.id, { status: 'monitoring', body: 'A fix is out.' });
    const back = await post(inc.id, { status: 'identified', body: 'The fix did not hold.' });
    expect(back.status).toBe(201);
    expect(back.body.status).toBe('identified');
  });

  it('a resolved incident accepts only a resolved note that changes no component (409 incident_resolved)', async () => {
    const { body: inc } = await declare();
    await post(inc.id, { status: 'resolved', body: 'Fixed.' });
    const reopen = await post(inc.id, { status: 'investigating', body: 'It is back.' });
    expect(reopen.status).toBe(409);
    expect(reopen.body.error).toMatchObject({ code: 'incident_resolved', field: 'status' });
    const change = await post(inc.id, { status: 'resolved', body: 'Note.', components: { api: 'degraded_performance' } });
    expect(change.status).toBe(409);
    expect(change.body.error).toMatchObject({ code: 'incident_resolved', field: 'components' });
    const note = await post(inc.id, { status: 'resolved', body: 'Root cause confirmed.' });
    expect(note.status).toBe(201);
    expect(note.body.incident_updates).toHaveLength(3);
    expect(await componentStatus('api')).toBe('operational');
  });

  it('takes a component off the incident with null ("not affected"): 201 with the removal recorded; 422 for one it does not name', async () => {
    const { body: inc } = await declare({ components: { api: 'partial_outage', web: 'major_outage' } });
    const other = await declare({ name: 'Other' });
    const notNamed = await post(other.body.id, { status: 'identified', body: 'x', components: { web: null } });
    expect(notNamed.status).toBe(422);
    expect(notNamed.body.error).toMatchObject({ code: 'not_affected', field: 'components.web' });
    expect((await post(other.body.id, { status: 'identified', body: 'x', components: { api: null } })).body.error).toMatchObject({
      code: 'last_component',
      field: 'components.api',
    });
    expect((await post(inc.id, { status: 'identified', body: 'x', components: { web: 'removed' } })).body.error.message).toContain(
      'or null to take it off the incident',
    );
    // Before: 422 "must be one of operational, …": a component once named stayed on the incident.
    const off = await post(inc.id, { status: 'identified', body: 'Not the website.', components: { web: null } });
    expect(off.status).toBe(201);
    expect(off.body.components.map((c: Json) => c.id)).toEqual(['api']);
    expect(off.body.incident_updates[0].affected_components).toEqual([
      { code: 'web', name: 'WEB', old_status: 'major_outage', new_status: 'operational', removed: true },
    ]);
    expect(await componentStatus('web')).toBe('operational');
    const v2 = (await publicDoc('incidents.json')).incidents.find((i: Json) => i.id === inc.id);
    expect(v2.components.map((c: Json) => c.id)).toEqual(['api']);
    expect(v2.incident_updates[0].affected_components).toEqual([
      { code: 'web', name: 'WEB', old_status: 'major_outage', new_status: 'operational' },
    ]);
  });

  it('beside an open outage, a milder incident changes no status: the admin API keeps its word and the status taken, v2 the status taken', async () => {
    const { body: a } = await declare({ impact: 'critical', components: { api: 'major_outage' } });
    const { body: b } = await declare({ name: 'Slow API', impact: 'minor', components: { api: 'degraded_performance' } });
    expect(await componentStatus('api')).toBe('major_outage');
    expect(b.incident_updates[0].affected_components).toEqual([
      { code: 'api', name: 'API', old_status: 'major_outage', new_status: 'degraded_performance', shown: 'major_outage' },
    ]);
    const v2 = (await publicDoc('incidents.json')).incidents.find((i: Json) => i.id === b.id);
    // Before: "major_outage → degraded_performance", which a Statuspage client applies to the component; then
    // "major_outage → major_outage", a change that was none. Null, as for an update that changes no status (the
    // incident's `components` still name the API).
    expect(v2.incident_updates[0].affected_components).toBeNull();
    expect(v2.components.map((c: Json) => c.id)).toEqual(['api']);
    expect(v2.components.find((c: Json) => c.id === 'api').status).toBe('major_outage');
    expect((await post(a.id, { status: 'resolved', body: 'Fixed.' })).status).toBe(201);
    expect(await componentStatus('api')).toBe('degraded_performance');
  });

  it('refuses postmortem as an update status (422) and an unknown incident (404)', async () => {
    const { body: inc } = await declare();
    expect((await post(inc.id, { status: 'postmortem', body: 'x' })).body.error).toMatchObject({ code: 'invalid', field: 'status' });
    const missing = await post('INC-2001-01-01-1', { status: 'identified', body: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });
});

describe('correcting an update', () => {
  it('changes the text and sets edited_at; the audit keeps the previous text; nobody is emailed', async () => {
    await p.herald.notify.subscribe({ email: 'reader@example.com', components: [] }, 'test');
    await confirmEveryone(p.herald.notify);
    const { body: inc } = await declare();
    const update = inc.incident_updates[0];
    await p.herald.notify.kick();
    const outbox = async () => (await call('/deliveries')).body.updates.map((u: Json) => [u.intent, u.queued + u.sent + u.failed]);
    const before = await outbox();
    expect(before).toEqual([[update.id, 1]]);

    const res = await call(`/incidents/${inc.id}/updates/${update.id}`, {
      method: 'PATCH',
      body: { body: 'We are investigating failed card payments.' },
    });
    expect(res.status).toBe(200);
    const corrected = res.body.incident_updates[0];
    expect(corrected).toMatchObject({ id: update.id, body: 'We are investigating failed card payments.', deliver_notifications: true });
    expect(corrected.edited_at).toEqual(expect.any(String));
    expect(update.edited_at).toBeNull();
    const event = (await call('/audit')).body.events[0];
    expect(event).toMatchObject({ action: 'incident.update.correct', target: `${inc.id}/${update.id}`, previous: 'We are investigating.' });
    await p.herald.notify.kick();
    expect(await outbox()).toEqual(before);
  });

  it('answers 404 for an unknown update', async () => {
    const { body: inc } = await declare();
    const res = await call(`/incidents/${inc.id}/updates/nope`, { method: 'PATCH', body: { body: 'x' } });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'not_found', field: 'updateId' });
  });
});

describe('postmortems', () => {
  it('GET gives a template from the runbook while none is saved', async () => {
    const { body: inc } = await declare();
    const { status, body } = await call(`/incidents/${inc.id}/postmortem`);
    expect(status).toBe(200);
    expect(body.postmortem).toBeNull();
    expect(body.template).toMatch(/^## Summary\n[\s\S]*\*\*Checkout failures\*\*/);
  });

  it("an open incident's template leaves its end to fill in: a draft of it published unchanged after the resolution is refused (422, naming the blanks)", async () => {
    const { body: inc } = await declare({ started_at: new Date(Date.now() - 2 * 3_600_000).toISOString() });
    const url = `/incidents/${inc.id}/postmortem`;
    const { template } = (await call(url)).body;
    // Before: "Duration: 2 h (… UTC to ongoing)", and no resolution in its timeline.
    expect(template).not.toContain('ongoing');
    expect(template).toContain('- **Duration:** [fill in: how long it lasted] (');
    expect(template).toContain(' to [fill in: when it was resolved])');
    expect(template).toMatch(
      /## Timeline\n[\s\S]*- \*\*\[fill in: when it was resolved\]\*\*: Resolved\. \[fill in: what ended it\]\n\n## Root cause/,
    );
    // Every other blank filled in, saved as a draft while it is open.
    const end = /\[fill in: (when it was resolved|how long it lasted|what ended it)\]/;
    const body = (template as string).replace(/\[fill in:[^\]]*\]/g, (blank) => (end.test(blank) ? blank : 'Written.'));
    expect((await call(url, { method: 'PUT', body: { body } })).status).toBe(200);
    await post(inc.id, { status: 'resolved', body: 'Fixed.' });
    const stored = await p.stored();
    const published = await call(url, { method: 'PUT', body: { publish: true } });
    expect(published.status).toBe(422);
    expect(published.body.error).toMatchObject({ code: 'placeholders', field: 'body' });
    expect(published.body.error.message).toContain('(in Impact, Timeline)');
    expect(await p.stored()).toBe(stored);
    // Taken again once resolved, the template knows its end.
    const again = (await call(url)).body.template as string;
    expect(again).not.toMatch(end);
    expect(again).toMatch(/- \*\*[^*\n]+\*\*: Resolved\. Fixed\.\n\n## Root cause/);
  });

  it('PUT saves a draft; publishing needs a resolved incident (409 incident_open), then its status reads postmortem', async () => {
    const { body: inc } = await declare();
    const draft = await call(`/incidents/${inc.id}/postmortem`, { method: 'PUT', body: { body: '## Summary\n\nA **bad** deploy.' } });
    expect(draft.status).toBe(200);
    expect(draft.body.status).toBe('investigating');
    expect(draft.body.postmortem).toMatchObject({ body: '## Summary\n\nA **bad** deploy.', published_at: null });
    const early = await call(`/incidents/${inc.id}/postmortem`, { method: 'PUT', body: { publish: true } });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'incident_open', field: 'publish' });

    await post(inc.id, { status: 'resolved', body: 'Fixed.' });
    const published = await call(`/incidents/${inc.id}/postmortem`, { method: 'PUT', body: { publish: true } });
    expect(published.status).toBe(200);
    expect(published.body.status).toBe('postmortem');
    expect(published.body.postmortem.body_html).toContain('<strong>bad</strong>');
    expect(published.body.postmortem.published_at).toEqual(expect.any(String));
    expect((await publicDoc('incidents.json')).incidents[0]).toMatchObject({ id: inc.id, status: 'postmortem' });
  });

  it('a plain save of a published postmortem is read by customers at once, so it is held to the blanks check too (422, the published text stays)', async () => {
    const { body: inc } = await declare();
    await post(inc.id, { status: 'resolved', body: 'Fixed.' });
    const url = `/incidents/${inc.id}/postmortem`;
    expect((await call(url, { method: 'PUT', body: { body: '## Summary\n\nAll good.', publish: true } })).status).toBe(200);
    const stored = await p.stored();
    // Before: 200, and "[fill in: what happened]" on the incident's page.
    const blank = await call(url, { method: 'PUT', body: { body: '## Summary\n\n[fill in: what happened]' } });
    expect(blank.status).toBe(422);
    expect(blank.body.error).toMatchObject({ code: 'placeholders', field: 'body' });
    expect(blank.body.error.message).toContain('withdraw it to keep a draft');
    expect(await p.stored()).toBe(stored);
    // A filled-in save keeps it published with the new text; withdrawing keeps any draft, blanks and all.
    const edited = await call(url, { method: 'PUT', body: { body: '## Summary\n\nAll good now.' } });
    expect(edited.body.postmortem).toMatchObject({ body: '## Summary\n\nAll good now.', published_at: expect.any(String) });
    const withdrawn = await call(url, { method: 'PUT', body: { body: '## Summary\n\n[fill in: what happened]', publish: false } });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toMatchObject({ status: 'resolved', postmortem: { published_at: null } });
    // From a hunt: a blank broken over two lines (Enter inside it) was published, and went unnamed beside another.
    const twoLines = '## Summary\n\n[fill in: what happened]\n\n## Impact\n\n- **Who:** [fill in: which customers,\nand how much]';
    const refused = await call(url, {
      method: 'PUT',
      body: { body: twoLines.replace('[fill in: what happened]', 'A bad index.'), publish: true },
    });
    expect([refused.status, refused.body.error.code]).toEqual([422, 'placeholders']);
    expect(refused.body.error.message).toContain('Impact');
    const both = await call(url, { method: 'PUT', body: { body: twoLines, publish: true } });
    expect(both.body.error.message).toMatch(/Summary.*Impact/);
  });

  it("GET's ETag sent back as If-Match refuses a save over one made since (412, nothing written); a retry of the same save and the new ETag pass", async () => {
    const { body: inc } = await declare();
    await post(inc.id, { status: 'resolved', body: 'Fixed.' });
    const url = `/incidents/${inc.id}/postmortem`;
    const none = (await call(url)).headers.get('etag');
    expect(none).toBe('"none"');
    // Two editors read it before either saved. Before: the second save silently replaced the first's text.
    const first = await call(url, { method: 'PUT', body: { body: '## Summary\n\nA bad index.' }, headers: { 'if-match': none! } });
    expect(first.status).toBe(200);
    const tag = first.headers.get('etag');
    expect(tag).toBe(`"${first.body.postmortem.updated_at}"`);
    const stored = await p.stored();
    const second = await call(url, { method: 'PUT', body: { body: '## Summary\n\nA bad deploy.' }, headers: { 'if-match': none! } });
    expect(second.status).toBe(412);
    expect(second.body.error).toMatchObject({ code: 'precondition_failed', field: 'If-Match' });
    expect(await p.stored()).toBe(stored);
    // The first editor's save sent again (a retry after a lost answer) finds its own result.
    const retry = await call(url, { method: 'PUT', body: { body: '## Summary\n\nA bad index.' }, headers: { 'if-match': none! } });
    expect(retry.status).toBe(200);
    expect(await p.stored()).toBe(stored);
    // With the current tag (weak, as a compressing proxy makes it, among others) the second editor's save goes in.
    const again = await call(url, {
      method: 'PUT',
      body: { body: '## Summary\n\nA bad deploy.' },
      headers: { 'if-match': `"x", W/${tag}` },
    });
    expect(again.status).toBe(200);
    expect(again.body.postmortem.body).toBe('## Summary\n\nA bad deploy.');
    expect((await call(url)).headers.get('etag')).toBe(again.headers.get('etag'));
    const bad = await call(url, { method: 'PUT', body: { body: 'x' }, headers: { 'if-match': 'yesterday' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.field).toBe('If-Match');
  });
});

describe('Idempotency-Key', () => {
  it('the same key and body give the same answer, replayed, and one incident', async () => {
    const first = await declare({}, { 'Idempotency-Key': 'declare-1' });
    const again = await declare({}, { 'Idempotency-Key': 'declare-1' });
    expect([first.status, again.status]).toEqual([201, 201]);
    expect([first.headers.get('idempotent-replayed'), again.headers.get('idempotent-replayed')]).toEqual([null, 'true']);
    expect(again.body).toEqual(first.body);
    expect((await call('/incidents')).body.incidents).toHaveLength(1);
  });

  it('the same key with another body is a 409 and changes nothing', async () => {
    await declare({}, { 'Idempotency-Key': 'declare-1' });
    const other = await declare({ name: 'Something else' }, { 'Idempotency-Key': 'declare-1' });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'idempotency_key_reused', field: 'Idempotency-Key' });
    expect((await call('/incidents')).body.incidents).toHaveLength(1);
  });

  it('a key is forgotten after a day even with no keyed write since: reused then, it makes a new incident', async () => {
    let clock = new Date('2026-12-01T09:00:00Z');
    const q = await openInProcess({}, { now: () => clock });
    try {
      const admin = async (path: string, body: Json, key: string) => {
        const res = await q.admin(path, { body, headers: { 'Idempotency-Key': key } });
        return { status: res.status, replayed: res.headers.get('idempotent-replayed'), body: (await res.json()) as Json };
      };
      expect((await q.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
      const alert = { name: 'Checkout failures', impact: 'major', body: 'We are investigating.', components: { api: 'partial_outage' } };
      const first = await admin('/incidents', alert, 'alert-4711');
      clock = new Date(clock.getTime() + 23 * 3_600_000);
      expect(await admin('/incidents', alert, 'alert-4711')).toMatchObject({ status: 201, replayed: 'true', body: { id: first.body.id } });
      // The alert fires again two days later with the same id: before, its day-old answer was replayed.
      clock = new Date(clock.getTime() + 25 * 3_600_000);
      const later = await admin('/incidents', { ...alert, name: 'Checkout failures again' }, 'alert-4711');
      expect(later).toMatchObject({ status: 201, replayed: null });
      expect(later.body.id).not.toBe(first.body.id);
      // Remembered afresh from then.
      expect(await admin('/incidents', { ...alert, name: 'Checkout failures again' }, 'alert-4711')).toMatchObject({
        replayed: 'true',
        body: { id: later.body.id },
      });
    } finally {
      await q.close();
    }
  });
});

describe('preview', () => {
  // The first stores nothing; the second declares its own incident.
  oneHerald();
  it('shows what a declare would publish (incident, update, email, banner) and stores nothing', async () => {
    const stored = await p.stored();
    const version = p.herald.store.version;
    const { status, body } = await call('/preview', {
      body: { name: 'Search down', impact: 'critical', body: 'Search is **down**.', components: { web: 'major_outage' } },
    });
    expect(status).toBe(200);
    expect(body.incident).toMatchObject({ name: 'Search down', status: 'investigating', impact: 'critical' });
    expect(body.incident.id).toMatch(/^INC-\d{4}-\d{2}-\d{2}-1$/);
    expect(body.update).toMatchObject({ status: 'investigating', body: 'Search is **down**.', notify: true });
    expect(body.update.body_html).toBe('<p>Search is <strong>down</strong>.</p>');
    expect(body.email).toMatchObject({ kind: 'disruption', recipients: 0 });
    expect(body.email.subject).toMatch(/^\[Herald Status\] .*Search down$/);
    expect(body.email.text).toContain('Search is down.');
    expect(body.banner).toMatchObject({ active: true, indicator: 'critical', title: 'Search down', message: 'Search is down.' });
    expect(await p.stored()).toBe(stored);
    expect(p.herald.store.version).toBe(version);
    expect((await call('/incidents')).body.incidents).toEqual([]);
    expect(await componentStatus('web')).toBe('operational');
  });

  it('shows what an update would publish (with incident_id) and stores nothing', async () => {
    const { body: inc } = await declare();
    const stored = await p.stored();
    const { status, body } = await call('/preview', { body: { incident_id: inc.id, status: 'resolved', body: 'All good.' } });
    expect(status).toBe(200);
    expect(body.incident).toMatchObject({ id: inc.id, status: 'resolved' });
    expect(body.incident.components[0]).toMatchObject({ id: 'api', status: 'operational' });
    expect(body.update).toMatchObject({ status: 'resolved', body: 'All good.', notify: true });
    expect(body.email).toMatchObject({ kind: 'restoration', recipients: 0 });
    expect(body.banner).toMatchObject({ active: false, indicator: 'none' });
    expect(await p.stored()).toBe(stored);
    expect((await call(`/incidents/${inc.id}`)).body.status).toBe('investigating');
    expect(await componentStatus('api')).toBe('partial_outage');
    // An unknown incident is refused on the field it was given in (before: `id`, which the request has not).
    const unknown = await call('/preview', { body: { incident_id: 'INC-1999-01-01-1', status: 'resolved', body: 'x' } });
    expect([unknown.status, unknown.body.error.code, unknown.body.error.field]).toEqual([404, 'not_found', 'incident_id']);
  });
});

describe('bodies that are not JSON, not UTF-8 or too large', () => {
  // Refused bodies store nothing; the 415 test, which declares two at its end, comes last.
  oneHerald();
  const raw = (body: BodyInit) =>
    p.request('/api/admin/incidents', {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
      body,
    });
  const errorOf = async (res: Response) => ({ status: res.status, ...((await res.json()) as Json).error });

  it('malformed JSON is 400 invalid_json', async () => {
    expect(await errorOf(await raw('{"name": "x",'))).toMatchObject({ status: 400, code: 'invalid_json' });
  });

  it('a body that is not UTF-8 is 400 invalid_utf8', async () => {
    const bytes = Buffer.from('{"name":"caf\u00e9","impact":"minor","body":"x"}', 'latin1');
    expect(await errorOf(await raw(new Uint8Array(bytes)))).toMatchObject({ status: 400, code: 'invalid_utf8' });
  });

  it('a body over 1 MB is 413, and nothing is stored', async () => {
    const big = JSON.stringify({ name: 'Big', impact: 'minor', body: 'a'.repeat(1024 * 1024) });
    expect(await errorOf(await raw(big))).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect((await call('/incidents')).body.incidents).toEqual([]);
  });

  it('a JSON body sent as another type, or as none, is 415 unsupported_media_type, and nothing is stored', async () => {
    const body = JSON.stringify({ name: 'Checkout failures', impact: 'minor', body: 'We are investigating.' });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', null]) {
      const headers: Record<string, string> = { authorization: `Bearer ${TEST_TOKEN}` };
      if (type) headers['content-type'] = type;
      // fetch labels a string body text/plain itself: a Blob without a type goes with none.
      const sent = type ? body : new Blob([body]);
      const res = await p.request('/api/admin/incidents', { method: 'POST', headers, body: sent });
      // Before: 201, the incident declared.
      expect(await errorOf(res), String(type)).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    }
    expect((await call('/incidents')).body.incidents).toEqual([]);
    // A JSON-based type, and parameters after the type, are JSON.
    for (const type of ['application/json; charset=utf-8', 'application/merge-patch+json']) {
      const res = await p.request('/api/admin/incidents', {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': type },
        body,
      });
      expect(res.status, type).toBe(201);
    }
  });
});
