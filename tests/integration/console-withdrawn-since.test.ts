import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { all, dom, submitted, textOf, type Doc } from '../helpers/dom.ts';

/**
 * Two Comms Leads, one withdrawing an incident the other is writing to (from a test with two browser
 * sessions): the update form's Preview answered a bare "No such incident." (404, text/plain), and the text
 * typed was lost; its Publish already kept it. It is kept the same way at the preview.
 */
let h: HeraldProcess;
let dana: ConsoleSession;
let lee: ConsoleSession;

beforeAll(async () => {
  h = await startHerald();
  expect((await h.admin('/components', { body: { id: 'payouts', name: 'Payouts' } })).status).toBe(201);
  dana = await signIn(h, 'Dana');
  lee = await signIn(h, 'Lee');
}, 60_000);
afterAll(() => stopAll(h));

type Json = Record<string, any>;
const page = async (s: ConsoleSession, path: string) =>
  dom(await (await fetch(`${h.url}${path}`, { headers: { cookie: s.cookie } })).text());
const previewForm = (doc: Doc) => all(doc, (e) => e.name === 'form' && e.attribs.action === '/admin/preview')[0]!;
const withFields = (fields: Array<[string, string]>, set: Record<string, string>): Array<[string, string]> => [
  ...fields.filter(([n]) => !(n in set)),
  ...Object.entries(set),
];
const post = (s: ConsoleSession, path: string, fields: Array<[string, string]>) =>
  s.post(path, {}, { body: new URLSearchParams(fields).toString() });
/** Lee withdraws it, through the console's confirmation. */
const withdraw = async (id: string) => {
  const res = await lee.post(`/admin/incidents/${id}/withdraw`, { id, confirm: '1' });
  expect(res.status).toBe(303);
};

describe('an incident withdrawn while an update to it is being written', () => {
  it('its preview says so and keeps the text to copy, not a bare 404', async () => {
    const made = await h.admin('/incidents', {
      body: { name: 'Payouts slow', severity: 'sev3', body: 'Looking.', components: { payouts: 'degraded_performance' } },
    });
    expect(made.status).toBe(201);
    const { id } = (await made.json()) as Json;
    const form = withFields(submitted(previewForm(await page(dana, `/admin/incidents/${id}`))), {
      status: 'identified',
      body: 'Found it: a stuck queue <b>worker</b>.',
    });
    await withdraw(id);

    const res = await post(dana, '/admin/preview', form);
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    const notice = all(dom(html), (e) => e.name === 'div' && e.attribs.class === 'notice bad')[0];
    expect(notice && textOf(notice)).toBe(
      `Nothing was previewed: ${id} (“Payouts slow”) was withdrawn since you opened this form, so it takes no more updates. Your text is below, to copy.`,
    );
    expect(html).toMatch(/<textarea id="kept-text" readonly[^>]*>Found it: a stuck queue &lt;b&gt;worker&lt;\/b&gt;\.<\/textarea>/);
    expect(html).not.toContain('name="draft"');
  });

  it('an update form naming no incident there ever was is still a 404', async () => {
    const form = withFields(submitted(previewForm(await page(dana, '/admin/incidents/new'))), {
      kind: 'update',
      incident: 'INC-2000-01-01-9',
    });
    expect((await post(dana, '/admin/preview', form)).status).toBe(404);
  });
});

