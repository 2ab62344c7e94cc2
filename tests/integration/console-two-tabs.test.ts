import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { all, byId, byName, dom, fieldsOf, textOf } from '../helpers/dom.ts';

/**
 * Two people writing updates to one incident in two tabs (a review found the later publish went over
 * the earlier unseen: Monitoring back to Identified, the API back to a major outage). An update form
 * carries the newest update it was opened after; a preview or a publish made after a newer one is
 * refused, naming that update, and what was typed is kept. A correction of an update's text, likewise,
 * is refused over a correction made since its form was opened.
 */
let h: HeraldProcess;
let dana: ConsoleSession;
let lee: ConsoleSession;

beforeAll(async () => {
  h = await startHerald();
  expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
  dana = await signIn(h, 'Dana');
  lee = await signIn(h, 'Lee');
}, 60_000);
afterAll(() => stopAll(h));

type Json = Record<string, any>;
const json = async (path: string): Promise<Json> => (await (await h.admin(path)).json()) as Json;
const declare = async (name: string): Promise<string> => {
  const res = await h.admin('/incidents', { body: { name, impact: 'major', body: 'Looking.', components: { api: 'major_outage' } } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
};
/** The update form's hidden fields as a tab shows them now. */
const updateForm = async (s: ConsoleSession, id: string): Promise<Record<string, string>> => {
  const doc = dom(await (await fetch(`${h.url}/admin/incidents/${id}`, { headers: { cookie: s.cookie } })).text());
  return fieldsOf(all(byId(doc, 'post-update')!, (e) => e.name === 'form')[0]!);
};
const draftOf = (html: string) => /name="draft" value="([^"]+)"/.exec(html)?.[1];
const state = async (id: string) => {
  const i = await json(`/incidents/${id}`);
  const api = ((await json('/components')).components as Json[]).find((c) => c.id === 'api')!;
  return { status: i.status as string, updates: (i.incident_updates as Json[]).length, api: api.status as string };
};

