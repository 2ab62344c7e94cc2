import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, subscribeAndConfirm, to, until } from '../helpers/mail-flow.ts';
import { all, dom, submitted, textOf, type Doc } from '../helpers/dom.ts';

/**
 * From a test with two Comms Leads at once: Dana previews, the preview says what will go out ("No email will
 * be sent", the impact, the cadence its text promises), Lee changes the severity settings, and Dana's "Publish
 * now" went out as the settings said then, not as the preview did (a disruption email the preview said would
 * not be sent). A settings change that alters what the preview said is refused like an update published since:
 * nothing goes out, the text is kept, and the preview made again says what goes out now.
 */
let h: HeraldProcess;
let smtp: TestSmtp;
let dana: ConsoleSession;
const READER = 'reader@example.com';

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startHerald({ env: { SMTP_URL: smtp.url, SITE_URL: SITE } });
  expect((await h.admin('/components', { body: { id: 'website', name: 'Website' } })).status).toBe(201);
  await subscribeAndConfirm(h, smtp, READER);
  dana = await signIn(h, 'Dana');
}, 60_000);
afterAll(() => stopAll(h, smtp));

type Json = Record<string, any>;
const page = async (path: string) => dom(await (await fetch(`${h.url}${path}`, { headers: { cookie: dana.cookie } })).text());
const previewForm = (doc: Doc) => all(doc, (e) => e.name === 'form' && e.attribs.action === '/admin/preview')[0]!;
const withFields = (fields: Array<[string, string]>, set: Record<string, string>): Array<[string, string]> => [
  ...fields.filter(([n]) => !(n in set)),
  ...Object.entries(set),
];
async function preview(fields: Array<[string, string]>) {
  const res = await dana.post('/admin/preview', {}, { body: new URLSearchParams(fields).toString() });
  const html = await res.text();
  expect(res.status).toBe(200);
  return { doc: dom(html), html, draft: /name="draft" value="([^"]+)"/.exec(html)![1]! };
}
const emailSummary = (doc: Doc) => textOf(all(doc, (e) => e.attribs.id === 'email-summary')[0]!);
const alerts = (doc: Doc) =>
  all(doc, (e) => e.attribs.role === 'alert')
    .map(textOf)
    .join(' ');
const backToEdit = (html: string) => /href="([^"]+)">Back to edit<\/a>/.exec(html)![1]!.replace(/&amp;/g, '&');
/** Lee changes a severity level, as the API's settings PUT with If-Match does. */
async function setLevel(id: string, change: Json): Promise<void> {
  const got = await h.admin('/settings');
  const settings = (await got.json()) as Json;
  settings.severities = (settings.severities as Json[]).map((l) => (l.id === id ? { ...l, ...change } : l));
  const res = await h.admin('/settings', { method: 'PUT', body: settings, headers: { 'if-match': got.headers.get('etag')! } });
  expect(res.status).toBe(200);
}
const incidentsNamed = async (name: string) =>
  (((await (await h.admin('/incidents')).json()) as Json).incidents as Json[]).filter((i) => i.name === name);
async function declareForm(name: string, severity: string) {
  return withFields(submitted(previewForm(await page('/admin/incidents/new'))), {
    name,
    severity,
    'component.website': 'degraded_performance',
  });
}
/** Mail sent to the reader whose subject names `name` (the outbox is given time to send any). */
async function mailsAbout(name: string): Promise<number> {
  const subjects = await Promise.all(to(smtp, READER).map(async (r) => (await smtp.parse(r)).subject ?? ''));
  return subjects.filter((s) => s.includes(name)).length;
}

