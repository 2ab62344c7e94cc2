import { writeFileSync } from 'node:fs';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, outboxSettled, subscribeAndConfirm, to } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';
import { SEVERITY_SCHEMES } from '../../src/domain/severity-schemes.ts';
import { engineEnv } from '../helpers/engine.ts';

/**
 * Golden notices: every customer email kind as a subscriber receives it (real
 * SMTP, parsed by mailparser), field by field, under the default severity
 * scheme and under P0–P3 with the Comms Lead's own audience, sign-off and
 * support contact. HERALD_KEEP_GOLDEN=1 keeps the P0–P3 disruption and
 * restoration texts in /tmp for quoting.
 */
const SITE_NAME = 'Dirt Free CRM';
const EMAIL = 'golden@example.com';
const MIN = 60_000;
const NAME = 'Card payments failing';
const AFFECTED = 'Card payments, Payouts and Email delivery';
const P0P3 = SEVERITY_SCHEMES.find((s) => s.id === 'p0-p3')!.levels;

// Both schemes' top level (SEV-1, P0) asks for an update every 30 minutes, on the page; email at start and end.
const SCHEMES = [
  {
    name: 'defaults',
    settings: null,
    level: 'sev1',
    label: /\bSEV-?1\b/i,
    description: 'A complete outage, or a critical function unavailable for most customers',
    audience: 'customers',
    signoff: 'The Dirt Free CRM team',
    support: null,
  },
  {
    name: 'P0–P3',
    settings: {
      audience: 'Dirt Free CRM users',
      signoff: 'The Dirt Free CRM Team',
      support_contact: 'support@example.com',
      severities: P0P3,
    },
    level: 'p0',
    label: /\bP0\b/,
    description: 'A complete outage or a critical function unavailable for all customers',
    audience: 'Dirt Free CRM users',
    signoff: 'The Dirt Free CRM Team',
    support: 'support@example.com',
  },
];

