import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomUtils } from 'htmlparser2';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, outboxSettled, subscribeAndConfirm, to, until } from '../helpers/mail-flow.ts';
import { engineEnv } from '../helpers/engine.ts';
import { all, byId, byName, dom, fieldsOf, textOf } from '../helpers/dom.ts';

/**
 * A postmortem written in two tabs (a review found the stale tab's publish went over the published text,
 * said subscribers were being emailed when none was, and its "Save draft" put a half-written text live).
 * The form carries the postmortem's updated_at as it was opened on; a save over a newer one is refused
 * (409), showing the text saved since and keeping what was typed; "Save draft" is refused on a published
 * postmortem; the notice says what the save did, never what the buttons asked.
 */
const EMAIL = 'reader@example.test';
let smtp: TestSmtp;
let h: HeraldProcess;
let dana: ConsoleSession;
let lee: ConsoleSession;

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startHerald({ env: { ...(await engineEnv()), SMTP_URL: smtp.url, SITE_URL: SITE } });
  expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
  await subscribeAndConfirm(h, smtp, EMAIL);
  dana = await signIn(h, 'Dana');
  lee = await signIn(h, 'Lee');
}, 60_000);
afterAll(() => stopAll(h, smtp));

const resolvedIncident = async (name: string): Promise<string> => {
  const res = await h.admin('/incidents', {
    body: { name, impact: 'minor', body: 'Looking.', components: { api: 'degraded_performance' } },
  });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.', notify: false } })).status).toBe(201);
  return id;
};
const pagePath = (id: string) => `/admin/incidents/${id}/postmortem`;
/** The postmortem form as a tab shows it (from a fresh GET, or from a page answered to a post). */
const formOf = async (s: ConsoleSession, id: string, html?: string) => {
  const doc = dom(html ?? (await (await fetch(`${h.url}${pagePath(id)}`, { headers: { cookie: s.cookie } })).text()));
  const form = all(doc, (e) => e.name === 'form' && e.attribs['data-keep'] === 'postmortem')[0]!;
  return { doc, fields: fieldsOf(form), typed: DomUtils.textContent(byName(form, 'body')!) };
};
/** The notice the redirect after a save leads to. */
const noticeAfter = async (s: ConsoleSession, res: Response): Promise<string> => {
  expect(res.status).toBe(303);
  const doc = dom(await (await fetch(`${h.url}${res.headers.get('location')}`, { headers: { cookie: s.cookie } })).text());
  return textOf(all(doc, (e) => e.attribs.role === 'status' && e.attribs.class === 'notice ok')[0]!);
};
const publicPage = async (id: string) => (await (await fetch(`${h.url}/incidents/${id}`)).text()).replace(/\s+/g, ' ');
const mails = () => to(smtp, EMAIL).length;
/** The notice after a publish that emails the one subscriber, as the outbox has it then. */
const EMAILING = /^Published on the incident page; subscribers (are being emailed|were emailed \(1 subscriber\))\.$/;