describe('an update form opened before someone else published', () => {
  it('its preview is refused, naming the newer update; the form shown again, read after it, goes through', async () => {
    const id = await declare('Checkout errors');
    const stale = await updateForm(lee, id);
    expect(stale.after, 'the form carries the newest update').toBeTruthy();

    const danas = await updateForm(dana, id);
    const previewed = await dana.post('/admin/preview', {
      ...danas,
      status: 'monitoring',
      'component.api': 'operational',
      body: 'A fix is deployed; we are watching error rates.',
      notify_shown: '0',
      eta: 'keep',
    });
    expect(previewed.status).toBe(200);
    expect((await dana.post('/admin/publish', { draft: draftOf(await previewed.text())! })).status).toBe(303);
    const afterDana = await state(id);
    expect(afterDana).toMatchObject({ status: 'monitoring', api: 'operational' });

    const typed = {
      status: 'identified',
      'component.api': 'major_outage',
      body: 'Identified: a bad deploy.',
      notify_shown: '0',
      eta: 'keep',
    };
    const refused = await lee.post('/admin/preview', { ...stale, ...typed });
    expect(refused.status).toBe(409);
    const doc = dom(await refused.text());
    const alert = all(doc, (e) => e.attribs.role === 'alert').map(textOf);
    expect(alert).toEqual([
      expect.stringMatching(
        /^Since you opened this form, Dana posted an update to Checkout errors \(Monitoring, [^)]*\d{2}:\d{2} UTC\): “A fix is deployed; we are watching error rates\.” Check that yours still fits, then preview again\.$/,
      ),
    ]);
    expect(await state(id), 'nothing changed').toEqual(afterDana);
    const again = fieldsOf(all(doc, (e) => e.name === 'form' && (e.attribs.action ?? '').startsWith('/admin/preview'))[0]!);
    expect(textOf(byId(doc, 'update-body')!)).toBe('Identified: a bad deploy.');
    expect(again.once, 'the same form').toBe(stale.once);
    expect(again.after, 'now read after Dana’s update').not.toBe(stale.after);

    // Lee has read it and still means it: the second preview, and its publish, go through.
    const second = await lee.post('/admin/preview', { ...again, ...typed });
    expect(second.status).toBe(200);
    expect((await lee.post('/admin/publish', { draft: draftOf(await second.text())! })).status).toBe(303);
    expect(await state(id)).toMatchObject({ status: 'identified', api: 'major_outage', updates: afterDana.updates + 1 });
  });

  it('a draft previewed before a newer update is refused at its publish; nothing goes out and the draft is kept', async () => {
    const id = await declare('Search errors');
    const form = await updateForm(lee, id);
    const previewed = await lee.post('/admin/preview', {
      ...form,
      status: 'identified',
      body: 'Found it.',
      notify_shown: '0',
      eta: 'keep',
    });
    expect(previewed.status).toBe(200);
    const draft = draftOf(await previewed.text())!;
    expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'monitoring', body: 'Fix is out.' } })).status).toBe(201);
    const before = await state(id);

    const published = await lee.post('/admin/publish', { draft });
    expect(published.status).toBe(409);
    const doc = dom(await published.text());
    const said = all(doc, (e) => e.attribs.role === 'alert')
      .map(textOf)
      .join(' ');
    expect(said).toContain('Nothing was published: Since you opened this form, the API posted an update to Search errors (Monitoring,');
    expect(said).toContain('Your text is kept in the draft');
    const back = all(doc, (e) => e.name === 'a' && (e.attribs.href ?? '').includes(`draft=${draft}`))[0];
    expect(back, 'a way back to the draft').toBeDefined();
    expect(await state(id)).toEqual(before);
    // Back to edit: the form is now written after the update just named, so its next preview goes through.
    const edit = dom(await (await fetch(`${h.url}${back!.attribs.href}`, { headers: { cookie: lee.cookie } })).text());
    const fields = fieldsOf(all(byId(edit, 'post-update')!, (e) => e.name === 'form')[0]!);
    expect(textOf(byId(edit, 'update-body')!)).toBe('Found it.');
    const again = await lee.post('/admin/preview', { ...fields, status: 'identified', body: 'Found it.', notify_shown: '0', eta: 'keep' });
    expect(again.status).toBe(200);
  });

  it('two tabs resolving the same incident: the second resolve is refused, naming the first (not a second "Resolved")', async () => {
    const id = await declare('Upload errors');
    const leeForm = await updateForm(lee, id);
    const resolve = { status: 'resolved', body: 'Fixed.', notify_shown: '0', eta: 'keep' };
    const danas = await dana.post('/admin/preview', { ...(await updateForm(dana, id)), ...resolve });
    expect((await dana.post('/admin/publish', { draft: draftOf(await danas.text())! })).status).toBe(303);
    const refused = await lee.post('/admin/preview', { ...leeForm, ...resolve, body: 'All fixed now.' });
    expect(refused.status).toBe(409);
    expect(
      all(dom(await refused.text()), (e) => e.attribs.role === 'alert')
        .map(textOf)
        .join(' '),
    ).toContain('Since you opened this form, Dana posted an update to Upload errors (Resolved,');
    expect((await state(id)).updates).toBe(2);
  });

  it('an update of your own from another tab is named as yours', async () => {
    const id = await declare('Billing errors');
    const first = await updateForm(dana, id);
    const other = await dana.post('/admin/preview', {
      ...(await updateForm(dana, id)),
      status: 'identified',
      body: 'Found.',
      notify_shown: '0',
      eta: 'keep',
    });
    expect((await dana.post('/admin/publish', { draft: draftOf(await other.text())! })).status).toBe(303);
    const refused = await dana.post('/admin/preview', {
      ...first,
      status: 'monitoring',
      body: 'Watching.',
      notify_shown: '0',
      eta: 'keep',
    });
    expect(refused.status).toBe(409);
    expect(
      all(dom(await refused.text()), (e) => e.attribs.role === 'alert')
        .map(textOf)
        .join(' '),
    ).toContain('Since you opened this form, you posted an update to Billing errors (Identified,');
  });

  it('the form published twice (back and resubmit) still says it was published, not that it is stale', async () => {
    const id = await declare('Login errors');
    const form = { ...(await updateForm(dana, id)), status: 'identified', body: 'Found the cause.', notify_shown: '0', eta: 'keep' };
    const first = await dana.post('/admin/preview', form);
    expect((await dana.post('/admin/publish', { draft: draftOf(await first.text())! })).status).toBe(303);
    const again = await dana.post('/admin/preview', form);
    expect(again.status).toBe(200);
    const html = await again.text();
    expect(html).toContain('This form was published already');
    expect(html, 'not also "nothing has been published"').not.toContain('Nothing has been published yet');
    // From a hunt: the rest of the page still told what publishing would send ("1 subscriber will be emailed",
    // a preview under a new id), beside "nothing is published or emailed again".
    expect(html).not.toContain('will be emailed');
    expect(html).not.toContain('id="email-summary"');
    expect(html).not.toContain('id="page-preview"');
    expect(html).not.toContain('name="draft"');
    expect(html).not.toContain('Check, then publish');
  });

  it('the preview of a resolving update gives no estimate (resolving clears it), and says how to email when it will not', async () => {
    const id = await declare('Export errors');
    const form = { ...(await updateForm(dana, id)), status: 'resolved', body: 'Fixed.', notify_shown: '1', eta: 'keep' };
    const doc = dom(await (await dana.post('/admin/preview', form)).text());
    const terms = all(doc, (e) => e.name === 'dt').map(textOf);
    expect(terms).toContain('Status');
    expect(terms).not.toContain('Estimated resolution');
    const quiet = dom(await (await dana.post('/admin/preview', { ...form, status: 'identified', notify_shown: '0' })).text());
    expect(textOf(byId(quiet, 'email')!)).toContain(
      'This update sends no email. To send one, go back to edit and tick “Email subscribers”.',
    );
  });
});