// Times as customers read them: "30 Nov 2026, 14:02 UTC" (en-GB, UTC). An email dates its estimate too (it is read later,
// below a dated "Started"); it once gave a time alone ("14:02 UTC") for an estimate on the update's day.
const TIME = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short', timeZone: 'UTC' } as const;
const DATE_TIME = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', ...TIME });
const at = (t: string | number) => DATE_TIME.format(new Date(t));
const AT_SHAPE = /^\d{1,2} [A-Z][a-z]{2,3} \d{4}, \d\d:\d\d UTC$/;
/** "12 min", "1 h", "1 h 8 min" (whole minutes, rounded; under two days). */
const duration = (from: string, till: string) => {
  const m = Math.round((Date.parse(till) - Date.parse(from)) / MIN);
  return m < 60 ? `${m} min` : m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m / 60} h`;
};
const wholeMinute = (t: number) => new Date(Math.ceil(t / MIN) * MIN).toISOString();

/** The value after "Label:" on its own line of a text part (undefined when the line is absent). */
const field = (text: string, label: string) => new RegExp(`^${label}: (.*)$`, 'm').exec(text)?.[1];
/** The same field in the HTML part's table. */
const htmlField = (label: string, value: string) =>
  new RegExp(`>${label}:</th><td[^>]*>${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</td>`);
/** The line just above the footer. */
const signedBy = (text: string) => text.split('\n--\n')[0]!.trimEnd().split('\n').at(-1);
const withoutUrls = (s: string) => s.replace(/https?:\/\/[^\s"'<>]+/g, '');
const header = (raw: string, name: string) =>
  raw
    .split(/\r?\n\r?\n/)[0]!
    .split(/\r?\n(?![ \t])/)
    .filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    .map((l) => l.replace(/\s+/g, ' '));

type UpdateJson = { status: string; created_at: string; display_at: string; deliver_notifications: boolean };
type IncidentJson = { id: string; started_at: string; resolved_at: string | null; incident_updates: UpdateJson[] };
const updateOf = (i: IncidentJson, status: string) => i.incident_updates.find((u) => u.status === status)!;

describe.each(SCHEMES)('golden notices, $name scheme', (s) => {
  let smtp: TestSmtp;
  let h: HeraldProcess;
  let incident: IncidentJson;
  const mails: Record<string, ParsedMail> = {};
  const received = () => to(smtp, EMAIL);
  const url = () => `${SITE}/incidents/${incident.id}`;

  /** The one notice an action sends: waits for it, lets the outbox settle, and checks nothing else came. */
  async function noticeFrom(action: () => Promise<Response>, expectStatus: number, what: string) {
    const n = received().length;
    const res = await action();
    expect(res.status, what).toBe(expectStatus);
    const json = await res.json();
    await until(() => received().length > n, what);
    await outboxSettled(h);
    expect(received(), what).toHaveLength(n + 1);
    const mail = await smtp.parse(received()[n]!);
    return { json, raw: received()[n]!.raw, mail, text: mail.text ?? '' };
  }

  beforeAll(async () => {
    smtp = await startSmtp();
    h = await startHerald({
      env: { ...(await engineEnv()), SMTP_URL: smtp.url, SITE_URL: SITE, SITE_NAME, MAIL_FROM: 'Dirt Free CRM <status@example.test>' },
    });
    for (const [id, name] of Object.entries({ cards: 'Card payments', payouts: 'Payouts', email: 'Email delivery' }))
      expect((await h.admin('/components', { body: { id, name } })).status).toBe(201);
    if (s.settings) expect((await h.admin('/settings', { method: 'PUT', body: s.settings })).status).toBe(200);
    await subscribeAndConfirm(h, smtp, EMAIL);
  });
  afterAll(() => stopAll(h, smtp));

  it('the disruption notice says every field, in the audience’s words, without the internal label', async () => {
    const now = Date.now();
    const eta = wholeMinute(now + 90 * MIN);
    const body = {
      name: NAME,
      severity: s.level,
      status: 'investigating',
      body: 'Card payments are being **declined** at checkout.',
      components: { cards: 'major_outage', payouts: 'partial_outage', email: 'degraded_performance' },
      eta,
      started_at: new Date(Math.floor((now - 68 * MIN) / MIN) * MIN).toISOString(),
    };
    const { json, raw, mail, text } = await noticeFrom(() => h.admin('/incidents', { body }), 201, 'the disruption notice');
    incident = json;
    mails.disruption = mail;
    const first = updateOf(incident, 'investigating');
    expect(incident.id).toMatch(/^INC-\d{4}-\d\d-\d\d-\d+$/);
    expect(mail.subject).toBe(`[${SITE_NAME}] Service disruption: ${NAME}`);
    expect(text).toMatch(new RegExp(`^${SITE_NAME}\\n\\nDear ${s.audience},\\n`));
    expect(text).toContain(
      // The affected services in their field alone, not again in the opening.
      `\nWe are currently experiencing an issue, “${NAME}”. Our team is actively working to resolve it.\n`,
    );
    expect(text).toContain('Card payments are being declined at checkout.');
    expect(field(text, 'Current status')).toBe('Investigating');
    expect(field(text, 'Impact')).toBe(s.description);
    expect(field(text, 'Affected services')).toBe(AFFECTED);
    expect(field(text, 'Started')).toBe(at(incident.started_at));
    expect(field(text, 'Started')).toMatch(AT_SHAPE);
    // Before: "15:32 UTC", a time alone below the dated start, whichever day it fell on.
    expect(field(text, 'Estimated resolution')).toBe(at(eta));
    expect(field(text, 'Estimated resolution')).toMatch(AT_SHAPE);
    expect(field(text, 'Incident reference')).toBe(incident.id);
    expect(text).toContain(
      `We will post updates on our status page at least every 30 minutes (the next by ${at(Date.parse(first.created_at) + 30 * MIN)}), and email you when it is resolved: ${url()}\n`,
    );
    expect(text).toContain('\nWe apologize for any inconvenience and appreciate your patience.\n');
    if (s.support) expect(text).toContain(`\nFor urgent support, please contact ${s.support}.\n`);
    else expect(text).not.toContain('For urgent support');
    expect(signedBy(text)).toBe(s.signoff);
    expect(text).toMatch(/\nChoose components: https:\/\/status\.example\.test\/subscribe\/manage\/[A-Za-z0-9._-]+\n/);
    const unsub = /\nUnsubscribe: (https:\/\/status\.example\.test\/unsubscribe\/[A-Za-z0-9._-]+)\n/.exec(text)?.[1];
    expect(unsub).toBeDefined();
    // The internal label stays inside: customers read the description.
    expect(withoutUrls(text)).not.toMatch(s.label);
    expect(withoutUrls(mail.html || '')).not.toMatch(s.label);

    const html = mail.html || '';
    expect(html).toContain(`Dear ${s.audience},`);
    expect(html).toMatch(htmlField('Current status', 'Investigating'));
    expect(html).toMatch(htmlField('Impact', s.description));
    expect(html).toMatch(htmlField('Started', at(incident.started_at)));
    expect(html).toMatch(htmlField('Incident reference', incident.id));
    expect(html).toContain(`href="${url()}"`);
    expect(html).toContain(`>${s.signoff}</p>`);
    if (s.support) expect(html).toContain(`href="mailto:${s.support}"`);
    expect(html).toMatch(new RegExp(`<a href="${unsub}"[^>]*>Unsubscribe</a>`));
    expect(header(raw, 'List-Unsubscribe')).toEqual([`List-Unsubscribe: <${unsub}>`]);
    expect(header(raw, 'List-Unsubscribe-Post')).toEqual(['List-Unsubscribe-Post: List-Unsubscribe=One-Click']);
  });

  it('an update with notify says the new status and estimate; one without sends nothing', async () => {
    const eta = wholeMinute(Date.now() + 120 * MIN);
    const post = (body: object) => h.admin(`/incidents/${incident.id}/updates`, { body });
    const { json, mail, text } = await noticeFrom(
      () => post({ status: 'identified', body: 'A faulty release of the card processor.', eta, notify: true }),
      201,
      'the update notice',
    );
    mails.update = mail;
    const upd = updateOf(json, 'identified');
    expect(mail.subject).toBe(`[${SITE_NAME}] Service update: ${NAME}`);
    expect(text).toContain(`\nDear ${s.audience},\n\nHere is an update on the issue “${NAME}”.\n`);
    expect(field(text, 'Affected services')).toBe(AFFECTED);
    expect(text).toContain('A faulty release of the card processor.');
    expect(field(text, 'Current status')).toBe('Identified');
    expect(field(text, 'Estimated resolution')).toBe(at(eta));
    expect(field(text, 'Estimated resolution')).not.toBe(field(mails.disruption!.text!, 'Estimated resolution'));
    expect(field(text, 'Impact')).toBe(s.description);
    expect(field(text, 'Started')).toBe(at(incident.started_at));
    expect(field(text, 'Incident reference')).toBe(incident.id);
    expect(text).toContain(`at least every 30 minutes (the next by ${at(Date.parse(upd.created_at) + 30 * MIN)})`);
    expect(signedBy(text)).toBe(s.signoff);
    expect(mail.html).toMatch(htmlField('Current status', 'Identified'));

    const before = received().length;
    const quiet = await post({ status: 'monitoring', body: 'The release is rolled back; we are watching.' });
    expect(quiet.status).toBe(201);
    expect(updateOf(await quiet.json(), 'monitoring').deliver_notifications).toBe(false);
    await outboxSettled(h);
    expect(received()).toHaveLength(before);
  });

  it('the restoration notice tells when, how long, why, and what changes', async () => {
    const told = {
      root_cause: 'A card processor release rejected valid cards.',
      resolution: 'We rolled the release back and retried the declined payments.',
      prevention: 'Card processor releases now reach 5% of traffic first.',
    };
    const { json, mail, text } = await noticeFrom(
      () => h.admin(`/incidents/${incident.id}/updates`, { body: { status: 'resolved', body: 'Card payments work again.', ...told } }),
      201,
      'the restoration notice',
    );
    mails.restoration = mail;
    incident = json;
    const resolvedAt = at(incident.resolved_at!);
    expect(mail.subject).toBe(`[${SITE_NAME}] Service restored: ${NAME}`);
    // When, in the "Resolved at" field alone (no "as of" in the opening); no Affected services field: the opening names them.
    expect(text).toContain(`\nDear ${s.audience},\n\nThe issue “${NAME}”, affecting ${AFFECTED}, has been resolved.\n`);
    expect(text).toContain('Card payments work again.');
    expect(field(text, 'Resolved at')).toBe(resolvedAt);
    expect(field(text, 'Duration')).toBe(duration(incident.started_at, incident.resolved_at!));
    expect(field(text, 'Duration')).toMatch(/^1 h \d+ min$/);
    expect(field(text, 'Root cause')).toBe(told.root_cause);
    expect(field(text, 'Resolution')).toBe(told.resolution);
    expect(field(text, 'Prevention')).toBe(told.prevention);
    expect(field(text, 'Incident reference')).toBe(incident.id);
    expect(text).toContain(
      `\nAll services are now operating normally. If you continue to experience issues, please contact ${s.support ?? 'us'}.\n`,
    );
    expect(text).toContain(`The full timeline is on our status page: ${url()}\n`);
    expect(text).not.toContain('Estimated resolution');
    expect(field(text, 'Current status')).toBeUndefined();
    expect(withoutUrls(text)).not.toMatch(s.label);
    expect(signedBy(text)).toBe(s.signoff);
    expect(mail.html).toMatch(htmlField('Duration', field(text, 'Duration')!));
    expect(mail.html).toMatch(htmlField('Root cause', told.root_cause));

    if (s.name === 'P0–P3' && process.env.HERALD_KEEP_GOLDEN) {
      writeFileSync('/tmp/golden-p0p3-disruption.txt', mails.disruption!.text!);
      writeFileSync('/tmp/golden-p0p3-restoration.txt', text);
    }
  });

  it('publishing the postmortem with notify emails it once, linking the incident', async () => {
    const draft = await (await h.admin(`/incidents/${incident.id}/postmortem`)).json();
    expect(draft.template).toMatch(/\[fill in:/);
    // The review corrects the root cause told with the resolution: the email and the page tell the review's.
    const body = (draft.template as string)
      .replace('A card processor release rejected valid cards.', 'An expired certificate between us and the card processor.')
      .replace(/\[fill in:[^\]]*\]/g, 'Filled in by the golden test.');
    const put = () => h.admin(`/incidents/${incident.id}/postmortem`, { method: 'PUT', body: { body, publish: true, notify: true } });
    const { mail, text } = await noticeFrom(put, 200, 'the postmortem notice');
    mails.postmortem = mail;
    expect(mail.subject).toBe(`[${SITE_NAME}] Postmortem: ${NAME}`);
    expect(text).toContain(
      `\nDear ${s.audience},\n\nWe have published the postmortem of the issue “${NAME}”, which affected ${AFFECTED} from ${at(incident.started_at)}.`,
    );
    // Before: the incident page's top, without #postmortem (the Slack message had it).
    expect(text).toContain(`\nRead it on our status page: ${url()}#postmortem\n`);
    // Before: "We apologize again", to subscribers who may never have been emailed about the incident.
    expect(text).toContain('\nWe apologize for the disruption and thank you for your patience.\n');
    expect(field(text, 'Duration')).toBe(duration(incident.started_at, incident.resolved_at!));
    // Before: "Root cause: A card processor release…" and "Prevention: …", told with the resolution, under the
    // review that says otherwise. It quotes the review's own Summary instead.
    expect(field(text, 'Root cause')).toBeUndefined();
    expect(field(text, 'Prevention')).toBeUndefined();
    expect(text).not.toContain('A card processor release rejected valid cards.');
    expect(mail.html).not.toContain('A card processor release rejected valid cards.');
    expect(text).toMatch(/\.\n\nOn .*: \*?\*?.*Filled in by the golden test\.\n\nRead it on our status page: /);
    expect(mail.html).toMatch(/<p>On [^<]*: <strong>[^<]*<\/strong>\. Filled in by the golden test\.<\/p>/);
    expect(field(text, 'Incident reference')).toBe(incident.id);
    // The page's "What happened" box, told with the resolution, gives way to the published review.
    const page = await (await fetch(`${h.url}/incidents/${incident.id}`)).text();
    expect(page).not.toContain('What happened</h2>');
    expect(page).not.toContain('A card processor release rejected valid cards.');
    expect(page).toContain('An expired certificate between us and the card processor.');
    if (s.support) expect(text).toContain(`\nIf you have questions, please contact ${s.support}.\n`);
    else expect(text).not.toContain('If you have questions');
    expect(signedBy(text)).toBe(s.signoff);
    expect(mail.html).toContain(`href="${url()}#postmortem"`);
    expect(mail.html).not.toContain('apologize again');
    // Published again with notify: still the one email.
    const count = received().length;
    expect((await put()).status).toBe(200);
    await outboxSettled(h);
    expect(received()).toHaveLength(count);
  });

  it('a follow-up with notify on the resolved incident promises nothing more and gives no estimate', async () => {
    const { json, mail, text } = await noticeFrom(
      () =>
        h.admin(`/incidents/${incident.id}/updates`, {
          body: { status: 'resolved', body: 'Follow-up: every declined payment has been retried.', notify: true },
        }),
      201,
      'the follow-up notice',
    );
    mails.followUp = mail;
    expect(json.resolved_at).toBe(incident.resolved_at);
    const resolvedAt = at(incident.resolved_at!);
    expect(mail.subject).toBe(`[${SITE_NAME}] Follow-up on a resolved issue: ${NAME}`);
    expect(text).toContain(`\nDear ${s.audience},\n\nHere is a follow-up on the issue “${NAME}”. It was resolved.\n`);
    expect(text).toContain('Follow-up: every declined payment has been retried.');
    expect(field(text, 'Current status')).toBe('Resolved');
    expect(field(text, 'Affected services')).toBe(AFFECTED);
    expect(field(text, 'Resolved at')).toBe(resolvedAt);
    expect(field(text, 'Duration')).toBe(duration(incident.started_at, incident.resolved_at!));
    expect(field(text, 'Incident reference')).toBe(incident.id);
    expect(text).not.toContain('Estimated resolution');
    expect(text).not.toMatch(/We will (post|email)|when it is resolved|until this is resolved|not known yet/);
    expect(text).toContain(`\nThe full timeline is on our status page: ${url()}\n`);
    expect(signedBy(text)).toBe(s.signoff);
    const html = mail.html || '';
    expect(html).toContain(`Follow-up on a resolved issue: <span dir="auto">${NAME}</span></h1>`);
    expect(html).toMatch(htmlField('Resolved at', resolvedAt));
    expect(html).not.toMatch(/Estimated resolution|We will (post|email)|when it is resolved/);
  });

  it('every later notice answers the disruption: one thread, distinct Message-IDs', () => {
    const root = mails.disruption!.messageId!;
    expect(root).toMatch(/^<[^<>@\s]+@status\.example\.test>$/);
    expect(mails.disruption!.inReplyTo).toBeUndefined();
    for (const kind of ['update', 'restoration', 'postmortem', 'followUp']) {
      expect(mails[kind]!.inReplyTo, kind).toBe(root);
      expect([mails[kind]!.references].flat(), kind).toContain(root);
    }
    const ids = received().map((r) => r.messageId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('a scheduled maintenance notice speaks to the same audience and names its window', async () => {
    const from = wholeMinute(Date.now() + 24 * 60 * MIN);
    const till = wholeMinute(Date.parse(from) + 2 * 60 * MIN);
    const body = {
      name: 'Payouts upgrade',
      scheduled_for: from,
      scheduled_until: till,
      components: ['payouts'],
      body: 'Payouts may be delayed by a few minutes.',
      notify: true,
    };
    const { json, mail, text } = await noticeFrom(() => h.admin('/maintenances', { body }), 201, 'the maintenance notice');
    expect(mail.subject).toBe(`[${SITE_NAME}] Scheduled maintenance: Payouts upgrade`);
    expect(text).toContain(`\nDear ${s.audience},\n\nWe have scheduled maintenance, “Payouts upgrade”, on Payouts.\n`);
    expect(text).toContain('Payouts may be delayed by a few minutes.');
    expect(field(text, 'Current status')).toBe('Scheduled');
    expect(field(text, 'Window')).toBe(`${at(from)} to ${at(till)}`);
    expect(field(text, 'Window')).toMatch(/^\d{1,2} \w{3,4} \d{4}, \d\d:\d\d UTC to \d{1,2} \w{3,4} \d{4}, \d\d:\d\d UTC$/);
    expect(field(text, 'Affected services')).toBe('Payouts');
    expect(field(text, 'Reference')).toBe(json.id);
    expect(text).toContain(`\nFollow it on our status page: ${SITE}/incidents/${json.id}\n`);
    if (s.support) expect(text).toContain(`\nIf you have questions, please contact ${s.support}.\n`);
    else expect(text).not.toContain('If you have questions');
    expect(signedBy(text)).toBe(s.signoff);
    expect(mail.html).toMatch(htmlField('Window', `${at(from)} to ${at(till)}`));
    expect(mail.inReplyTo).toBeUndefined();
    expect(Object.values(mails).map((m) => m.messageId)).not.toContain(mail.messageId);
    mails.maintenance = mail;
    maintenanceId = json.id;
  });

  let maintenanceId = '';
  const stepNotice = async (step: string, body: object = { notify: true }) =>
    noticeFrom(() => h.admin(`/maintenances/${maintenanceId}/${step}`, { body }), step === 'reschedule' ? 200 : 201, step);
  /** What every step's notice says in the same place: the greeting and opening, status, window, where to follow it. */
  const expectStep = (
    n: { mail: ParsedMail; text: string },
    title: string,
    opening: string,
    status: string,
    window: [string, string],
    page: string,
    movedFrom?: string,
  ) => {
    expect(n.mail.subject).toBe(`[${SITE_NAME}] ${title}: Payouts upgrade`);
    expect(n.text).toContain(`\nDear ${s.audience},\n\n${opening}\n`);
    expect(n.text).not.toContain('We have scheduled maintenance');
    const moved = movedFrom ? `Moved from: ${movedFrom}\n` : '';
    expect(n.text).toContain(`\nCurrent status: ${status}\n${window[0]}: ${window[1]}\n${moved}Affected services: Payouts\n`);
    expect(n.text).toContain(`\n${page}: ${SITE}/incidents/${maintenanceId}\n`);
    expect(signedBy(n.text)).toBe(s.signoff);
    expect(n.mail.html).toContain(`${title}: <span dir="auto">Payouts upgrade</span></h1>`);
    expect(n.mail.html).toMatch(htmlField('Current status', status));
    expect(n.mail.inReplyTo).toBe(mails.maintenance!.messageId);
  };

  it('each later step of the window says what it is: rescheduled, started, extended, completed', async () => {
    const from = wholeMinute(Date.now() + 30 * 60 * MIN);
    const till = wholeMinute(Date.parse(from) + 60 * MIN);
    const announced = (await (await h.admin(`/maintenances/${maintenanceId}`)).json()) as {
      scheduled_for: string;
      scheduled_until: string;
    };
    const moved = await stepNotice('reschedule', { scheduled_for: from, scheduled_until: till, notify: true });
    expectStep(
      moved,
      'Maintenance rescheduled',
      'Our scheduled maintenance, “Payouts upgrade”, on Payouts, has been moved to a new window.',
      'Scheduled',
      ['New window', `${at(from)} to ${at(till)}`],
      'Follow it on our status page',
      // The window it frees, as announced (from a hunt: a reader who kept that slot free was not told which).
      `${at(announced.scheduled_for)} to ${at(announced.scheduled_until)}`,
    );
    // The default text only said the new window, which the window line says: said once.
    expect(moved.text).not.toContain('This maintenance has been rescheduled to');
    expect(moved.text.split(`${at(from)} to ${at(till)}`)).toHaveLength(2);

    const started = await stepNotice('start');
    // Started now, 30 days before its planned start: it says so, not that it runs from its planned start.
    const began = ((await (await h.admin(`/maintenances/${maintenanceId}`)).json()) as { started_at: string }).started_at;
    expect(Date.parse(began)).toBeLessThan(Date.parse(from));
    expectStep(
      started,
      'Maintenance started',
      'Our scheduled maintenance, “Payouts upgrade”, on Payouts, has started and is now in progress.',
      'In progress',
      ['Window', `Started ${at(began)}; scheduled to end ${at(till)}`],
      'Follow it on our status page',
    );
    // No text typed: the default's "in progress" sentence repeats the opening, its promise stays.
    expect(started.text.match(/in progress\./g)).toHaveLength(1);
    expect(started.text).toContain('\nWe will provide updates as necessary.\n');

    const later = wholeMinute(Date.parse(till) + 60 * MIN);
    const extended = await stepNotice('reschedule', { scheduled_until: later, notify: true });
    expectStep(
      extended,
      'Maintenance extended',
      'Our maintenance, “Payouts upgrade”, on Payouts, will take longer than planned: its window has been extended.',
      'In progress',
      ['New window', `Started ${at(began)}; scheduled to end ${at(later)}`],
      'Follow it on our status page',
    );

    const done = await stepNotice('complete');
    // Started and completed long before its window: it says when the work really ran.
    const ran = (await (await h.admin(`/maintenances/${maintenanceId}`)).json()) as { started_at: string; resolved_at: string };
    expectStep(
      done,
      'Maintenance completed',
      'Our scheduled maintenance, “Payouts upgrade”, on Payouts, has been completed.',
      'Completed',
      ['Carried out', `${at(ran.started_at)} to ${at(ran.resolved_at)}`],
      'The details are on our status page',
    );
    // No text typed: the default only said what the opening says, so it is not said twice.
    expect(done.text.match(/has been completed/g)).toHaveLength(1);
    expect(done.text).not.toContain('The scheduled maintenance has been completed.');
  });

  it('a cancelled window says it is cancelled and will not take place, not that it is scheduled or completed', async () => {
    const from = wholeMinute(Date.now() + 48 * 60 * MIN);
    const till = wholeMinute(Date.parse(from) + 60 * MIN);
    const body = { name: 'Payouts upgrade', scheduled_for: from, scheduled_until: till, components: ['payouts'], notify: true };
    const scheduled = await noticeFrom(() => h.admin('/maintenances', { body }), 201, 'the second window');
    maintenanceId = scheduled.json.id;
    mails.maintenance = scheduled.mail;
    const cancelled = await stepNotice('cancel');
    expectStep(
      cancelled,
      'Maintenance cancelled',
      'Our scheduled maintenance, “Payouts upgrade”, on Payouts, has been cancelled and will not take place.',
      'Cancelled',
      ['Was scheduled for', `${at(from)} to ${at(till)}`],
      'The details are on our status page',
    );
    // No text typed: the default only said what the opening says, so it is said once, with no empty box.
    expect(cancelled.text.match(/will not take place/g)).toHaveLength(1);
    expect(cancelled.text).toContain(`will not take place.\n\nCurrent status: Cancelled\n`);
    expect(cancelled.mail.html).not.toContain('border-left:4px solid');
    expect(cancelled.text).not.toMatch(/Completed|Follow it/);
  });
});
