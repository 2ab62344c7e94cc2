import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/domain/settings.ts';
import { SEVERITY_SCHEMES } from '../../src/domain/severity-schemes.ts';
import { heraldPerTest, openInProcess, type InProcess } from '../helpers/app.ts';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn } from '../helpers/console-session.ts';
import { text } from '../helpers/page.ts';
import { startSmtp } from '../helpers/smtp.ts';
import { until } from '../helpers/poll.ts';
import { confirmEveryone } from '../helpers/subscribers.ts';
import { POSTMORTEM_HEADINGS } from '../fixtures/postmortem-sections.ts';

/**
 * Severity levels, ETAs, "what happened", backfill order, notify defaults by
 * level and postmortem blanks, through the admin API in process; some checks
 * read the store itself (and, at the end, the pages of a real server).
 */
type Json = Record<string, any>;

let p: InProcess;
const call = async (path: string, init?: { method?: string; body?: unknown }) => {
  const res = await p.admin(path, init);
  return { status: res.status, body: (await res.json()) as Json };
};
const declare = (extra: Json) =>
  call('/incidents', {
    body: { name: 'Checkout failures', body: 'We are investigating.', components: { api: 'partial_outage' }, ...extra },
  });
const post = (id: string, body: Json) => call(`/incidents/${id}/updates`, { body });
const stored = (id: string) => p.herald.store.data.incidents.find((i) => i.id === id)!;
const banner = async () => (await (await p.request('/api/banner.json')).json()) as Json;
const levels = (id: string) => SEVERITY_SCHEMES.find((s) => s.id === id)!.levels;
const useScheme = async (id: string) =>
  expect((await call('/settings', { method: 'PUT', body: { ...DEFAULT_SETTINGS, severities: levels(id) } })).status).toBe(200);
/** deliver_notifications of each update, oldest first. */
const notifies = (inc: Json) => inc.incident_updates.map((u: Json) => u.deliver_notifications).reverse();
const MS_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const TOLD = { root_cause: 'A bad deploy.', resolution: 'Rolled back.', prevention: 'Canary deploys.' };
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

/** A Herald in process with the component `api`. */
const opened = async (): Promise<InProcess> => {
  const herald = await openInProcess();
  const res = await herald.admin('/components', { body: { id: 'api', name: 'API' } });
  expect(res.status).toBe(201);
  return herald;
};
// Each test on a Herald of its own; one its describe shares (oneHerald), for tests that each declare their own
// incident and read only it (and counts relative to their start); or none, for tests of a real server alone
// (noHeraldInProcess).
const { oneHerald, noHerald: noHeraldInProcess } = heraldPerTest(opened, (h) => {
  p = h;
});

