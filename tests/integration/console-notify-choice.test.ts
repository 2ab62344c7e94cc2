import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, subscribeAndConfirm } from '../helpers/mail-flow.ts';
import { all, dom, submitted, textOf, type Doc } from '../helpers/dom.ts';

/**
 * The "Email subscribers" box, from a review: unticked by hand on a SEV-1 declare (a drill), the preview said
 * no email; "Back to edit" showed the box unticked, and the same form previewed again said the subscribers
 * would be emailed: drawn again, the box read as "as shown", which lets the severity decide. The same after a
 * refused form, and the other way round for an update ticked by hand. Over plain HTTP, as with scripts off.
 */
let h: HeraldProcess;
let smtp: TestSmtp;
let s: ConsoleSession;

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startHerald({ env: { SMTP_URL: smtp.url, SITE_URL: SITE } });
  expect((await h.admin('/components', { body: { id: 'payouts', name: 'Payouts' } })).status).toBe(201);
  await subscribeAndConfirm(h, smtp, 'reader@example.com');
  s = await signIn(h);
}, 60_000);
afterAll(() => stopAll(h, smtp));

const page = async (path: string) => dom(await (await fetch(`${h.url}${path}`, { headers: { cookie: s.cookie } })).text());
/** The page's form that posts to the preview. */
const previewForm = (doc: Doc) => all(doc, (e) => e.name === 'form' && (e.attribs.action ?? '').startsWith('/admin/preview'))[0]!;
const box = (doc: Doc) => all(previewForm(doc), (e) => e.name === 'input' && e.attribs.name === 'notify')[0]!;
/** Posts `fields` to the preview: the page it answers. */
async function preview(fields: Array<[string, string]>): Promise<{ status: number; doc: Doc; html: string }> {
  const res = await s.post('/admin/preview', {}, { body: new URLSearchParams(fields).toString() });
  const html = await res.text();
  return { status: res.status, doc: dom(html), html };
}
const emailSummary = (doc: Doc) => textOf(all(doc, (e) => e.attribs.id === 'email-summary')[0]!);
const backToEdit = (html: string) => /href="([^"]+)">Back to edit<\/a>/.exec(html)![1]!.replace(/&amp;/g, '&');
/** `fields` with `name` set to `value` (or taken out, for null). */
const withField = (fields: Array<[string, string]>, name: string, value: string | null) => [
  ...fields.filter(([n]) => n !== name),
  ...(value === null ? [] : [[name, value] as [string, string]]),
];

describe('the Email subscribers box, set by hand, stays as set when the form is drawn again', () => {
  it('a declare unticked on a SEV-1 sends no email, previewed again after "Back to edit"', async () => {
    const blank = submitted(previewForm(await page('/admin/incidents/new')));
    let fields = withField(withField(blank, 'name', 'DRILL: payouts, do not email'), 'severity', 'sev1');
    fields = withField(withField(fields, 'component.payouts', 'partial_outage'), 'notify', null);
    const first = await preview(fields);
    expect(first.status).toBe(200);
    expect(emailSummary(first.doc)).toMatch(/^No email will be sent/);

    const edit = await page(backToEdit(first.html));
    expect('checked' in box(edit).attribs, 'the box as the Comms Lead left it').toBe(false);
    const again = await preview(submitted(previewForm(edit)));
    expect(again.status).toBe(200);
    expect(emailSummary(again.doc), 'the same form previewed again').toMatch(/^No email will be sent/);
  });

  it('a declare unticked, refused for want of a severity, then given SEV-1, sends no email', async () => {
    const blank = submitted(previewForm(await page('/admin/incidents/new')));
    const fields = withField(withField(withField(blank, 'name', 'Another drill'), 'component.payouts', 'partial_outage'), 'notify', null);
    const refused = await preview(withField(fields, 'severity', ''));
    expect(refused.status).toBe(422);
    expect('checked' in box(refused.doc).attribs).toBe(false);
    const chosen = await preview(withField(submitted(previewForm(refused.doc)), 'severity', 'sev1'));
    expect(chosen.status).toBe(200);
    expect(emailSummary(chosen.doc)).toMatch(/^No email will be sent/);
  });

  it('an update ticked by hand (a plain update emails no one by default) still emails after "Back to edit"', async () => {
    const made = await h.admin('/incidents', {
      body: { name: 'Payouts slow', severity: 'sev3', body: 'Looking.', components: { payouts: 'degraded_performance' } },
    });
    expect(made.status).toBe(201);
    const { id } = (await made.json()) as { id: string };
    const form = submitted(previewForm(await page(`/admin/incidents/${id}`)));
    expect(
      form.some(([n]) => n === 'notify'),
      'a plain update emails no one unless ticked',
    ).toBe(false);
    const fields = withField(withField(withField(form, 'status', 'identified'), 'body', 'Found the slow query.'), 'notify', '1');
    const first = await preview(fields);
    expect(first.status).toBe(200);
    expect(emailSummary(first.doc)).toMatch(/^1 subscriber will be emailed/);

    const edit = await page(backToEdit(first.html));
    expect('checked' in box(edit).attribs).toBe(true);
    const again = await preview(submitted(previewForm(edit)));
    expect(emailSummary(again.doc), 'the same form previewed again').toMatch(/^1 subscriber will be emailed/);
  });

  it('left as shown, the box still follows the severity chosen (no choice by hand to keep)', async () => {
    const blank = submitted(previewForm(await page('/admin/incidents/new')));
    const refused = await preview(withField(withField(blank, 'name', 'Real outage'), 'severity', ''));
    expect(refused.status).toBe(422);
    const fields = withField(withField(submitted(previewForm(refused.doc)), 'severity', 'sev1'), 'component.payouts', 'major_outage');
    const chosen = await preview(fields);
    expect(emailSummary(chosen.doc)).toMatch(/^1 subscriber will be emailed/);
  });
});
