import { describe, expect, it } from 'vitest';
import { emptyDb, type Db } from '../../src/domain/model.ts';
import type { VerbContext } from '../../src/domain/context.ts';
import { createComponent, editComponent } from '../../src/domain/components/manage.ts';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { postUpdate } from '../../src/domain/incidents/post-update.ts';
import { scheduleMaintenance } from '../../src/domain/maintenance/schedule.ts';
import {
  cancelMaintenance,
  completeMaintenance,
  noteMaintenance,
  startMaintenance,
  verifyMaintenance,
} from '../../src/domain/maintenance/transitions.ts';
import { rescheduleMaintenance } from '../../src/domain/maintenance/reschedule.ts';
import { reminderAt } from '../../src/domain/maintenance/due.ts';
import type { Maintenance } from '../../src/domain/model.ts';
import { noticeIntents, noticeKind, reminderKey } from '../../src/notify/intents.ts';
import { renderConfirm, renderNotice, renderSubscribed } from '../../src/notify/render.ts';
import { formatDuration } from '../../src/domain/overall.ts';
import { wantsMail as wants, type Subscriber } from '../../src/store/mail/model.ts';
import { effectiveComponents, followedNames } from '../../src/domain/components/following.ts';
import { renderMarkdown } from '../../src/render/markdown.ts';
import { maintenanceTemplate, updateTemplate } from '../../src/console/templates.ts';
import { incidentTemplate } from '../../src/console/form-defaults.ts';

const now = new Date('2026-11-23T10:00:00Z');
function world(): { db: Db; ctx: (at?: Date) => VerbContext } {
  const db = emptyDb('page', now.toISOString());
  const ctx = (at = now): VerbContext => ({ db, now: at, actor: 'test', markdown: renderMarkdown });
  createComponent(ctx(), { id: 'api', name: 'API' });
  createComponent(ctx(), { id: 'web', name: 'Web & <Docs>' });
  return { db, ctx };
}

/** The site a notice is rendered for, with placeholder links (each subscriber gets their own). */
const siteOf = (db: Db, timeZone = 'UTC', siteUrl = 'https://status.example.com') =>
  ({ siteName: 'Acme', siteUrl, db, unsubscribeUrl: 'u', manageUrl: 'm', timeZone }) as const;

/** A window on the API, 01:00–02:00 UTC on 24 Nov 2026, scheduled with a notice. */
function windowOf() {
  const { db, ctx } = world();
  const m = scheduleMaintenance(ctx(), {
    name: 'DB upgrade',
    scheduled_for: '2026-11-24T01:00:00Z',
    scheduled_until: '2026-11-24T02:00:00Z',
    components: ['api'],
    notify: true,
  });
  return { db, ctx, m };
}

/** A confirmed subscriber of these components. */
const subscriber = (components: string[]): Subscriber => ({
  t: 's',
  id: 'a',
  seq: 1,
  email: 'a@example.com',
  state: 'confirmed',
  components,
  confirms: 1,
  requested_at: '',
  created_at: '',
  updated_at: '',
  confirmed_at: '',
  unsubscribed_at: null,
  suppressed: null,
  suppressed_at: null,
});
describe('notice policy: which updates email whom, as which kind', () => {
  it('a major incident: disruption on declare, silence on a plain update, update when ticked, restoration on resolve', () => {
    const { db, ctx } = world();
    const inc = declareIncident(ctx(), {
      name: 'API down',
      impact: 'major',
      status: 'investigating',
      body: 'Looking.',
      components: { api: 'major_outage' },
    });
    postUpdate(ctx(), inc.id, { status: 'identified', body: 'Found it.' });
    postUpdate(ctx(), inc.id, { status: 'monitoring', body: 'Fix out.', notify: true });
    postUpdate(ctx(), inc.id, { status: 'resolved', body: 'Fixed.' });
    const intents = noticeIntents(db);
    expect(intents.map((i) => i.kind)).toEqual(['disruption', 'update', 'restoration']);
    expect(intents.map((i) => i.update.status)).toEqual(['investigating', 'monitoring', 'resolved']);
  });

  it('a minor incident notifies only when ticked; notify: false silences a critical one', () => {
    const { db, ctx } = world();
    declareIncident(ctx(), { name: 'Slow', impact: 'minor', status: 'investigating', body: 'x', components: {} });
    const crit = declareIncident(ctx(), {
      name: 'Down',
      impact: 'critical',
      status: 'investigating',
      body: 'x',
      components: {},
      notify: false,
    });
    postUpdate(ctx(), crit.id, { status: 'resolved', body: 'ok', notify: false });
    expect(noticeIntents(db)).toEqual([]);
  });

  it('a note emailed after the resolution is a follow-up (an update), even when nobody was emailed before', () => {
    const { db, ctx } = world();
    const inc = declareIncident(ctx(), { name: 'Slow', impact: 'minor', status: 'investigating', body: 'x', components: {} });
    postUpdate(ctx(), inc.id, { status: 'resolved', body: 'Fixed.' });
    postUpdate(ctx(), inc.id, { status: 'resolved', body: 'What we changed since.', notify: true });
    expect(noticeIntents(db).map((i) => [i.update.body, i.kind])).toEqual([['What we changed since.', 'update']]);
  });

  it('maintenance updates are maintenance notices, and a due reminder is its own notice', () => {
    const { db, m } = windowOf();
    expect(noticeIntents(db).map((i) => [i.key, i.kind])).toEqual([[m.updates[0]!.id, 'maintenance']]);
    m.reminded_at = '2026-11-24T00:00:00.000Z';
    expect(noticeIntents(db).map((i) => [i.key, i.kind])).toEqual([
      [m.updates[0]!.id, 'maintenance'],
      [reminderKey(m.id, m.reminded_at), 'maintenance'],
    ]);
    expect(noticeIntents(db).at(-1)!.key).toBe(`${m.id}:reminder:20261124T000000Z`);
    // Moved and reminded again, even back to the start it had: a notice of its own, not the one already sent.
    const first = noticeIntents(db).at(-1)!.key;
    m.reminded_at = '2026-11-24T01:00:00.000Z';
    expect(noticeIntents(db).at(-1)!.key).not.toBe(first);
    expect(noticeIntents(db).at(-1)!.key).toBe(`${m.id}:reminder:20261124T010000Z`);
    expect(noticeKind(m, m.updates[0]!)).toBe('maintenance');
    // Started (or over, or cancelled): a reminder not yet sent is owed no more.
    m.status = 'in_progress';
    expect(noticeIntents(db).map((i) => i.key)).toEqual([m.updates[0]!.id]);
  });

  it('only subscribers of an affected component, or of everything, who confirmed and did not bounce', () => {
    const base = subscriber([]);
    const existing = new Set(['api', 'web']);
    expect(wants(base, ['api'], existing)).toBe(true);
    expect(wants({ ...base, components: ['api'] }, ['api', 'web'], existing)).toBe(true);
    expect(wants({ ...base, components: ['web'] }, ['api'], existing)).toBe(false);
    expect(wants({ ...base, components: ['web'] }, [], existing)).toBe(true);
    expect(wants({ ...base, state: 'pending' }, ['api'], existing)).toBe(false);
    expect(wants({ ...base, state: 'unsubscribed' }, ['api'], existing)).toBe(false);
    expect(wants({ ...base, suppressed: '550 5.1.1' }, ['api'], existing)).toBe(false);
  });

  it('a subscriber whose components were all deleted hears about everything; one with some left, about those', () => {
    const base = subscriber(['gone']);
    const existing = new Set(['api', 'web']);
    expect(wants(base, ['api'], existing)).toBe(true);
    expect(wants({ ...base, state: 'pending' }, ['api'], existing)).toBe(false);
    expect(wants({ ...base, suppressed: '550 5.1.1' }, ['api'], existing)).toBe(false);
    // Some of their choice is left: that part is their filter.
    expect(wants({ ...base, components: ['gone', 'web'] }, ['api'], existing)).toBe(false);
    expect(wants({ ...base, components: ['gone', 'web'] }, ['web'], existing)).toBe(true);
    // A notice about the deleted component itself (a past incident's postmortem) still reaches who chose it.
    expect(wants({ ...base, components: ['gone', 'web'] }, ['gone'], existing)).toBe(true);
    // Re-created with the same id: followed again.
    expect(wants(base, ['api'], new Set(['api', 'gone']))).toBe(false);
    const components = [
      { id: 'api', name: 'API' },
      { id: 'web', name: 'Web' },
    ] as Db['components'];
    expect(effectiveComponents(['gone', 'web'], { components })).toEqual(['web']);
    expect(effectiveComponents(['gone'], { components })).toEqual([]);
    expect(effectiveComponents([], { components })).toEqual([]);
    expect(followedNames(['web', 'gone', 'api'], { components, groups: [] })).toEqual(['Web', 'API']);
  });
});