describe('declaring with a severity level', () => {
  it('takes the impact of the level named, and keeps a copy of that level', async () => {
    const res = await declare({ severity: 'sev2' });
    expect(res.status).toBe(201);
    expect(res.body.impact).toBe('major');
    expect(stored(res.body.id).severity).toEqual(DEFAULT_SETTINGS.severities[1]);
    expect(p.herald.store.data.audit.at(-1)).toMatchObject({ action: 'incident.declare', detail: { impact: 'major', severity: 'sev2' } });
  });

  it('with an impact alone, picks the first (most severe) level with that impact; none when no level has it', async () => {
    const [p0, p1, p2] = levels('p0-p3');
    const put = await call('/settings', {
      method: 'PUT',
      body: { ...DEFAULT_SETTINGS, severities: [p0, { ...p1, impact: 'critical' }, p2] },
    });
    expect(put.status).toBe(200);
    const critical = await declare({ impact: 'critical' });
    expect(critical.status).toBe(201);
    expect(stored(critical.body.id).severity!.id).toBe('p0');
    const none = await declare({ impact: 'none' });
    expect(none.body.impact).toBe('none');
    expect(stored(none.body.id).severity).toBeNull();
  });

  it('refuses an unknown level (field severity), a conflicting impact (field impact) and neither (field severity); stores nothing', async () => {
    const unknown = await declare({ severity: 'sev9' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toEqual({
      code: 'invalid',
      field: 'severity',
      message: 'No severity level "sev9" (levels: sev1, sev2, sev3).',
    });
    const conflict = await declare({ severity: 'sev1', impact: 'minor' });
    expect(conflict.status).toBe(422);
    expect(conflict.body.error).toMatchObject({ code: 'invalid', field: 'impact' });
    const neither = await declare({});
    expect(neither.status).toBe(422);
    expect(neither.body.error).toMatchObject({ code: 'invalid', field: 'severity' });
    expect((await declare({ severity: 'sev1', impact: 'critical' })).status).toBe(201);
    expect(p.herald.store.data.incidents).toHaveLength(1);
  });

  it('after a scheme change, an earlier incident keeps its level; the new ids work and the old ones are refused', async () => {
    const before = await declare({ severity: 'sev1' });
    await useScheme('p0-p3');
    expect(stored(before.body.id).severity).toMatchObject({ id: 'sev1', label: 'SEV-1', impact: 'critical' });
    const p0 = await declare({ severity: 'p0' });
    expect(p0.status).toBe(201);
    expect(stored(p0.body.id).severity).toMatchObject({ id: 'p0', label: 'P0' });
    const old = await declare({ severity: 'sev1' });
    expect(old.status).toBe(422);
    expect(old.body.error.field).toBe('severity');
  });
});

describe('the estimated resolution (eta)', () => {
  it('is set on declare, kept, cleared by null, changed, refused on and cleared by the resolution', async () => {
    const at = Math.floor(Date.now() / 1000) * 1000 + 2 * 3_600_000;
    // Sent with an offset, without milliseconds: the banner writes it as its updated_at is written.
    const sent = `${new Date(at + 2 * 3_600_000).toISOString().slice(0, 19)}+02:00`;
    const inc = (await declare({ severity: 'sev2', eta: sent })).body;
    const first = await banner();
    expect(first.updated_at).toMatch(MS_ISO);
    expect(first.eta).toBe(new Date(at).toISOString());
    expect(first.eta).toMatch(MS_ISO);
    await post(inc.id, { status: 'identified', body: 'Found it.' });
    expect((await banner()).eta).toBe(new Date(at).toISOString());
    await post(inc.id, { status: 'identified', body: 'Not sure any more.', eta: null });
    expect((await banner()).eta).toBeNull();
    const later = new Date(at + 3_600_000).toISOString();
    await post(inc.id, { status: 'monitoring', body: 'A fix is out.', eta: later });
    expect((await banner()).eta).toBe(later);

    const refused = await post(inc.id, { status: 'resolved', body: 'Fixed.', eta: later });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'invalid', field: 'eta' });
    expect(stored(inc.id)).toMatchObject({ status: 'monitoring', eta: later });
    expect(stored(inc.id).updates).toHaveLength(4);

    expect((await post(inc.id, { status: 'resolved', body: 'Fixed.' })).status).toBe(201);
    expect(stored(inc.id).eta).toBeNull();
    expect(await banner()).toMatchObject({ active: false, eta: null });
  });
});