describe('a correction from a tab opened before someone else corrected the same update', () => {
  it('is refused (409) and shows their text; what was typed is kept, and saving again goes through', async () => {
    const id = await declare('Search errors');
    const first = ((await json(`/incidents/${id}`)).incident_updates as Json[]).at(-1)!.id as string;
    const page = `/admin/incidents/${id}/correct?update=${first}`;
    const correctForm = async (s: ConsoleSession, html?: string) => {
      const doc = dom(html ?? (await (await fetch(`${h.url}${page}`, { headers: { cookie: s.cookie } })).text()));
      const form = all(doc, (e) => e.name === 'form' && 'data-keep' in e.attribs)[0]!;
      const fields: Record<string, string> = { ...fieldsOf(form), body: textOf(byName(form, 'body')!) };
      return { doc, fields };
    };
    const leeForm = (await correctForm(lee)).fields;
    const danaForm = (await correctForm(dana)).fields;
    expect(leeForm.edited, 'never corrected').toBe('');

    expect((await dana.post(page, { ...danaForm, body: 'Search fails for every query.' })).status).toBe(303);
    // The same form sent again (Back and resubmit, a retry) is no conflict: it is saved already.
    expect((await dana.post(page, { ...danaForm, body: 'Search fails for every query.' })).status).toBe(303);
    const refused = await lee.post(page, { ...leeForm, body: 'Looking into search errors.' });
    expect(refused.status).toBe(409);
    const shown = await correctForm(lee, await refused.text());
    const since = byId(shown.doc, 'corrected-since')!;
    expect(textOf(since)).toContain('Since you opened this form, this update was corrected');
    expect(textOf(all(since, (e) => e.name === 'pre')[0]!), 'their text, as it reads now').toBe('Search fails for every query.');
    expect(shown.fields.body, 'what Lee typed is kept').toBe('Looking into search errors.');
    expect(((await json(`/incidents/${id}`)).incident_updates as Json[]).at(-1)!.body, "Dana's text stands").toBe(
      'Search fails for every query.',
    );

    // Saved again from the form as shown (now written after Dana's correction), Lee's text goes in.
    expect((await lee.post(page, shown.fields)).status).toBe(303);
    expect(((await json(`/incidents/${id}`)).incident_updates as Json[]).at(-1)!.body).toBe('Looking into search errors.');
  });
});