describe('a severity setting changed between the preview and "Publish now"', () => {
  it('a SEV-3 declare previewed with no email is refused once SEV-3 emails subscribers; previewed again, it emails', async () => {
    await setLevel('sev3', { email_subscribers: false });
    const fields = await declareForm('Docs site slow', 'sev3');
    const first = await preview(fields);
    expect(emailSummary(first.doc)).toMatch(/^No email will be sent/);

    await setLevel('sev3', { email_subscribers: true });
    const refused = await dana.post('/admin/publish', { draft: first.draft });
    expect(refused.status).toBe(409);
    const html = await refused.text();
    expect(alerts(dom(html))).toContain(
      'Nothing was published: The severity settings were changed since this preview: it would email subscribers, where the preview said no email.',
    );
    expect(alerts(dom(html))).toContain('Your text is kept in the draft: go back to edit and preview it again');
    expect(await incidentsNamed('Docs site slow')).toEqual([]);

    // Back to edit: the form as left, and its preview now says the subscribers are emailed; that publish goes out.
    const again = await preview(submitted(previewForm(await page(backToEdit(html)))));
    expect(emailSummary(again.doc)).toMatch(/^1 subscriber will be emailed/);
    expect((await dana.post('/admin/publish', { draft: again.draft })).status).toBe(303);
    expect(await incidentsNamed('Docs site slow')).toHaveLength(1);
    await until(async () => (await mailsAbout('Docs site slow')) === 1, 'the disruption email');
    await setLevel('sev3', { email_subscribers: false });
  });

  it('a SEV-1 declare previewed as emailing is refused once SEV-1 emails no one', async () => {
    const first = await preview(await declareForm('Payouts failing', 'sev1'));
    expect(emailSummary(first.doc)).toMatch(/^1 subscriber will be emailed/);
    await setLevel('sev1', { email_subscribers: false });
    const refused = await dana.post('/admin/publish', { draft: first.draft });
    expect(refused.status).toBe(409);
    expect(alerts(dom(await refused.text()))).toContain('it would email no one, where the preview said subscribers would be emailed');
    expect(await incidentsNamed('Payouts failing')).toEqual([]);
    await setLevel('sev1', { email_subscribers: true });
  });

  it('a level given another impact and cadence since the preview is refused, naming both', async () => {
    const first = await preview(await declareForm('Search slow', 'sev3'));
    await setLevel('sev3', { impact: 'major', update_every_minutes: 60 });
    const refused = await dana.post('/admin/publish', { draft: first.draft });
    expect(refused.status).toBe(409);
    expect(alerts(dom(await refused.text()))).toContain(
      'it would have major impact, not minor impact; it would promise updates every hour, not updates every 4 hours.',
    );
    expect(await incidentsNamed('Search slow')).toEqual([]);
    await setLevel('sev3', { impact: 'minor', update_every_minutes: 240 });
  });

  it('an update previewed with no email is refused once its level emails every update', async () => {
    const made = await h.admin('/incidents', {
      body: { name: 'Login errors', severity: 'sev2', body: 'Looking.', components: { website: 'partial_outage' } },
    });
    expect(made.status).toBe(201);
    const { id } = (await made.json()) as { id: string };
    const form = withFields(submitted(previewForm(await page(`/admin/incidents/${id}`))), { status: 'identified', body: 'Found it.' });
    const first = await preview(form);
    expect(emailSummary(first.doc)).toMatch(/^No email will be sent/);
    await setLevel('sev2', { email_every_update: true });
    const refused = await dana.post('/admin/publish', { draft: first.draft });
    expect(refused.status).toBe(409);
    expect(alerts(dom(await refused.text()))).toContain('it would email subscribers, where the preview said no email');
    expect(((await (await h.admin(`/incidents/${id}`)).json()) as Json).incident_updates).toHaveLength(1);
    await setLevel('sev2', { email_every_update: false });
  });

  it('a settings change that leaves what the preview said as it was does not refuse the publish', async () => {
    const first = await preview(await declareForm('Status API slow', 'sev3'));
    await setLevel('sev3', { description: 'Edited since the preview', postmortem_due_hours: 72, postmortem_overdue_hours: 96 });
    expect((await dana.post('/admin/publish', { draft: first.draft })).status).toBe(303);
    expect(await incidentsNamed('Status API slow')).toHaveLength(1);
  });
});