describe('what happened, and backfilled updates', () => {
  oneHerald();
  it('refuses root_cause, resolution or prevention on an update that does not resolve, a follow-up note included (the field sent)', async () => {
    const inc = (await declare({ severity: 'sev2' })).body;
    for (const told of [{ root_cause: 'A bad deploy.' }, { resolution: 'Rolled back.' }, { prevention: 'Canary deploys.' }]) {
      const res = await post(inc.id, { status: 'identified', body: 'Found it.', ...told });
      expect(res.status).toBe(422);
      // Before: root_cause, whichever was sent.
      expect(res.body.error).toMatchObject({ code: 'invalid', field: Object.keys(told)[0] });
    }
    expect(stored(inc.id).updates).toHaveLength(1);
    expect((await post(inc.id, { status: 'resolved', body: 'Fixed.', ...TOLD })).status).toBe(201);
    expect(stored(inc.id)).toMatchObject(TOLD);
    // A follow-up note on the resolved incident overwrote them, with no trace of what customers had read (201 before).
    const late = await post(inc.id, { status: 'resolved', body: 'One more thing.', root_cause: 'Something else.' });
    expect(late.status).toBe(422);
    expect(late.body.error).toMatchObject({ code: 'invalid', field: 'root_cause' });
    expect(stored(inc.id)).toMatchObject(TOLD);
    expect(stored(inc.id).updates).toHaveLength(2);
  });

  it('a backfill declared resolved (whose declare takes no root_cause) tells them once in a follow-up note, never over them', async () => {
    const inc = (await declare({ severity: 'sev2', status: 'resolved', started_at: minutesAgo(600) })).body;
    expect((await post(inc.id, { status: 'resolved', body: 'What happened.', ...TOLD })).status).toBe(201);
    expect(stored(inc.id)).toMatchObject(TOLD);
    expect((await post(inc.id, { status: 'resolved', body: 'Again.', root_cause: 'Something else.' })).status).toBe(422);
    expect(stored(inc.id)).toMatchObject(TOLD);
  });

  it('refuses a backfilled update dated before the latest one (field display_at) and stores nothing', async () => {
    const inc = (await declare({ severity: 'sev2', started_at: minutesAgo(60) })).body;
    expect((await post(inc.id, { status: 'identified', body: 'Found it.', display_at: minutesAgo(30) })).status).toBe(201);
    const events = p.herald.store.data.audit.length;
    const res = await post(inc.id, { status: 'monitoring', body: 'A fix is out.', display_at: minutesAgo(45) });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'invalid', field: 'display_at' });
    expect(stored(inc.id)).toMatchObject({ status: 'identified', monitoring_at: null });
    expect(stored(inc.id).updates).toHaveLength(2);
    expect(p.herald.store.data.audit).toHaveLength(events);
  });

  // From a hunt: a backfill's one update is dated at its start, so a note could be dated before its resolution
  // and read as "Resolved" above one that had not happened yet.
  it('refuses a note on a resolved incident dated before its resolution (field display_at)', async () => {
    const inc = (await declare({ severity: 'sev2', status: 'resolved', started_at: minutesAgo(120), resolved_at: minutesAgo(60) })).body;
    const early = await post(inc.id, { status: 'resolved', body: 'Follow-up.', display_at: minutesAgo(90) });
    expect(early.status).toBe(422);
    expect(early.body.error).toMatchObject({ code: 'invalid', field: 'display_at' });
    expect(early.body.error.message).toContain('resolution');
    expect(stored(inc.id).updates).toHaveLength(1);
    expect((await post(inc.id, { status: 'resolved', body: 'Follow-up.', display_at: minutesAgo(30) })).status).toBe(201);
  });
});

describe('who is emailed, by level', () => {
  it('under the defaults, a sev1 start emails subscribers and a sev3 start does not', async () => {
    expect(notifies((await declare({ severity: 'sev1' })).body)).toEqual([true]);
    expect(notifies((await declare({ severity: 'sev3' })).body)).toEqual([false]);
  });

  it('under sev1-sev3 (email after 60 min), neither the start nor a quick resolution emails', async () => {
    await useScheme('sev1-sev3');
    const inc = (await declare({ severity: 'sev1' })).body;
    expect(notifies(inc)).toEqual([false]);
    expect(notifies((await post(inc.id, { status: 'resolved', body: 'Fixed.' })).body)).toEqual([false, false]);
  });

  it('a sev3 declared with notify: true emails its start, then its resolution by default, but not the updates between', async () => {
    const inc = (await declare({ severity: 'sev3', notify: true })).body;
    await post(inc.id, { status: 'identified', body: 'Found it.' });
    expect(notifies((await post(inc.id, { status: 'resolved', body: 'Fixed.' })).body)).toEqual([true, false, true]);
  });

  it('under sev1-sev3, a preview shows the disruption notice already due at publish, and says when one falls due later', async () => {
    await useScheme('sev1-sev3');
    const started_at = minutesAgo(61);
    const declareBody = {
      name: 'Checkout failures',
      severity: 'sev1',
      body: 'We are investigating.',
      components: { api: 'partial_outage' },
    };
    const due = (await call('/preview', { body: { ...declareBody, started_at } })).body;
    // Before: "email": null, and publishing the same body sent the disruption notice within seconds.
    expect(due.email).toMatchObject({ kind: 'disruption', recipients: 0 });
    expect(due.email.text).toContain('We are investigating.');
    expect(due.late_notice_at).toBeNull();
    const published = (await declare({ severity: 'sev1', started_at })).body;
    await until(() => stored(published.id).late_notice_at, 'the late notice marked due');
    const later = (await call('/preview', { body: declareBody })).body;
    expect(later.email).toBeNull();
    expect(Date.parse(later.late_notice_at)).toBe(Date.parse(later.incident.started_at) + 60 * 60_000);
    // Declared without email, nothing is owed later either.
    expect((await call('/preview', { body: { ...declareBody, notify: false } })).body.late_notice_at).toBeNull();
  });

  it('a sev1 declared with notify: false does not email its resolution either', async () => {
    const inc = (await declare({ severity: 'sev1', notify: false })).body;
    expect(notifies((await post(inc.id, { status: 'resolved', body: 'Fixed.' })).body)).toEqual([false, false]);
  });
});