describe('an incident withdrawn while its postmortem is being written', () => {
  it('a save or publish of its form says so and shows the text to copy (409), where it answered 200 with the withdrawn page and dropped it', async () => {
    const made = await h.admin('/incidents', {
      body: { name: 'Refunds late', severity: 'sev3', body: 'Looking.', components: { payouts: 'degraded_performance' } },
    });
    const { id } = (await made.json()) as Json;
    expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.' } })).status).toBe(201);
    const path = `/admin/incidents/${id}/postmortem`;
    const form = submitted(all(await page(dana, path), (e) => e.name === 'form' && e.attribs.action === path)[0]!);
    const typed = '## Summary\n\nRefunds were <em>late</em> for an hour & a half.';
    await withdraw(id);

    for (const action of ['save', 'publish', 'preview']) {
      const res = await post(dana, path, withFields(form, { body: typed, action }));
      // Before: 200, the withdrawn incident's page, and the text gone.
      expect(res.status, action).toBe(409);
      const html = await res.text();
      const notice = all(dom(html), (e) => e.name === 'div' && e.attribs.class === 'notice bad')[0];
      expect(notice && textOf(notice), action).toBe(
        `Nothing was saved: ${id} (“Refunds late”) was withdrawn since you opened this form, so it takes no more changes. Your text is below, to copy.`,
      );
      expect(html, action).toContain('>## Summary\n\nRefunds were &lt;em&gt;late&lt;/em&gt; for an hour &amp; a half.</textarea>');
      expect(html, action).toMatch(/<title>Error: /);
    }
    // Its name's form, the same; a form without the session's token is still refused as such.
    const named = await post(dana, `/admin/incidents/${id}/name`, [
      ['csrf', dana.csrf],
      ['name', 'Refunds slow'],
    ]);
    expect(named.status).toBe(409);
    expect(await named.text()).toMatch(/<textarea id="kept-text" readonly[^>]*>Refunds slow<\/textarea>/);
    const forged = await post(dana, path, [
      ['csrf', 'wrong'],
      ['body', typed],
      ['action', 'save'],
    ]);
    expect(forged.status).toBe(403);
    // Opened, it is still the withdrawn incident's page.
    expect((await fetch(`${h.url}${path}`, { headers: { cookie: dana.cookie } })).status).toBe(200);
  });
});

describe('a declare withdrawn by mistake, declared again from the same form', () => {
  it('previews and publishes as a new incident, where it said "published already" and led to the withdrawn one (404)', async () => {
    const form = withFields(submitted(previewForm(await page(dana, '/admin/incidents/new'))), {
      name: 'Payouts failing',
      severity: 'sev1',
      'component.payouts': 'major_outage',
    });
    const draftOf = async (res: Response) => {
      expect(res.status).toBe(200);
      const html = await res.text();
      return { html, draft: /name="draft" value="([^"]+)"/.exec(html)![1]! };
    };
    const publish = async (draft: string) => {
      const res = await dana.post('/admin/publish', { draft });
      expect(res.status).toBe(303);
      return /^\/admin\/incidents\/([^?]+)\?published=1$/.exec(res.headers.get('location')!)![1]!;
    };
    const first = await publish((await draftOf(await post(dana, '/admin/preview', form))).draft);
    await withdraw(first);

    // Back and resubmit: the same form, posted again.
    const again = await draftOf(await post(dana, '/admin/preview', form));
    expect(again.html).not.toContain('id="published-as"');
    expect(again.html).toContain('This is what will go out if you publish now.');
    const second = await publish(again.draft);
    expect(second).not.toBe(first);
    expect((await fetch(`${h.url}/admin/incidents/${second}`, { headers: { cookie: dana.cookie } })).status).toBe(200);
    expect((await (await h.admin(`/incidents/${second}`)).json()) as Json).toMatchObject({ name: 'Payouts failing' });

    // Posted once more, it is the one published now that the form finds: nothing new is declared.
    const third = await post(dana, '/admin/preview', form);
    expect(third.status).toBe(200);
    const thirdHtml = await third.text();
    expect(textOf(all(dom(thirdHtml), (e) => e.attribs.id === 'published-as')[0]!)).toContain(`published already, as ${second}.`);
    expect(thirdHtml, 'nothing offered to publish').not.toContain('name="draft"');
    const open = (((await (await h.admin('/incidents')).json()) as Json).incidents as Json[]).filter((i) => i.name === 'Payouts failing');
    expect(open.map((i) => i.id)).toEqual([second]);
  });
});