describe('templates', () => {
  const hostile = 'Outage <img src=x onerror=alert(1)> & "quotes"';
  function rendered(
    kind: 'disruption' | 'restoration',
    body = 'We are **investigating** <script>alert(1)</script> [link](javascript:alert(1)) a=b',
    also?: (w: ReturnType<typeof world>) => void,
    resolvedWith = 'Fixed.',
  ) {
    const w = world();
    const { db, ctx } = w;
    also?.(w);
    const inc = declareIncident(ctx(), {
      name: hostile,
      impact: 'critical',
      status: 'investigating',
      components: { web: 'major_outage' },
      body,
    });
    if (kind === 'restoration') postUpdate(ctx(new Date('2026-11-23T11:30:00Z')), inc.id, { status: 'resolved', body: resolvedWith });
    const update = inc.updates.at(-1)!;
    return renderNotice({
      kind,
      siteName: 'Acme <Status>',
      siteUrl: 'https://status.example.com/',
      incident: inc,
      update,
      db,
      unsubscribeUrl: 'https://status.example.com/unsubscribe/tok?a=1&b=2',
      manageUrl: 'https://status.example.com/subscribe/manage/tok2',
    });
  }

  it('escapes names in HTML and keeps only the sanitized body as HTML', () => {
    const mail = rendered('disruption');
    expect(mail.html).not.toContain('<img src=x');
    expect(mail.html).toContain('Outage &lt;img src&#x3D;x onerror&#x3D;alert(1)&gt; &amp; &quot;quotes&quot;');
    expect(mail.html).toContain('Acme &lt;Status&gt;');
    expect(mail.html).toContain('Web &amp; &lt;Docs&gt;');
    expect(mail.html).not.toContain('<script');
    expect(mail.html).not.toContain('javascript:');
    expect(mail.html).toContain('<strong>investigating</strong>');
    expect(mail.html).toContain('href="https://status.example.com/unsubscribe/tok?a&#x3D;1&amp;b&#x3D;2"');
  });

  it('the preheader cut from the body never splits an emoji (its half would reach the reader as U+FFFD)', () => {
    const mail = rendered('disruption', `xy ${'\u{1F600}'.repeat(200)}`);
    expect(mail.html.isWellFormed()).toBe(true);
    expect(mail.html).toContain(`Investigating: xy ${'\u{1F600}'.repeat(57)}…<`);
  });

  it('the preheader is one line, cut between words with an ellipsis', () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`);
    const html = rendered('disruption', `First line.\n\n${words.join(' ')}`).html;
    const preheader = /Investigating: First line\. word0 word1 [^<]*</.exec(html)?.[0];
    expect(preheader).toBeDefined();
    expect(preheader).toMatch(/ word\d+…<$/);
  });

  // From a hunt: the runbook's own resolution words are all said by the email already (left out of its text),
  // and the inbox's preview line was "Resolved: " and nothing.
  it('the preheader of a notice whose text the email already says names the incident', () => {
    const mail = rendered('restoration', undefined, undefined, 'The issue has been resolved.\n\nAll services are operating normally.');
    expect(mail.html).toMatch(/>Resolved: Outage &lt;img[^<]*</);
  });

  it('plain text is not HTML-escaped', () => {
    const mail = rendered('disruption');
    expect(mail.text).toContain(hostile);
    expect(mail.text).toContain('Web & <Docs>');
    expect(mail.text).toContain('a=b');
    expect(mail.text).not.toContain('&#x3D;');
    expect(mail.text).toContain('Unsubscribe: https://status.example.com/unsubscribe/tok?a=1&b=2');
    expect(mail.text).toContain('https://status.example.com/incidents/INC-2026-11-23-1');
  });

  it('follows the runbook notices: labeled fields, the promise as it will be kept, no internal severity label', () => {
    const d = rendered('disruption');
    // The affected services are named by their field, not again in the opening.
    expect(d.text).toContain(`We are currently experiencing an issue, “${hostile}”. Our team`);
    expect(d.text).toContain('Current status: Investigating\n');
    expect(d.text).toContain('Impact: A complete outage, or a critical function unavailable for most customers\n');
    expect(d.text).toContain('Affected services: Web & <Docs>\n');
    expect(d.text).toContain('Started: 23 Nov 2026, 10:00 UTC\n');
    expect(d.text).toContain('Estimated resolution: not known yet\n');
    expect(d.text).toContain('Incident reference: INC-2026-11-23-1\n');
    expect(d.text).toContain(
      'We will post updates on our status page at least every 30 minutes (the next by 23 Nov 2026, 10:30 UTC), and email you when it is resolved',
    );
    expect(d.text).not.toMatch(/SEV-1|Severity:/);
    expect(d.text).toContain('The Acme <Status> team');
    const r = rendered('restoration');
    // When, in its field alone (the opening said "as of" it too).
    expect(r.text).toContain('has been resolved.\n');
    expect(r.text).toContain('Resolved at: 23 Nov 2026, 11:30 UTC\n');
    expect(r.text).toContain('Duration: 1 h 30 min\n');
    expect(r.text).toContain('All services are now operating normally.');
    expect(r.text).not.toContain('Estimated resolution');
  });

  it('a body left as the template states each fact once: the email keeps its fields and leaves out the lines restating them', () => {
    const { db, ctx } = world();
    const tz = 'Asia/Tokyo';
    const eta = '2026-11-23T12:00:00.000Z';
    const level = db.settings.severities[0]!;
    const facts = { components: ['API'], level, startedAt: null, eta, now, timeZone: tz };
    const inc = declareIncident(ctx(), {
      name: 'API down',
      severity: level.id,
      status: 'investigating',
      body: updateTemplate('investigating', facts),
      components: { api: 'major_outage' },
      eta,
    });
    const site = siteOf(db, tz);
    const d = renderNotice({ ...site, kind: 'disruption', incident: inc, update: inc.updates.at(-1)! });
    const count = (text: string, what: string) => text.split(what).length - 1;
    // Before: each twice, "- Affected services: API" in the body, then "Affected services: API" as a field.
    for (const label of ['Affected services:', 'Estimated resolution:', 'Started']) expect(count(d.text, label), label).toBe(1);
    // The email dates its estimate; the body's line, which gives it as the page reads it beside the update, still goes.
    expect(d.text).toContain('Estimated resolution: 23 Nov 2026, 21:00 GMT+9\n');
    expect(d.text).toContain('We are investigating reports of problems with API.');
    for (const label of ['Affected services:', 'Estimated resolution:', 'Started']) expect(count(d.html, label), label).toBe(1);

    const resolvedAt = new Date('2026-11-23T11:30:00Z');
    const resolving = updateTemplate('resolved', { ...facts, startedAt: inc.started_at, resolvedAt: null, eta: null, now: resolvedAt });
    postUpdate(ctx(resolvedAt), inc.id, { status: 'resolved', body: resolving });
    const r = renderNotice({ ...site, kind: 'restoration', incident: inc, update: inc.updates.at(-1)! });
    for (const label of ['Resolved at', 'uration:']) expect(count(r.text, label), label).toBe(1);
    expect(r.text).toContain('Duration: 1 h 30 min\n');
    expect(r.text).not.toContain('- Affected services');
    // Before: "We apologize for the inconvenience and thank you for your patience." in the body and the closing.
    expect(count(r.text, 'We apologize')).toBe(1);
    expect(count(r.text, 'thank you for your patience')).toBe(1);
    expect(r.text).toContain('We will continue monitoring to ensure stability.');
  });

  it('a maintenance notice left as the template names the affected services once, in its field; a line saying other services stays', () => {
    const { db, ctx } = world();
    const schedule = (body: string) =>
      scheduleMaintenance(ctx(), {
        name: 'DB upgrade',
        scheduled_for: '2026-11-24T01:00:00Z',
        scheduled_until: '2026-11-24T02:00:00Z',
        components: ['api', 'web'],
        body,
        notify: true,
      });
    const mail = (m: Maintenance) => renderNotice({ ...siteOf(db), kind: 'maintenance', incident: m, update: m.updates.at(-1)! });
    const count = (text: string, what: string) => text.split(what).length - 1;
    const body = maintenanceTemplate(['API', 'Web & <Docs>']);
    // The name as Markdown that shows it as it is (before, the sanitizer took "<Docs>" from the sentence).
    expect(body).toContain('- **Affected services:** API and Web & \\<Docs>');
    const m = mail(schedule(body));
    // Before: twice, "- Affected services: API and Web & <Docs>" from the body, then the field.
    expect(count(m.text, 'Affected services:')).toBe(1);
    expect(m.text).toContain('\nAffected services: API and Web & <Docs>\n');
    expect(m.text).toContain('We will be performing scheduled maintenance on API and Web & <Docs>.');
    expect(count(m.html, 'Affected services:')).toBe(1);
    // The Comms Lead's own line (another value) is not the field's: it stays.
    const own = mail(schedule(body.replace(/\*\* API and Web & \\<Docs>$/, '** API only, for a minute')));
    expect(count(own.text, 'Affected services:')).toBe(2);
  });

  it('an update that keeps an estimate passed by then says so, in its field and in the template body, once', () => {
    const { db, ctx } = world();
    const tz = 'Asia/Tokyo';
    const eta = new Date(now.getTime() + 30 * 60_000).toISOString();
    const level = db.settings.severities[0]!;
    const inc = declareIncident(ctx(), {
      name: 'API down',
      severity: level.id,
      status: 'investigating',
      body: 'Looking.',
      components: { api: 'major_outage' },
      eta,
    });
    const later = new Date(now.getTime() + 2 * 3_600_000);
    const body = updateTemplate('identified', { components: ['API'], level, startedAt: inc.started_at, eta, now: later, timeZone: tz });
    expect(body).toContain('**Estimated resolution:** 19:30 GMT+9 (passed)');
    postUpdate(ctx(later), inc.id, { status: 'identified', body, notify: true });
    const site = siteOf(db, tz);
    const u = renderNotice({ ...site, kind: 'update', incident: inc, update: inc.updates.at(-1)! });
    // Before: "Estimated resolution: 19:30 GMT+9" two hours after it, as a promise.
    expect(u.text).toContain('Estimated resolution: 23 Nov 2026, 19:30 GMT+9 (passed)\n');
    expect(u.text.split('Estimated resolution:').length - 1).toBe(1);
    // The disruption notice, sent when the estimate was ahead, states it plainly.
    const d = renderNotice({ ...site, kind: 'disruption', incident: inc, update: inc.updates[0]! });
    expect(d.text).toContain('Estimated resolution: 23 Nov 2026, 19:30 GMT+9\n');
  });

  it("a relative link in an update works in the email: resolved against the site's URL, in the HTML and the text", () => {
    const { db, ctx } = world();
    const body = 'Past issues are on [our history](/history); see [the API](https://api.example.com/) too.';
    const inc = declareIncident(ctx(), {
      name: 'API down',
      impact: 'major',
      status: 'investigating',
      body,
      components: { api: 'major_outage' },
    });
    const site = siteOf(db, 'UTC', 'https://status.example.com/');
    const d = renderNotice({ ...site, kind: 'disruption', incident: inc, update: inc.updates[0]! });
    // Before: href="/history", which goes nowhere in a mail client, and "our history" with no URL in the text.
    expect(d.html).toContain('href="https://status.example.com/history"');
    expect(d.html).toContain('href="https://api.example.com/"');
    expect(d.text).toContain('our history (https://status.example.com/history)');
    expect(d.text).toContain('the API (https://api.example.com/)');
    // The page keeps the link as typed: it resolves against itself.
    expect(inc.updates[0]!.body_html).toContain('href="/history"');
  });

  it('a late disruption notice, due after the estimate it repeats, says it has passed', () => {
    const { db, ctx } = world();
    const eta = new Date(now.getTime() + 15 * 60_000).toISOString();
    const inc = declareIncident(ctx(), {
      name: 'API slow',
      impact: 'minor',
      status: 'investigating',
      body: 'Looking.',
      components: { api: 'degraded_performance' },
      eta,
    });
    // The level emails once the incident has lasted 30 minutes: the notice falls due at 10:30, after the 10:15 estimate.
    inc.late_notice_at = new Date(now.getTime() + 30 * 60_000).toISOString();
    const intent = noticeIntents(db).find((i) => i.kind === 'disruption' && i.incident.id === inc.id)!;
    const site = siteOf(db);
    const d = renderNotice({ ...site, kind: intent.kind, incident: inc, update: intent.update, at: intent.at });
    // Before: "Estimated resolution: 10:15 UTC", a promise already broken when it was sent.
    expect(d.text).toContain('Estimated resolution: 23 Nov 2026, 10:15 UTC (passed)\n');
  });

  it('an email dates its estimate: past midnight a time alone read as before the start', () => {
    const { db, ctx } = world();
    const tz = 'Europe/Paris';
    // Started 23:57 on 5 Dec in Paris; updated at 00:01 on the 6th, expected to end at 01:57 on the 6th.
    const inc = declareIncident(ctx(new Date('2026-12-05T22:57:00Z')), {
      name: 'API down',
      impact: 'major',
      status: 'investigating',
      body: 'Looking.',
      components: { api: 'major_outage' },
    });
    postUpdate(ctx(new Date('2026-12-05T23:01:00Z')), inc.id, {
      status: 'identified',
      body: 'A bad deploy.',
      eta: '2026-12-06T00:57:00.000Z',
      notify: true,
    });
    const u = renderNotice({ ...siteOf(db, tz), kind: 'update', incident: inc, update: inc.updates.at(-1)! });
    expect(u.text).toContain('Started: 5 Dec 2026, 23:57 CET\n');
    // Before: "Estimated resolution: 01:57 CET", below a start at 23:57.
    expect(u.text).toContain('Estimated resolution: 6 Dec 2026, 01:57 CET\n');
  });

  it("a body left as the template states the update rhythm once: the email's promise keeps it, the body's sentence is left out", () => {
    const { db, ctx } = world();
    const level = db.settings.severities[0]!; // updates every 30 minutes
    expect(level.update_every_minutes).toBe(30);
    const facts = { components: ['API'], level, startedAt: null, eta: null, now, timeZone: 'UTC' };
    const inc = declareIncident(ctx(), {
      name: 'API down',
      severity: level.id,
      status: 'investigating',
      body: updateTemplate('investigating', facts),
      components: { api: 'major_outage' },
    });
    const site = siteOf(db);
    const d = renderNotice({ ...site, kind: 'disruption', incident: inc, update: inc.updates.at(-1)! });
    const count = (text: string, what: string) => text.split(what).length - 1;
    // Before: "We will provide updates at least every 30 minutes." in the body, then "We will post updates on our
    // status page at least every 30 minutes (the next by …)" in the promise.
    expect(inc.updates[0]!.body).toContain(
      'We are investigating reports of problems with API. We will provide updates at least every 30 minutes.',
    );
    for (const mail of [d.text, d.html]) {
      expect(count(mail, 'every 30 minutes')).toBe(1);
      expect(mail).toContain('We are investigating reports of problems with API.');
      expect(mail).not.toContain('We will provide updates');
    }
    expect(d.text).toContain('We will post updates on our status page at least every 30 minutes (the next by');
    // The page keeps it: it has no promise of its own.
    expect(inc.updates[0]!.body_html).toContain('We will provide updates at least every 30 minutes.');

    // An emailed update left as its template ("We will provide the next update within 30 minutes."): the same.
    postUpdate(ctx(new Date(now.getTime() + 10 * 60_000)), inc.id, {
      status: 'identified',
      body: updateTemplate('identified', facts),
      notify: true,
    });
    const u = renderNotice({ ...site, kind: 'update', incident: inc, update: inc.updates.at(-1)! });
    for (const mail of [u.text, u.html]) {
      expect(mail).not.toContain('We will provide the next update within 30 minutes.');
      expect(mail).toContain('We have identified the issue affecting API and are working on a fix.');
      expect(count(mail, 'every 30 minutes')).toBe(1);
    }

    // A rhythm the Comms Lead wrote otherwise stays, beside the promise.
    postUpdate(ctx(new Date(now.getTime() + 20 * 60_000)), inc.id, {
      status: 'identified',
      body: 'A fix is being tested. We will provide updates every 10 minutes.',
      notify: true,
    });
    const own = renderNotice({ ...site, kind: 'update', incident: inc, update: inc.updates.at(-1)! });
    expect(own.text).toContain('A fix is being tested. We will provide updates every 10 minutes.');

    // A level without a cadence: "as more information becomes available" in the body, "as the situation develops" in the promise.
    const loose = { ...level, id: 'loose', update_every_minutes: null };
    db.settings.severities.push(loose);
    const other = declareIncident(ctx(), {
      name: 'Docs slow',
      severity: 'loose',
      status: 'investigating',
      body: updateTemplate('investigating', { ...facts, level: loose }),
      components: { web: 'degraded_performance' },
    });
    expect(other.updates[0]!.body).toContain('We will provide updates as more information becomes available.');
    const l = renderNotice({ ...site, kind: 'disruption', incident: other, update: other.updates.at(-1)! });
    expect(l.text).not.toContain('We will provide updates');
    expect(l.text).toContain('We will post updates on our status page as the situation develops');
  });

  it('promises the next update from the time one dated back reads, and none already past when it is sent', () => {
    const { db, ctx } = world();
    const inc = declareIncident(ctx(), { name: 'Payments', impact: 'critical', status: 'investigating', body: 'Looking.', components: {} });
    const later = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
    const notice = () => renderNotice({ ...siteOf(db), kind: 'update', incident: inc, update: inc.updates.at(-1)! }).text;
    // Posted at 10:35, telling of 10:20: the next is due at 10:50, as the console counts it.
    postUpdate(ctx(later(35)), inc.id, {
      status: 'identified',
      body: 'Rolled back at 10:20.',
      display_at: later(20).toISOString(),
      notify: true,
    });
    expect(notice()).toContain('at least every 30 minutes (the next by 23 Nov 2026, 10:50 UTC)');
    // Posted at 11:30, telling of 10:40: 11:10 has passed when it is sent.
    postUpdate(ctx(later(90)), inc.id, {
      status: 'monitoring',
      body: 'Watching since 10:40.',
      display_at: later(40).toISOString(),
      notify: true,
    });
    expect(notice()).toContain('at least every 30 minutes, and email you');
  });

  it('a line the Comms Lead changed stays in the email, beside the field', () => {
    const { db, ctx } = world();
    const body = 'Payments fail.\n\n- **Affected services:** API\n- **Estimated resolution:** once the bank answers';
    const inc = declareIncident(ctx(), {
      name: 'Payments',
      impact: 'critical',
      status: 'investigating',
      body,
      components: { api: 'major_outage' },
    });
    const site = siteOf(db);
    const d = renderNotice({ ...site, kind: 'disruption', incident: inc, update: inc.updates.at(-1)! });
    expect(d.text).not.toContain('- Affected services: API');
    expect(d.text).toContain('- Estimated resolution: once the bank answers\n');
    expect(d.text).toContain('Estimated resolution: not known yet\n');
  });

  it('a body written the runbook way, with plain field lines, states each fact once too; a sentence merely naming them stays', () => {
    const { db, ctx } = world();
    const eta = '2026-11-23T12:00:00.000Z';
    // The runbook's "In Progress Update": plain lines, no list marker.
    const body = [
      'We have identified the issue affecting API and are working on a fix.',
      'Affected services: API',
      'Estimated resolution: 12:00 UTC',
      'The affected services: API and its docs, share one database.',
      'Estimated resolution: 12:00 UTC, if the bank answers',
      '',
      'Updated at: 23 Nov 2026, 10:00 UTC',
    ].join('\n');
    const inc = declareIncident(ctx(), {
      name: 'Payments',
      impact: 'critical',
      status: 'identified',
      body,
      components: { api: 'major_outage' },
      eta,
    });
    const d = renderNotice({ ...siteOf(db), kind: 'disruption', incident: inc, update: inc.updates.at(-1)! });
    for (const part of [d.text, d.html]) {
      // Before: twice each, "Affected services: API" and "Estimated resolution: 12:00 UTC" in the body, then as fields.
      expect(part.match(/Affected services:(<\/th><td[^>]*>| )API(\n|<)/g), part).toHaveLength(1);
      // The field dates the estimate (an email always does); the body's undated line of the same estimate goes.
      expect(part.match(/Estimated resolution:(<\/th><td[^>]*>| )(23 Nov 2026, )?12:00 UTC(\n|<)/g), part).toHaveLength(1);
      expect(part).toMatch(/Estimated resolution:(<\/th><td[^>]*>| )23 Nov 2026, 12:00 UTC(\n|<)/);
      expect(part).toContain('We have identified the issue affecting API and are working on a fix.');
      expect(part).toContain('The affected services: API and its docs, share one database.');
      expect(part).toContain('Estimated resolution: 12:00 UTC, if the bank answers');
      expect(part).toContain('Updated at: 23 Nov 2026, 10:00 UTC');
    }
  });

  it('a restoration says once that every service works: the resolved template’s sentence goes from the quoted body, its closing stays', () => {
    const { db, ctx } = world();
    const inc = declareIncident(ctx(), {
      name: 'API down',
      impact: 'critical',
      status: 'investigating',
      body: 'Down.',
      components: { api: 'major_outage' },
    });
    const at = new Date('2026-11-23T11:30:00Z');
    const template = updateTemplate('resolved', {
      components: ['API'],
      level: null,
      startedAt: inc.started_at,
      eta: null,
      now: at,
      timeZone: 'UTC',
    });
    expect(template).toMatch(/^The issue has been resolved\. All services are operating normally\.\n/);
    const { update } = postUpdate(ctx(at), inc.id, { status: 'resolved', body: template });
    const r = renderNotice({ ...siteOf(db), kind: 'restoration', incident: inc, update });
    for (const part of [r.text, r.html]) {
      // Before: twice, "All services are operating normally." in the body and "… now operating normally." in the closing.
      expect(part.match(/All services are (now )?operating normally/g)).toEqual(['All services are now operating normally']);
      // The body's "The issue has been resolved." goes too: the opening says it.
      expect(part.match(/has been resolved/g)).toHaveLength(1);
      expect(part).toContain('We will continue monitoring to ensure stability.');
    }
    // The page keeps the update as written.
    expect(inc.updates.at(-1)!.body).toBe(template);
  });

  it('while another incident is open, a restoration does not say all services work: its closing says others are open', () => {
    // From a hunt: the runbook's resolved text pasted through the API kept "All services are operating normally."
    // above "Other issues are still open".
    const { db, ctx } = world();
    const open = { impact: 'major' as const, status: 'investigating' as const, body: 'Down.' };
    declareIncident(ctx(), { ...open, name: 'Search down', components: {} });
    const inc = declareIncident(ctx(), { ...open, name: 'API down', components: { api: 'major_outage' } });
    const { update } = postUpdate(ctx(), inc.id, {
      status: 'resolved',
      body: 'The issue has been resolved.\n\nAll services are operating normally.',
    });
    const r = renderNotice({ ...siteOf(db), kind: 'restoration', incident: inc, update });
    for (const part of [r.text, r.html]) {
      expect(part).not.toMatch(/All services are (now )?operating normally/);
      expect(part).toContain('Other issues are still open');
    }
  });

  it('a body that only repeated what the notice says leaves no empty box in the HTML; a body with more keeps its box', () => {
    const { db, ctx } = world();
    const level = db.settings.severities[0]!; // updates every 30 minutes
    const box = /<div dir="auto" class="hb-quote" style="[^"]*border-left:4px solid[^"]*">([\s\S]*?)<\/div>/g;
    const inc = declareIncident(ctx(), {
      name: 'API down',
      severity: level.id,
      status: 'investigating',
      // Only the rhythm, which the notice's promise states: left out of the email.
      body: 'We will provide updates at least every 30 minutes.',
      components: { api: 'major_outage' },
    });
    const site = siteOf(db);
    const boxes = (html: string) => [...html.matchAll(box)].map((m) => m[1]);
    expect(boxes(renderNotice({ ...site, kind: 'disruption', incident: inc, update: inc.updates[0]! }).html)).toEqual([]);
    const { update: noted } = postUpdate(ctx(), inc.id, { status: 'identified', body: 'Found it.', notify: true });
    expect(boxes(renderNotice({ ...site, kind: 'update', incident: inc, update: noted }).html)).toEqual(['<p>Found it.</p>']);
    const { update: resolved } = postUpdate(ctx(), inc.id, {
      status: 'resolved',
      body: 'The issue has been resolved. All services are operating normally.',
    });
    const r = renderNotice({ ...site, kind: 'restoration', incident: inc, update: resolved });
    expect(boxes(r.html)).toEqual([]);
    expect(r.html).toContain('All services are now operating normally.');
    // The text part goes from the opening to the fields, with no gap where the body was.
    expect(r.text).toMatch(/has been resolved\.\n\nResolved at:/);
  });

  it('each notice states a fact once: the field keeps it, the opening and the quoted template body do not repeat it', () => {
    const { db, ctx } = world();
    const facts = { components: ['API'], level: null, startedAt: null, eta: null, now, timeZone: 'UTC' };
    const inc = declareIncident(ctx(), {
      name: 'API down',
      impact: 'critical',
      status: 'investigating',
      body: updateTemplate('investigating', facts),
      components: { api: 'major_outage' },
    });
    const site = siteOf(db);
    const count = (text: string, what: string | RegExp) => text.split(what).length - 1;
    const d = renderNotice({ ...site, kind: 'disruption', incident: inc, update: inc.updates.at(-1)! });
    // Before: "We are currently experiencing an issue, “API down”, affecting API." above "Affected services: API".
    expect(d.text).toContain('\nWe are currently experiencing an issue, “API down”. Our team is actively working to resolve it.\n');
    expect(d.html).toContain(
      '>We are currently experiencing an issue, “<span dir="auto">API down</span>”. Our team is actively working to resolve it.</p>',
    );
    expect(d.text).toContain('\nAffected services: API\n');
    const { update: noted } = postUpdate(ctx(), inc.id, { status: 'identified', body: 'Found it.', notify: true });
    const u = renderNotice({ ...site, kind: 'update', incident: inc, update: noted });
    expect(u.text).toContain('\nHere is an update on the issue “API down”.\n');
    expect(u.text).toContain('\nAffected services: API\n');

    const at = new Date('2026-11-23T11:30:00Z');
    const resolving = updateTemplate('resolved', { ...facts, startedAt: inc.started_at, now: at });
    const { update } = postUpdate(ctx(at), inc.id, { status: 'resolved', body: resolving });
    const r = renderNotice({ ...site, kind: 'restoration', incident: inc, update });
    for (const part of [r.text, r.html]) {
      // Before: "has been resolved as of 23 Nov 2026, 11:30 UTC", "The issue has been resolved." (the body) and
      // "Resolved at: 23 Nov 2026, 11:30 UTC": the time twice, the resolution three times.
      expect(count(part, '23 Nov 2026, 11:30 UTC'), part).toBe(1);
      expect(count(part, /has been resolved/), part).toBe(1);
      // The name is isolated in the HTML, so that a right-to-left one keeps its own direction inside the sentence.
      expect(part.replaceAll('<span dir="auto">API down</span>', 'API down')).toContain(
        'The issue “API down”, affecting API, has been resolved.',
      );
      expect(part).toMatch(/Resolved at:(<\/th><td[^>]*>| )23 Nov 2026, 11:30 UTC/);
      expect(part).toContain('We will continue monitoring to ensure stability.');
    }
    const { update: note } = postUpdate(ctx(new Date('2026-11-23T12:00:00Z')), inc.id, {
      status: 'resolved',
      body: 'We replaced the disk.',
      notify: true,
    });
    const f = renderNotice({ ...site, kind: 'update', incident: inc, update: note });
    // Before: "…, which affected API. It was resolved as of 23 Nov 2026, 11:30 UTC." above both fields.
    expect(f.text).toContain('\nHere is a follow-up on the issue “API down”. It was resolved.\n');
    expect(count(f.text, '23 Nov 2026, 11:30 UTC')).toBe(1);
    expect(count(f.text, 'API,')).toBe(0);
  });

  it('a restoration while another incident is open does not say every service works', () => {
    const other = (w: ReturnType<typeof world>) =>
      declareIncident(w.ctx(new Date('2026-11-23T09:00:00Z')), {
        name: 'Other',
        impact: 'critical',
        status: 'investigating',
        body: 'Down.',
        components: {},
      });
    const r = rendered('restoration', 'Looking.', other);
    // Before: "All services are now operating normally." through the other outage.
    for (const part of [r.text, r.html]) {
      expect(part).not.toContain('All services are now operating normally');
      expect(part).toContain('Other issues are still open: our status page shows how each service is doing.');
    }
  });

  it('a restoration while a maintenance window runs does not say every service works, nor does the resolved template', () => {
    const { db, ctx, m } = windowOf();
    const at = (iso: string) => ctx(new Date(iso));
    const inc = declareIncident(at('2026-11-24T00:30:00Z'), {
      name: 'DB errors',
      impact: 'major',
      status: 'investigating',
      body: 'Errors.',
      components: { api: 'partial_outage' },
    });
    startMaintenance(at('2026-11-24T01:00:00Z'), m.id);
    const resolvedAt = new Date('2026-11-24T01:10:00Z');
    const template = incidentTemplate({ db, timeZone: 'UTC', now: resolvedAt }, inc, 'resolved', ['api'], null);
    // Before: "The issue has been resolved. All services are operating normally." with the API under maintenance.
    expect(template).toMatch(/^The issue has been resolved\.\n/);
    const { update } = postUpdate(ctx(resolvedAt), inc.id, { status: 'resolved', body: template });
    expect(db.components.find((c) => c.id === 'api')!.status).toBe('under_maintenance');
    const r = renderNotice({ ...siteOf(db), kind: 'restoration', incident: inc, update });
    for (const part of [r.text, r.html]) {
      // Before: "All services are now operating normally." in the closing.
      expect(part).not.toMatch(/All services are (now )?operating normally/);
      expect(part).toContain('Scheduled maintenance is still under way: our status page shows how each service is doing.');
    }
    // Once the window is over, a restoration says all is normal again.
    completeMaintenance(at('2026-11-24T02:00:00Z'), m.id);
    const later = declareIncident(at('2026-11-24T03:00:00Z'), {
      name: 'Blip',
      impact: 'minor',
      status: 'investigating',
      body: 'x',
      components: {},
    });
    const done = postUpdate(at('2026-11-24T03:05:00Z'), later.id, { status: 'resolved', body: 'Fixed.' }).update;
    expect(renderNotice({ ...siteOf(db), kind: 'restoration', incident: later, update: done }).text).toContain(
      'All services are now operating normally.',
    );
  });

  it('an incident resolved within seconds lasted "under 1 min", not "0 min"', () => {
    const { db, ctx } = world();
    const inc = declareIncident(ctx(), { name: 'Blip', impact: 'major', status: 'investigating', body: 'Errors.', components: {} });
    postUpdate(ctx(new Date(now.getTime() + 20_000)), inc.id, { status: 'resolved', body: 'Gone.' });
    const site = siteOf(db);
    const mail = renderNotice({ ...site, kind: 'restoration', incident: inc, update: inc.updates.at(-1)! });
    expect(mail.text).toContain('Duration: under 1 min\n');
    expect(formatDuration(0)).toBe('under 1 min');
    expect(formatDuration(1)).toBe('1 min');
    // Days keep their minutes: before, "4 d 0 h" for 4 days 30 minutes.
    expect(formatDuration(4 * 1440 + 30)).toBe('4 d 0 h 30 min');
    expect(formatDuration(3 * 1440 + 4 * 60)).toBe('3 d 4 h');
    expect(formatDuration(47 * 60 + 59)).toBe('47 h 59 min');
  });

  it('a restoration for an update written before days kept their minutes leaves its "Total duration: 4 d 0 h" line out too', () => {
    const { db, ctx } = world();
    const inc = declareIncident(ctx(), {
      name: 'Queue stalled',
      impact: 'major',
      status: 'investigating',
      body: 'Stalled.',
      components: {},
    });
    // The resolved template as a release before 2026-12 filled it in, the restoration sent after the upgrade.
    const body = 'The issue has been resolved.\n\n- **Total duration:** 4 d 0 h\n\nThe queue drained.';
    postUpdate(ctx(new Date(now.getTime() + (4 * 1440 + 30) * 60_000)), inc.id, { status: 'resolved', body });
    const mail = renderNotice({ ...siteOf(db), kind: 'restoration', incident: inc, update: inc.updates.at(-1)! });
    expect(mail.text).toContain('Duration: 4 d 0 h 30 min\n');
    // Before: "Total duration: 4 d 0 h" below "Duration: 4 d 0 h 30 min", two spans for one incident.
    expect(mail.text).not.toContain('4 d 0 h\n');
    expect(mail.text).toContain('The queue drained.');
  });

  it('an update that raised the impact says so, as the page does; one that left it says nothing of it', () => {
    const { db, ctx } = world();
    const inc = declareIncident(ctx(), { name: 'Slow API', severity: 'sev2', status: 'investigating', body: 'Slow.', components: {} });
    postUpdate(ctx(new Date(now.getTime() + 60_000)), inc.id, { status: 'identified', body: 'Down now.', severity: 'sev1' });
    postUpdate(ctx(new Date(now.getTime() + 120_000)), inc.id, { status: 'identified', body: 'Rolling back.', notify: true });
    const site = siteOf(db);
    const mail = (i: number) => renderNotice({ ...site, kind: 'update', incident: inc, update: inc.updates[i]! });
    expect(inc.updates[1]!.notify).toBe(true);
    expect(mail(1).text).toContain('Here is an update on the issue “Slow API”. Impact raised to Critical.\n');
    expect(mail(1).html).toContain('Here is an update on the issue “<span dir="auto">Slow API</span>”. Impact raised to Critical.</p>');
    expect(mail(2).text).toContain('Here is an update on the issue “Slow API”.\n');
    // Sent late (a retry) after a lowering: the raise's email still tells the impact and cadence it raised to.
    postUpdate(ctx(new Date(now.getTime() + 180_000)), inc.id, { status: 'monitoring', body: 'Calmer.', severity: 'sev3' });
    expect(mail(1).text).toContain('Impact: A complete outage, or a critical function unavailable for most customers\n');
    expect(mail(1).text).toContain('at least every 30 minutes');
  });

  it('an update once a fix is out (Monitoring), or a follow-up after the resolution, states no impact: the level tells how bad it was', () => {
    const { db, ctx } = world();
    const inc = declareIncident(ctx(), { name: 'Card payments', severity: 'sev1', status: 'investigating', body: 'Down.', components: {} });
    const at = (min: number) => ctx(new Date(now.getTime() + min * 60_000));
    postUpdate(at(1), inc.id, { status: 'identified', body: 'Found it.', notify: true });
    postUpdate(at(2), inc.id, { status: 'monitoring', body: 'A fix has been implemented.', notify: true });
    postUpdate(at(3), inc.id, { status: 'resolved', body: 'Fixed.' });
    postUpdate(at(4), inc.id, { status: 'resolved', body: 'A note.', notify: true });
    const site = siteOf(db);
    const mail = (i: number) => renderNotice({ ...site, kind: 'update', incident: inc, update: inc.updates[i]! });
    const impact = 'A complete outage, or a critical function unavailable for most customers';
    expect(mail(1).text).toContain(`Impact: ${impact}\n`);
    // Before: "Current status: Monitoring" and "Impact: A complete outage, …" in one email.
    for (const i of [2, 4]) {
      expect(mail(i).text).not.toContain('Impact:');
      expect(mail(i).html).not.toContain(impact);
    }
    // A disruption notice sent with the monitoring update (the first subscribers hear) still says how bad it is.
    expect(renderNotice({ ...site, kind: 'disruption', incident: inc, update: inc.updates[2]! }).text).toContain(`Impact: ${impact}\n`);
  });

  it('a resolution while a component is still in trouble (set by hand) does not say all services work', () => {
    const { db, ctx } = world();
    const inc = declareIncident(ctx(), {
      name: 'Webhooks down',
      severity: 'sev1',
      status: 'investigating',
      body: 'Down.',
      components: { api: 'major_outage' },
    });
    // A resolving update may no longer leave one in trouble (append-update.ts); an admin may still set one by hand.
    editComponent(ctx(new Date(now.getTime() + 30_000)), 'web', { status: 'degraded_performance' });
    postUpdate(ctx(new Date(now.getTime() + 60_000)), inc.id, { status: 'resolved', body: 'Mostly fixed.' });
    const mail = renderNotice({ ...siteOf(db), kind: 'restoration', incident: inc, update: inc.updates[1]! });
    // Before: "All services are now operating normally." beside an API still degraded.
    expect(mail.text).not.toContain('All services are now operating normally');
    expect(mail.text).toContain('Other issues are still open');
  });

  it('signs with a sign-off of two lines as two lines, in the text and the HTML', () => {
    const { db, ctx } = world();
    db.settings.signoff = 'Best regards,\nMgmtVibe Operations Team';
    const inc = declareIncident(ctx(), { name: 'Card payments', severity: 'sev1', status: 'investigating', body: 'Down.', components: {} });
    postUpdate(ctx(new Date(now.getTime() + 60_000)), inc.id, { status: 'resolved', body: 'Fixed.' });
    for (const [kind, update] of [
      ['disruption', inc.updates[0]!],
      ['restoration', inc.updates[1]!],
    ] as const) {
      const mail = renderNotice({ ...siteOf(db), kind, incident: inc, update });
      expect(mail.text).toContain('\nBest regards,\nMgmtVibe Operations Team\n');
      expect(mail.html).toContain('>Best regards,<br>MgmtVibe Operations Team</p>');
    }
  });

  it('says what each notice is in a one-line subject with the incident name', () => {
    expect(rendered('disruption').subject).toBe(`[Acme <Status>] Service disruption: ${hostile}`);
    expect(rendered('restoration').subject).toBe(`[Acme <Status>] Service restored: ${hostile}`);
  });

  describe('each step of a maintenance window says what it is, in subject, opening and status', () => {
    const mail = (m: Maintenance, at = -1, reminder = false) =>
      renderNotice({
        kind: 'maintenance',
        siteName: 'Acme',
        siteUrl: 'https://status.example.com',
        incident: m,
        update: m.updates.at(at)!,
        db: world().db,
        unsubscribeUrl: 'https://status.example.com/unsubscribe/t',
        manageUrl: 'https://status.example.com/subscribe/manage/t',
        reminder,
      });
    const WINDOW = '24 Nov 2026, 01:00 UTC to 24 Nov 2026, 02:00 UTC';
    const expectNotice = (
      m: ReturnType<typeof mail>,
      subject: string,
      opening: string,
      status: string,
      window: [string, string],
      after: RegExp,
      movedFrom?: string,
    ) => {
      expect(m.subject).toBe(`[Acme] ${subject}: DB upgrade`);
      expect(m.text).toContain(`\nDear customers,\n\n${opening}\n`);
      const moved = movedFrom ? `Moved from: ${movedFrom}\n` : '';
      expect(m.text).toContain(`\nCurrent status: ${status}\n${window[0]}: ${window[1]}\n${moved}Affected services: API\n`);
      expect(m.text).toMatch(after);
      expect(m.html).toContain(`<h1 style="margin:0 0 16px;font-size:20px;">${subject}: <span dir="auto">DB upgrade</span></h1>`);
      expect(m.html).toContain(`>${opening.replace(/“/, '“')}</p>`);
      expect(m.html).toContain(`>Current status:</th><td dir="auto" style="padding:3px 0;">${status}</td>`);
    };
    const FOLLOW = /\nFollow it on our status page: https:\/\/status\.example\.com\/incidents\/MNT-/;
    const DETAILS = /\nThe details are on our status page: https:\/\/status\.example\.com\/incidents\/MNT-/;

    it('scheduled, its reminder, started, a note, extended, verifying and completed', () => {
      const { ctx, m } = windowOf();
      expectNotice(
        mail(m),
        'Scheduled maintenance',
        'We have scheduled maintenance, “DB upgrade”, on API.',
        'Scheduled',
        ['Window', WINDOW],
        FOLLOW,
      );
      expectNotice(
        mail(m, -1, true),
        'Reminder: scheduled maintenance',
        'This is a reminder of our scheduled maintenance, “DB upgrade”, on API.',
        'Scheduled',
        ['Window', WINDOW],
        FOLLOW,
      );
      const at = (t: string) => ctx(new Date(t));
      startMaintenance(at('2026-11-24T01:00:00Z'), m.id, { notify: true });
      expectNotice(
        mail(m),
        'Maintenance started',
        'Our scheduled maintenance, “DB upgrade”, on API, has started and is now in progress.',
        'In progress',
        ['Window', 'Started 24 Nov 2026, 01:00 UTC; scheduled to end 24 Nov 2026, 02:00 UTC'],
        FOLLOW,
      );
      noteMaintenance(at('2026-11-24T01:20:00Z'), m.id, { body: 'Half of the databases are done.', notify: true });
      expectNotice(
        mail(m),
        'Maintenance update',
        'Here is an update on our scheduled maintenance, “DB upgrade”, on API.',
        'In progress',
        // A note on running work tells it as running (it read as the planned window, still to come).
        ['Window', 'Started 24 Nov 2026, 01:00 UTC; scheduled to end 24 Nov 2026, 02:00 UTC'],
        FOLLOW,
      );
      rescheduleMaintenance(at('2026-11-24T01:30:00Z'), m.id, { scheduled_until: '2026-11-24T03:00:00Z', notify: true });
      expectNotice(
        mail(m),
        'Maintenance extended',
        'Our maintenance, “DB upgrade”, on API, will take longer than planned: its window has been extended.',
        'In progress',
        ['New window', 'Started 24 Nov 2026, 01:00 UTC; scheduled to end 24 Nov 2026, 03:00 UTC'],
        FOLLOW,
      );
      // Its end brought forward again: said as such. Before: "Maintenance extended … will take longer than planned".
      rescheduleMaintenance(at('2026-11-24T01:40:00Z'), m.id, { scheduled_until: '2026-11-24T02:45:00Z', notify: true });
      expectNotice(
        mail(m),
        'Maintenance ending earlier',
        'Our maintenance, “DB upgrade”, on API, will end earlier than planned.',
        'In progress',
        ['New window', 'Started 24 Nov 2026, 01:00 UTC; scheduled to end 24 Nov 2026, 02:45 UTC'],
        FOLLOW,
      );
      expect(m.updates.at(-1)!.body).toBe('This maintenance will now end earlier, at 24 Nov 2026, 02:45 UTC.');
      verifyMaintenance(at('2026-11-24T02:30:00Z'), m.id, { notify: true });
      expectNotice(
        mail(m),
        'Maintenance being verified',
        'The work of our scheduled maintenance, “DB upgrade”, on API, is done, and we are verifying that everything works as expected.',
        'Verifying',
        ['Window', 'Started 24 Nov 2026, 01:00 UTC; scheduled to end 24 Nov 2026, 02:45 UTC'],
        FOLLOW,
      );
      completeMaintenance(at('2026-11-24T02:40:00Z'), m.id, { notify: true });
      const done = mail(m);
      expectNotice(
        done,
        'Maintenance completed',
        'Our scheduled maintenance, “DB upgrade”, on API, has been completed.',
        'Completed',
        // When it really ran: done at 02:40, not by the window's 03:00, which would read as still to come.
        ['Carried out', '24 Nov 2026, 01:00 UTC to 24 Nov 2026, 02:40 UTC'],
        DETAILS,
      );
      expect(done.text).not.toMatch(/We have scheduled|Follow it/);
    });

    it('a reminder after a quiet move says the window moved, and from what subscribers were told; after a told move it does not', () => {
      const { ctx, m } = windowOf();
      const first = mail(m, -1, true);
      expect(first.text).not.toContain('Moved from');
      // Moved without a notice: subscribers still have 01:00 in mind, and the reminder is due again (README, Subscribers).
      rescheduleMaintenance(ctx(), m.id, { scheduled_for: '2026-11-24T05:00:00Z', scheduled_until: '2026-11-24T06:00:00Z' });
      expect(reminderAt(m, { reminderMinutes: 60 })).toBe(Date.parse('2026-11-24T04:00:00Z'));
      const second = mail(m, -1, true);
      // Before: worded as the first but for the times ("Window: 24 Nov 2026, 05:00 UTC to …").
      expect(second.text).toContain(
        '\nThis is a reminder of our scheduled maintenance, “DB upgrade”, on API. It has moved to a new window since we announced it.\n',
      );
      expect(second.text).toContain(
        '\nNew window: 24 Nov 2026, 05:00 UTC to 24 Nov 2026, 06:00 UTC\nMoved from: 24 Nov 2026, 01:00 UTC to 24 Nov 2026, 02:00 UTC\n',
      );
      expect(second.html).toContain(
        '>Moved from:</th><td dir="auto" style="padding:3px 0;">24 Nov 2026, 01:00 UTC to 24 Nov 2026, 02:00 UTC</td>',
      );
      expect(second.html).toContain('It has moved to a new window since we announced it.</p>');
      // Moved again, with a notice: that notice told the new window, so its reminder is a plain one.
      rescheduleMaintenance(ctx(), m.id, { scheduled_for: '2026-11-24T07:00:00Z', scheduled_until: '2026-11-24T08:00:00Z', notify: true });
      const third = mail(m, -1, true);
      expect(third.text).toContain('\nWindow: 24 Nov 2026, 07:00 UTC to 24 Nov 2026, 08:00 UTC\nAffected services: API\n');
      expect(third.text).not.toMatch(/Moved from|moved to a new window/);
    });

    // From a hunt: moved quietly to a start within the reminder's lead (or past it), the window's start was the
    // first subscribers heard of the move, and it did not say so.
    it('a start that no reminder came before, after a quiet move, says the window moved and from what they were told', () => {
      const { ctx, m } = windowOf();
      rescheduleMaintenance(ctx(), m.id, { scheduled_for: '2026-11-23T10:02:00Z', scheduled_until: '2026-11-23T10:30:00Z' });
      startMaintenance(ctx(new Date('2026-11-23T10:02:00Z')), m.id, { notify: true });
      const started = mail(m);
      expect(started.text).toContain(
        '\nOur scheduled maintenance, “DB upgrade”, on API, has started and is now in progress. It had moved to a new window since we announced it.\n',
      );
      expect(started.text).toContain(
        '\nNew window: Started 23 Nov 2026, 10:02 UTC; scheduled to end 23 Nov 2026, 10:30 UTC\nMoved from: 24 Nov 2026, 01:00 UTC to 24 Nov 2026, 02:00 UTC\n',
      );
      // A reminder of the new window went out first: it said so, and the start need not say it again.
      const reminded = windowOf();
      rescheduleMaintenance(reminded.ctx(), reminded.m.id, {
        scheduled_for: '2026-11-23T10:30:00Z',
        scheduled_until: '2026-11-23T11:00:00Z',
      });
      reminded.m.reminded_at = '2026-11-23T10:00:00.000Z';
      startMaintenance(reminded.ctx(new Date('2026-11-23T10:30:00Z')), reminded.m.id, { notify: true });
      expect(mail(reminded.m).text).not.toMatch(/Moved from|moved to a new window/);
    });

    it('a note on a window already over points to the details, as its completion did, not "Follow it"', () => {
      const { ctx, m } = windowOf();
      startMaintenance(ctx(), m.id, { notify: true });
      completeMaintenance(ctx(new Date('2026-11-23T10:20:00Z')), m.id, { notify: true });
      noteMaintenance(ctx(new Date('2026-11-23T10:30:00Z')), m.id, { body: 'All checks passed overnight.', notify: true });
      const note = mail(m);
      expect(note.text).toMatch(DETAILS);
      expect(note.text).not.toContain('Follow it');
      // A note on running work still invites following it.
      const running = windowOf();
      startMaintenance(running.ctx(), running.m.id, { notify: true });
      noteMaintenance(running.ctx(), running.m.id, { body: 'Half done.', notify: true });
      expect(mail(running.m).text).toMatch(FOLLOW);
    });

    it('a reminder after a move tells what the announcement said of the work, at the window as it now stands', () => {
      const { ctx } = world();
      const m = scheduleMaintenance(ctx(), {
        name: 'DB upgrade',
        scheduled_for: '2026-11-24T01:00:00Z',
        scheduled_until: '2026-11-24T02:00:00Z',
        components: ['api'],
        body: 'We will be undergoing scheduled maintenance from 24 Nov 2026, 01:00 UTC to 24 Nov 2026, 02:00 UTC.\n\nWe are upgrading the ledger database: expect two minutes of read-only mode.',
        notify: true,
      });
      // Moved with the console's default text (its new times alone), quietly and then with a notice.
      for (const [hour, notify] of [
        ['05', false],
        ['07', true],
      ] as const) {
        rescheduleMaintenance(ctx(), m.id, {
          scheduled_for: `2026-11-24T${hour}:00:00Z`,
          scheduled_until: `2026-11-24T${hour}:30:00Z`,
          notify,
        });
        const reminder = mail(m, -1, true);
        // Before: the move's text, all of it restated by the window line, left the reminder saying nothing of the work.
        expect(reminder.text).toContain('\nWe are upgrading the ledger database: expect two minutes of read-only mode.\n');
        expect(reminder.html).toContain('We are upgrading the ledger database: expect two minutes of read-only mode.');
        // The announcement's times are the old window's: they go, as the window line gives the new one.
        expect(reminder.text).not.toContain('from 24 Nov 2026, 01:00 UTC');
        expect(reminder.text).not.toContain('rescheduled to');
      }
      // A move that says why is the latest word on the window: its reason is what the reminder carries.
      rescheduleMaintenance(ctx(), m.id, {
        scheduled_for: '2026-11-24T09:00:00Z',
        scheduled_until: '2026-11-24T09:30:00Z',
        body: 'Moved at our payment provider’s request.',
        notify: true,
      });
      const last = mail(m, -1, true);
      expect(last.text).toContain('\nMoved at our payment provider’s request.\n');
      // Updates saved before each recorded its window: the announcement's default sentence, of times not known
      // to match, goes all the same (its old times beside the window line would contradict it).
      for (const u of m.updates) delete (u as { window?: unknown }).window;
      m.updates.pop();
      const legacy = mail(m, -1, true);
      expect(legacy.text).toContain('\nWe are upgrading the ledger database: expect two minutes of read-only mode.\n');
      expect(legacy.text).not.toContain('We will be undergoing');
    });

    it('rescheduled and cancelled', () => {
      const { ctx, m } = windowOf();
      rescheduleMaintenance(ctx(), m.id, {
        scheduled_for: '2026-11-25T01:00:00Z',
        scheduled_until: '2026-11-25T02:00:00Z',
        notify: true,
      });
      expectNotice(
        mail(m),
        'Maintenance rescheduled',
        'Our scheduled maintenance, “DB upgrade”, on API, has been moved to a new window.',
        'Scheduled',
        ['New window', '25 Nov 2026, 01:00 UTC to 25 Nov 2026, 02:00 UTC'],
        FOLLOW,
        // The window it frees, as announced (from a hunt: a reader who kept that slot free was not told which).
        '24 Nov 2026, 01:00 UTC to 24 Nov 2026, 02:00 UTC',
      );
      cancelMaintenance(ctx(), m.id, { notify: true });
      const cancelled = mail(m);
      expectNotice(
        cancelled,
        'Maintenance cancelled',
        'Our scheduled maintenance, “DB upgrade”, on API, has been cancelled and will not take place.',
        'Cancelled',
        ['Was scheduled for', '25 Nov 2026, 01:00 UTC to 25 Nov 2026, 02:00 UTC'],
        DETAILS,
      );
      expect(cancelled.text).not.toMatch(/We have scheduled|Completed/);
      // The default texts of the move and the cancel say what the window line and the opening say: once each.
      expect(cancelled.text.match(/will not take place/g)).toHaveLength(1);
      expect(cancelled.html.match(/will not take place/g)).toHaveLength(2); // the opening and the hidden preview line
      // A note after the cancel tells the window it had (it read "25 Nov, 01:00 to" the cancel's time, before it).
      // Its status reads "Cancelled" and its window what it was scheduled for (before: "Completed" and "Window").
      noteMaintenance(ctx(), m.id, { body: 'A new date follows next week.', notify: true });
      const note = mail(m).text;
      expect(note).toContain('\nWas scheduled for: 25 Nov 2026, 01:00 UTC to 25 Nov 2026, 02:00 UTC\n');
      expect(note).toContain('\nCurrent status: Cancelled\n');
      expect(note).not.toContain('Completed');
    });

    it('a text typed with a step stays; only a sentence the opening says word for word goes', () => {
      const { ctx, m } = windowOf();
      const typed = 'This scheduled maintenance has been cancelled and will not take place. We will pick a new date.';
      cancelMaintenance(ctx(), m.id, { body: 'We will pick a new date soon.', notify: true });
      expect(mail(m).text).toContain('\nWe will pick a new date soon.\n');
      m.updates.at(-1)!.body = typed;
      expect(mail(m).text).toContain('\nWe will pick a new date.\n');
    });

    it('updates saved before steps were recorded are told apart by their statuses', () => {
      const { ctx, m } = windowOf();
      cancelMaintenance(ctx(), m.id, { notify: true });
      for (const u of m.updates) delete u.step;
      expect(mail(m, 0).subject).toBe('[Acme] Scheduled maintenance: DB upgrade');
      expect(mail(m).subject).toBe('[Acme] Maintenance cancelled: DB upgrade');
      expect(mail(m).text).toContain('\nCurrent status: Cancelled\n');
    });
  });

  it('the confirmation email carries the link and no unsubscribe footer', () => {
    const mail = renderConfirm({
      siteName: 'Acme',
      siteUrl: 'https://s.example',
      confirmUrl: 'https://s.example/subscribe/confirm/abc.def',
      componentNames: ['API', 'Payouts'],
      expires: '5 Dec 2026, 17:49 UTC',
    });
    expect(mail.text).toContain('https://s.example/subscribe/confirm/abc.def');
    expect(mail.text).toContain('This link works until 5 Dec 2026, 17:49 UTC.');
    expect(mail.html).toContain('This link works until 5 Dec 2026, 17:49 UTC.');
    expect(mail.html).toContain('href="https://s.example/subscribe/confirm/abc.def"');
    // The names as the notices list them ("Card payments and API"), not "API, Payouts".
    expect(mail.text).toContain('notices from Acme about API and Payouts:');
    expect(mail.html).toContain('notices from Acme about API and Payouts.');
    expect(mail.text).not.toContain('Unsubscribe:');
  });

  it('the already-subscribed email carries the manage link and a subscriber footer', () => {
    const input = {
      siteName: 'Acme & <Co>',
      siteUrl: 'https://s.example',
      manageUrl: 'https://s.example/subscribe/manage/abc.def',
      unsubscribeUrl: 'https://s.example/unsubscribe/abc.ghi',
    };
    const all = renderSubscribed({ ...input, componentNames: [] });
    expect(all.subject).toBe('[Acme & <Co>] You are already subscribed');
    // Read with the default site name, "to Herald Status status updates" said "status" twice.
    expect(all.text).toContain('to incident and maintenance notices from Acme & <Co>. It is already subscribed, and nothing has changed.');
    // The site name mid-sentence: one ending in a full stop ("Acme, Inc.") made "Inc.." at the end of one.
    expect(all.text).toContain('Acme & <Co> sends you this because you subscribed to its updates.');
    expect(all.text).toContain('manage your subscription:\n\nhttps://s.example/subscribe/manage/abc.def\n');
    expect(all.text).toContain('If you did not ask for this, ignore this email: nothing changes.');
    expect(all.text).toContain('Unsubscribe: https://s.example/unsubscribe/abc.ghi');
    expect(all.html).toContain('href="https://s.example/subscribe/manage/abc.def"');
    expect(all.html).toContain('Acme &amp; &lt;Co&gt;');
    expect(all.html).not.toContain('<Co>');
    // The kind of notices said once: "…notices from Acme. It is already subscribed, to those about API, Web…".
    // The names listed as the notices list them: "API and Web", "API, Payouts and Web".
    expect(renderSubscribed({ ...input, componentNames: ['API', 'Web'] }).text).toContain(
      'It is already subscribed, to those about API and Web, and nothing has changed.',
    );
    expect(renderSubscribed({ ...input, componentNames: ['API', 'Payouts', 'Web'] }).html).toContain(
      'It is already subscribed, to those about API, Payouts and Web, and nothing has changed.',
    );
  });
});

describe('what mail apps show of an email (a hunt in Chromium at 360 px, and as text)', () => {
  it('a right-to-left value in a fact line (Root cause, Affected services) is laid out from its own direction, as on the page', () => {
    const { db, ctx } = world();
    const inc = declareIncident(ctx(), {
      name: 'بوابة الدفع',
      impact: 'major',
      status: 'investigating',
      body: 'نحقق.',
      components: { api: 'major_outage' },
    });
    postUpdate(ctx(new Date('2026-11-23T11:00:00Z')), inc.id, {
      status: 'resolved',
      body: 'تم حل المشكلة.',
      root_cause: 'انتهت صلاحية شهادة SSL على بوابة الدفع.',
      resolution: 'جددنا الشهادة (3 خوادم).',
    });
    const r = renderNotice({ ...siteOf(db), kind: 'restoration', incident: inc, update: inc.updates.at(-1)! });
    const cells = [...r.html.matchAll(/<th scope="row"[^>]*>[^<]*<\/th><td([^>]*)>/g)].map((m) => m[1]);
    expect(cells.length).toBeGreaterThanOrEqual(3);
    // Before: no dir, so "SSL" and the brackets landed at the wrong ends of the line.
    for (const attrs of cells) expect(attrs).toContain('dir="auto"');
  });

  it('a fact told on several lines (a root cause as a list) keeps its lines in the HTML, as in the text and on the page', () => {
    const { db, ctx } = world();
    const inc = declareIncident(ctx(), {
      name: 'Jobs stuck',
      impact: 'minor',
      status: 'investigating',
      body: 'Looking.',
      components: { api: 'degraded_performance' },
    });
    postUpdate(ctx(new Date('2026-11-23T11:00:00Z')), inc.id, {
      status: 'resolved',
      body: 'Resolved.',
      root_cause: 'Two things:\n- a full disk\n- a <stuck> job',
      resolution: 'We cleared the disk.\nThen we restarted the job.',
    });
    const r = renderNotice({ ...siteOf(db), kind: 'restoration', incident: inc, update: inc.updates.at(-1)! });
    // Before: "Two things: - a full disk - a &lt;stuck&gt; job", run together on one line.
    expect(r.html).toContain('>Two things:<br>- a full disk<br>- a &lt;stuck&gt; job</td>');
    expect(r.html).toContain('>We cleared the disk.<br>Then we restarted the job.</td>');
    expect(r.text).toContain('Two things:\n- a full disk\n- a <stuck> job');
  });

  it('a task list keeps which steps are done, and struck-through text stays struck, in the HTML and the text', () => {
    const { db, ctx } = world();
    const inc = declareIncident(ctx(), {
      name: 'Payouts late',
      impact: 'minor',
      status: 'identified',
      body: 'ETA ~~14:00~~ 16:00.\n\n* [ ] refunds issued\n* [x] payouts resumed',
      components: { api: 'degraded_performance' },
    });
    const d = renderNotice({ ...siteOf(db), kind: 'disruption', incident: inc, update: inc.updates[0]! });
    // Before: "<li> refunds issued</li>", the box dropped by the sanitiser (and the page's the same).
    expect(d.html).toContain('<li>☐ refunds issued</li>');
    expect(d.html).toContain('<li>☑ payouts resumed</li>');
    expect(d.text).toContain('- [x] payouts resumed');
    // Before: "ETA 14:00 16:00.", two times with nothing to tell the withdrawn one.
    expect(d.text).toContain('ETA ~~14:00~~ 16:00.');
    expect(d.html).toContain('ETA <del>14:00</del> 16:00.');
  });
});