describe('re-grading with an update (severity)', () => {
  const SEV1 = DEFAULT_SETTINGS.severities[0]!;

  it('takes the level and its impact (admin JSON, the v2 API); the update records the change; an unknown level is 422 severity; a follow-up note cannot change it', async () => {
    const inc = (await declare({ severity: 'sev3' })).body;
    expect(inc.impact).toBe('minor');
    const unknown = await post(inc.id, { status: 'identified', body: 'Worse.', severity: 'sev9' });
    expect([unknown.status, unknown.body.error.field]).toEqual([422, 'severity']);
    const notText = await post(inc.id, { status: 'identified', body: 'Worse.', severity: 1 });
    expect([notText.status, notText.body.error.field]).toEqual([422, 'severity']);
    expect(stored(inc.id).updates).toHaveLength(1);

    const res = await post(inc.id, {
      status: 'identified',
      body: 'Now all logins fail.',
      components: { api: 'major_outage' },
      severity: 'sev1',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ impact: 'critical', severity: SEV1 });
    expect(res.body.incident_updates[0].severity_change).toEqual({
      from: { id: 'sev3', label: 'SEV-3', impact: 'minor' },
      to: { id: 'sev1', label: 'SEV-1', impact: 'critical' },
      direction: 'raised',
    });
    expect(res.body.incident_updates[1].severity_change).toBeNull();
    const v2 = (await (await p.request(`/api/v2/incidents/unresolved.json`)).json()) as Json;
    expect(v2.incidents.find((i: Json) => i.id === inc.id).impact).toBe('critical');
    expect(p.herald.store.data.audit.at(-1)).toMatchObject({
      action: 'incident.severity',
      detail: { change: 'Severity raised from SEV-3 to SEV-1' },
    });

    expect((await post(inc.id, { status: 'resolved', body: 'Fixed.' })).status).toBe(201);
    const note = await post(inc.id, { status: 'resolved', body: 'It was worse.', severity: 'sev2' });
    expect(note.status).toBe(409);
    expect(note.body.error).toMatchObject({ code: 'incident_resolved', field: 'severity' });
    expect(stored(inc.id).severity!.id).toBe('sev1');
  });

  it('a SEV-3 raised to SEV-1 emails subscribers its disruption notice, with the SEV-1 impact and cadence', async () => {
    await p.close();
    const smtp = await startSmtp();
    try {
      p = await openInProcess({ SMTP_URL: smtp.url });
      await p.herald.notify.ready;
      expect((await call('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
      await p.herald.notify.subscribe({ email: 'reader@example.com', components: [] }, 'test');
      await confirmEveryone(p.herald.notify);
      const inc = (await declare({ severity: 'sev3' })).body;
      const res = await post(inc.id, {
        status: 'identified',
        body: 'Now all logins fail.',
        components: { api: 'major_outage' },
        severity: 'sev1',
      });
      expect(notifies(res.body)).toEqual([false, true]);
      const mails = async () => Promise.all(smtp.received.map((r) => smtp.parse(r)));
      await until(
        async () => (await mails()).some((m) => m.subject?.includes('Service disruption: Checkout failures')),
        'the disruption notice',
      );
      const notices = (await mails()).filter((m) => !/Confirm your subscription/.test(m.subject ?? ''));
      expect(notices).toHaveLength(1);
      const text = notices[0]!.text ?? '';
      expect(text).toContain(`Impact: ${SEV1.description}`);
      expect(text).not.toContain('A minor issue');
      expect(text).toContain('at least every 30 minutes');
      expect(text).toContain('Now all logins fail.');
    } finally {
      // The Herald this test opened (closing one twice does nothing): heraldPerTest closes the one it gave.
      await p.close();
      await smtp.close();
    }
  });
});

describe('postmortem blanks', () => {
  oneHerald();
  // The sections to fill in: all but the timeline, which the record fills.
  const SECTIONS = POSTMORTEM_HEADINGS.filter((s) => s !== 'Timeline');

  it('the template has every runbook section, with an action items table', async () => {
    const inc = (await declare({ severity: 'sev1' })).body;
    await post(inc.id, { status: 'resolved', body: 'Fixed.' });
    const { template } = (await call(`/incidents/${inc.id}/postmortem`)).body;
    const headings = [...template.matchAll(/^## (.+)$/gm)].map((m: RegExpMatchArray) => m[1]);
    expect(headings).toEqual([...POSTMORTEM_HEADINGS]);
    // The runbook's table (Status: a new action is Open) and its prevention in three parts.
    expect(template).toContain('| Action | Owner | Due | Priority | Status |\n');
    expect(template).toMatch(/\| \[fill in: date\] \| \[fill in: P0 [^|]+\] \| Open \|\n/);
    const prevention = template.slice(template.indexOf('## Prevention'));
    expect([...prevention.matchAll(/^\*\*(.+):\*\*$/gm)].map((m: RegExpMatchArray) => m[1])).toEqual([
      'Short term (within a week)',
      'Long term (within a month)',
      'Monitoring',
    ]);
    // The runbook's action-item priorities, P0 to P3 with their due windows, and the incident's reference.
    expect(template).toContain(
      '[fill in: P0 (due within 48 hours: prevents a recurrence of the most severe level), P1 (1 week), P2 (2 weeks) or P3 (1 month)]',
    );
    expect(template).toContain(`- **Incident:** ${inc.id}\n`);
  });

  it('refuses to publish the untouched template (placeholders), previews its blanks, and publishes once they are filled', async () => {
    const inc = (await declare({ severity: 'sev1' })).body;
    await post(inc.id, { status: 'resolved', body: 'Fixed.' });
    const { template } = (await call(`/incidents/${inc.id}/postmortem`)).body;
    const refused = await call(`/incidents/${inc.id}/postmortem`, { method: 'PUT', body: { body: template, publish: true } });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'placeholders', field: 'body' });
    expect(refused.body.error.message).toContain(`(in ${SECTIONS.join(', ')})`);
    expect(stored(inc.id)).toMatchObject({ status: 'resolved', postmortem: null });

    const preview = (await call(`/incidents/${inc.id}/postmortem/preview`, { body: { body: template } })).body;
    expect(preview.unfilled_sections).toEqual(SECTIONS);
    expect(preview.body_html).toContain('<h4>Root cause</h4>');

    const filled = template.replace(/\[fill in:[^\]]*\]/g, 'Written by the team.');
    expect((await call(`/incidents/${inc.id}/postmortem/preview`, { body: { body: filled } })).body.unfilled_sections).toEqual([]);
    const published = await call(`/incidents/${inc.id}/postmortem`, { method: 'PUT', body: { body: filled, publish: true } });
    expect(published.status).toBe(200);
    expect(published.body.status).toBe('postmortem');
    expect(published.body.postmortem.published_at).toEqual(expect.any(String));
  });

  it("gives the worst severity reached, and the re-grades in the timeline in customers' words", async () => {
    const inc = (await declare({ severity: 'sev2' })).body;
    await post(inc.id, { status: 'identified', body: 'Worse.', severity: 'sev1' });
    await post(inc.id, { status: 'monitoring', body: 'Calmer.', severity: 'sev3' });
    await post(inc.id, { status: 'resolved', body: 'Fixed.' });
    const { template } = (await call(`/incidents/${inc.id}/postmortem`)).body;
    const sev1 = DEFAULT_SETTINGS.severities.find((l) => l.id === 'sev1')!;
    expect(template).toContain(`- **Severity:** ${sev1.description}\n`);
    expect(template).toMatch(/: Identified\. Impact raised to Critical\. Worse\.\n/);
    expect(template).toMatch(/: Monitoring\. Impact lowered to Minor\. Calmer\.\n/);
  });

  it('fills Root cause, Resolution and Prevention from what the resolving update told', async () => {
    const inc = (await declare({ severity: 'sev1' })).body;
    await post(inc.id, { status: 'resolved', body: 'Fixed.', ...TOLD });
    const preview = (await call(`/incidents/${inc.id}/postmortem/preview`, { body: {} })).body;
    // Prevention keeps the runbook's three parts to fill beside what was told (before: the told sentence alone).
    expect(preview.unfilled_sections).toEqual(SECTIONS.filter((s) => !['Root cause', 'Resolution'].includes(s)));
    expect(preview.body).toContain('## Root cause\n\nA bad deploy.');
    const prevention = preview.body.slice(preview.body.indexOf('## Prevention'));
    expect(prevention).toMatch(/^## Prevention\n\nCanary deploys\.\n\n\*\*Short term \(within a week\):\*\*\n/);
    expect([...prevention.matchAll(/^\*\*(.+):\*\*$/gm)].map((m: RegExpMatchArray) => m[1])).toEqual([
      'Short term (within a week)',
      'Long term (within a month)',
      'Monitoring',
    ]);
  });

  it("tells each update's news in the timeline, without the promises and facts that were true only then", async () => {
    const inc = (await declare({ severity: 'sev1' })).body;
    const identified =
      'We have identified the issue affecting API and are working on a fix. We will provide the next update within 1 hour.\n\n' +
      '- **Affected services:** API\n- **Estimated resolution:** 21:51 UTC';
    await post(inc.id, { status: 'identified', body: identified });
    await post(inc.id, { status: 'resolved', body: 'This incident has been resolved. Thank you for your patience.' });
    const { template } = (await call(`/incidents/${inc.id}/postmortem`)).body;
    const timeline = template.slice(template.indexOf('## Timeline'), template.indexOf('## Root cause'));
    // Before: "Identified. We have identified … fix. We will provide the next update within 1 hour. - Affected services: API - …"
    expect(timeline).toMatch(/: Identified\. We have identified the issue affecting API and are working on a fix\.\n/);
    expect(timeline).toMatch(/: Resolved\. This incident has been resolved\.\n/);
    expect(timeline).not.toMatch(/next update|Estimated resolution|Affected services/);
  });
});

describe('the pages (a real server)', () => {
  noHeraldInProcess();
  let h: HeraldProcess;
  const admin = async (path: string, body: Json, method = 'POST') => {
    const res = await h.admin(path, { method, body });
    expect(res.status).toBeLessThan(300);
    return (await res.json()) as Json;
  };
  beforeAll(async () => {
    h = await startHerald();
  });
  afterAll(() => stopAll(h));

  it('the console shows an incident’s declared label after the scheme changed, and the new label for a new one', async () => {
    const old = await admin('/incidents', { name: 'Old', severity: 'sev1', body: 'Down.' });
    await admin('/settings', { ...DEFAULT_SETTINGS, severities: levels('p0-p3') }, 'PUT');
    const fresh = await admin('/incidents', { name: 'New', severity: 'p0', body: 'Down.' });
    const { cookie } = await signIn(h);
    const page = async (id: string) => (await fetch(`${h.url}/admin/incidents/${id}`, { headers: { cookie } })).text();
    expect(await page(old.id)).toContain('<span class="pill impact-critical">SEV-1</span>');
    expect(await page(fresh.id)).toContain('<span class="pill impact-critical">P0</span>');
  });

  it('the public incident page shows a "What happened" section with what the resolution told', async () => {
    const inc = await admin('/incidents', { name: 'Told', impact: 'major', body: 'Slow.' });
    await admin(`/incidents/${inc.id}/updates`, { status: 'resolved', body: 'Fixed.', ...TOLD });
    const html = await (await fetch(`${h.url}/incidents/${inc.id}`)).text();
    const section = /<section class="told"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    expect(text(section)).toBe('What happened Root cause A bad deploy. Resolution Rolled back. Prevention Canary deploys.');
  });
});