describe('a postmortem form opened before another tab saved', () => {
  it('its publish, draft save and withdraw are refused (409) with the text saved since; what was typed is kept', async () => {
    const id = await resolvedIncident('Search slow');
    const stale = await formOf(lee, id);

    const danas = await formOf(dana, id);
    const published = await dana.post(pagePath(id), {
      ...danas.fields,
      action: 'publish',
      body: '## Summary\n\nAn index rebuild ran at peak.',
    });
    // A preview in the stale tab shows it, saves nothing, and keeps the form on what it was opened on.
    const preview = await lee.post(pagePath(id), { ...stale.fields, action: 'preview', body: '## Summary\n\nOld words.' });
    const previewHtml = await preview.text();
    const previewed = await formOf(lee, id, previewHtml);
    expect(textOf(byId(previewed.doc, 'pm-preview-title')!)).toBe('Preview: as customers will read it');
    // Its headings as the incident page has them, under the preview's h2 (before: "## Summary" an h4).
    expect(previewHtml).toMatch(/<div class="postmortem preview-frame"[^>]*><h3>Summary<\/h3>/);
    expect(previewed.fields.seen).toBe(stale.fields.seen);
    expect(await noticeAfter(dana, published)).toBe('Published on the incident page. No email was sent.');
    await outboxSettled(h);
    const before = mails();

    // Before: 303, the page showed Lee's older text and Lee read "subscribers are being emailed" (none was).
    const refused = await lee.post(pagePath(id), { ...stale.fields, action: 'publish', notify: '1', body: '## Summary\n\nOld words.' });
    expect(refused.status).toBe(409);
    expect(stale.fields.seen, 'the form was opened on no postmortem').toBe('');
    const shown = await formOf(lee, id, await refused.text());
    const since = byId(shown.doc, 'postmortem-since')!;
    expect(textOf(since)).toContain('Since you opened this form, this postmortem was saved from another tab or by someone else');
    expect(textOf(since)).toContain('it is published on the incident page');
    expect(textOf(all(since, (e) => e.name === 'pre')[0]!), "Dana's text, as it reads now").toBe(
      '## Summary An index rebuild ran at peak.',
    );
    expect(shown.typed, 'what Lee typed is kept').toBe('## Summary\n\nOld words.');
    expect(shown.fields.seen, 'the form shown again is written after Dana’s save').not.toBe('');

    // Before: 303 "Draft saved." with the half-written text live at once.
    const draft = await lee.post(pagePath(id), { ...stale.fields, action: 'save', body: 'Half-written draft…' });
    expect(draft.status).toBe(409);
    // Before: a withdraw from the stale tab put its own text in as well.
    const withdraw = await lee.post(pagePath(id), { ...stale.fields, action: 'withdraw', body: 'Stale text.' });
    expect(withdraw.status).toBe(409);
    const page = await publicPage(id);
    expect(page).toContain('An index rebuild ran at peak.');
    expect(page).not.toMatch(/Old words|Half-written|Stale text/);

    // "Save draft" from a current form of a published postmortem (the page offers none): refused, text kept.
    const forged = await lee.post(pagePath(id), { ...shown.fields, action: 'save', body: 'Half-written draft…' });
    expect(forged.status).toBe(409);
    const forgedPage = await formOf(lee, id, await forged.text());
    expect(textOf(all(forgedPage.doc, (e) => e.attribs.role === 'alert')[0]!)).toContain('Withdraw it to keep a draft');
    expect(forgedPage.typed).toBe('Half-written draft…');
    expect(await publicPage(id)).not.toContain('Half-written');

    // Saved again from the form as shown, Lee's text goes in; no email was asked or sent.
    const kept = await lee.post(pagePath(id), { ...shown.fields, action: 'publish', body: '## Summary\n\nNew words.' });
    expect(await noticeAfter(lee, kept)).toBe('Published on the incident page. No email was sent.');
    expect(await publicPage(id)).toContain('New words.');
    await outboxSettled(h);
    expect(mails()).toBe(before);
  });

  it('a publish that emails says so once; the same post again is no conflict and says the email went with the first', async () => {
    const id = await resolvedIncident('Uploads failing');
    const form = await formOf(dana, id);
    await outboxSettled(h);
    const before = mails();
    const post = () => dana.post(pagePath(id), { ...form.fields, action: 'publish', notify: '1', body: '## Summary\n\nA full disk.' });
    // What the outbox did with it by then: under way, or already sent to the one subscriber.
    expect(await noticeAfter(dana, await post())).toMatch(EMAILING);
    await until(() => mails() > before, 'the postmortem email');
    // Back and resubmit, or a retry: it finds its own save, and emails nobody again.
    expect(await noticeAfter(dana, await post())).toBe(
      'Published on the incident page. Subscribers were emailed when it was first published, and are not emailed again.',
    );
    await outboxSettled(h);
    expect(mails()).toBe(before + 1);
  });
});

describe('the notice after a save', () => {
  // From a hunt: the form had no action, so a later post went to `?saved=publish-notify`, and its answer (a
  // refused save, a preview) read "subscribers are being emailed" above "Nothing was saved".
  it('shows only on the page that save led to: not on a refused save or a preview posted from there', async () => {
    const id = await resolvedIncident('Imports stuck');
    const opened = await formOf(dana, id);
    const published = await dana.post(pagePath(id), {
      ...opened.fields,
      action: 'publish',
      notify: '1',
      body: '## Summary\n\nA stuck queue.',
    });
    const landed = published.headers.get('location')!;
    expect(landed).toBe(`${pagePath(id)}?saved=publish-notify`);
    const html = await (await fetch(`${h.url}${landed}`, { headers: { cookie: dana.cookie } })).text();
    const there = await formOf(dana, id, html);
    expect(textOf(all(there.doc, (e) => e.attribs.class === 'notice ok')[0]!)).toMatch(EMAILING);
    // Where the browser posts the form from that page: its action, or (none) the page's own address.
    const form = all(there.doc, (e) => e.name === 'form' && e.attribs['data-keep'] === 'postmortem')[0]!;
    const target = form.attribs.action ?? landed;
    const okNotices = (doc: ReturnType<typeof dom>) => all(doc, (e) => e.attribs.class === 'notice ok').map(textOf);

    for (const address of [target, landed]) {
      const refused = await dana.post(address, { ...there.fields, action: 'publish', body: '## Summary\n\n[fill in: oops]' });
      expect(refused.status).toBe(422);
      const answer = await refused.text();
      expect(answer).toContain('Nothing was saved.');
      const doc = dom(answer);
      expect(okNotices(doc)).toEqual([]);
      const preview = dom(
        await (await dana.post(address, { ...there.fields, action: 'preview', body: '## Summary\n\nA stuck queue.' })).text(),
      );
      expect(textOf(byId(preview, 'pm-preview-title')!)).toBe('Preview: as customers will read it');
      expect(okNotices(preview)).toEqual([]);
    }
    expect(target).toBe(pagePath(id));
  });
});

describe('a published postmortem and the root cause told with the resolution', () => {
  it('the editor says a published postmortem takes the place of the root cause told with the resolution', async () => {
    const res = await h.admin('/incidents', { body: { name: 'Logins failing', impact: 'minor', body: 'Looking.' } });
    const { id } = (await res.json()) as { id: string };
    const told = { root_cause: 'A bad deploy.', prevention: 'Canary releases.' };
    expect(
      (await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.', notify: false, ...told } })).status,
    ).toBe(201);
    const note = async () => byId((await formOf(dana, id)).doc, 'told-yields');
    expect(textOf((await note())!)).toContain("takes the place of the incident page's “What happened” box");
    expect(await publicPage(id)).toContain('What happened</h2>');
    const form = await formOf(dana, id);
    expect(
      (await dana.post(pagePath(id), { ...form.fields, action: 'publish', body: '## Root cause\n\nAn expired certificate.' })).status,
    ).toBe(303);
    expect(await note()).toBeUndefined();
    const page = await publicPage(id);
    expect(page).not.toContain('What happened</h2>');
    expect(page).not.toContain('A bad deploy.');
    expect(page).toContain('An expired certificate.');
  });
});

describe('the postmortem email', () => {
  it('goes out at most once ever: on a publication after a withdraw if none was asked before, never again after', async () => {
    const id = await resolvedIncident('Exports stuck');
    const put = (body: Record<string, unknown>) => h.admin(`/incidents/${id}/postmortem`, { method: 'PUT', body });
    const text = '## Summary\n\nA queue stalled.';
    await outboxSettled(h);
    const before = mails();
    expect((await put({ body: text, publish: true })).status).toBe(200);
    expect((await put({ publish: false })).status).toBe(200);
    expect((await put({ publish: true, notify: true })).status).toBe(200);
    await until(() => mails() > before, 'the postmortem email');
    expect((await put({ publish: false })).status).toBe(200);
    expect((await put({ publish: true, notify: true })).status).toBe(200);
    await outboxSettled(h);
    expect(mails()).toBe(before + 1);
    // The console offers the box no more.
    expect(await (await fetch(`${h.url}${pagePath(id)}`, { headers: { cookie: dana.cookie } })).text()).not.toContain('name="notify"');
  });
});

/** Whether the form's "Email subscribers when publishing" box is ticked (undefined: not offered). */
const ticked = (doc: ReturnType<typeof dom>) => {
  const box = all(doc, (e) => e.name === 'input' && e.attribs.name === 'notify')[0];
  return box ? 'checked' in box.attribs : undefined;
};

// From a hunt on the Comms Lead's choices: the tick was dropped by a refused publish (which said the input was
// kept) and by "Save draft", so the publication that followed from the form emailed no one.
describe('the "Email subscribers" tick is kept as the text is', () => {
  it('by a publish refused because a teammate saved a draft meanwhile', async () => {
    const id = await resolvedIncident('Webhooks late');
    const mine = await formOf(dana, id);
    expect(ticked(mine.doc)).toBe(false);
    expect((await h.admin(`/incidents/${id}/postmortem`, { method: 'PUT', body: { body: '## Summary\n\nLee’s draft.' } })).status).toBe(
      200,
    );
    const refused = await dana.post(pagePath(id), { ...mine.fields, action: 'publish', notify: '1', body: '## Summary\n\nMine.' });
    expect(refused.status).toBe(409);
    const shown = await formOf(dana, id, await refused.text());
    expect(shown.typed).toBe('## Summary\n\nMine.');
    // Before: the box came back unticked, and the next Publish emailed no one.
    expect(ticked(shown.doc)).toBe(true);
  });

  it('by "Save draft": the form drawn again after it is still ticked, for the publication to come', async () => {
    const id = await resolvedIncident('Invoices missing');
    const mine = await formOf(dana, id);
    const saved = await dana.post(pagePath(id), { ...mine.fields, action: 'save', notify: '1', body: '## Summary\n\nA cron job stopped.' });
    expect(saved.status).toBe(303);
    const again = await formOf(
      dana,
      id,
      await (await fetch(`${h.url}${saved.headers.get('location')}`, { headers: { cookie: dana.cookie } })).text(),
    );
    // Before: unticked after "Draft saved.".
    expect(ticked(again.doc)).toBe(true);
    // Not ticked on a draft saved without it.
    const plain = await dana.post(pagePath(id), { ...again.fields, action: 'save', body: '## Summary\n\nA cron job stopped at 02:00.' });
    expect(
      ticked(
        (
          await formOf(
            dana,
            id,
            await (await fetch(`${h.url}${plain.headers.get('location')}`, { headers: { cookie: dana.cookie } })).text(),
          )
        ).doc,
      ),
    ).toBe(false);
  });
});
