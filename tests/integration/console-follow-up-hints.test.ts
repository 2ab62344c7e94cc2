import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { all, byId, byName, dom, submitted, textOf, type Doc } from '../helpers/dom.ts';

/**
 * A resolved incident's follow-up note (a new operator's hunt): the "Email subscribers" hint said subscribers
 * "hear it is resolved" while the box was unticked and the preview said no email would be sent, and the body's
 * hint spoke of a template the blank note does not have. The hints say what the note does.
 */
let h: HeraldProcess;
let s: ConsoleSession;
let id: string;

beforeAll(async () => {
  h = await startHerald();
  const made = await h.admin('/incidents', { body: { name: 'Exports slow', impact: 'minor', body: 'Looking.' } });
  id = (await made.json()).id;
  expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.' } })).status).toBe(201);
  s = await signIn(h);
}, 60_000);
afterAll(() => stopAll(h));

const page = async (path: string) => dom(await (await fetch(`${h.url}${path}`, { headers: { cookie: s.cookie } })).text());
const previewForm = (doc: Doc) => all(doc, (e) => e.name === 'form' && e.attribs.action === '/admin/preview')[0]!;
const notifyHint = (doc: Doc) => textOf(all(previewForm(doc), (e) => e.name === 'label' && e.attribs.class === 'check')[0]!);

describe('the follow-up note on a resolved incident', () => {
  it('its hints say what the blank, unticked note does, as the preview does', async () => {
    const doc = await page(`/admin/incidents/${id}`);
    expect(byName(previewForm(doc), 'notify')!.attribs.checked).toBeUndefined();
    const hint = notifyHint(doc);
    expect(hint).not.toContain('hear it is resolved');
    expect(hint).toContain('Left unticked, the note is posted on the incident page only and nobody is emailed.');
    expect(hint).toContain('Follow-up on a resolved issue');
    const body = textOf(byId(doc, 'update-body-hint')!);
    expect(body).not.toContain('Left as the template');
    expect(body).toContain('starts blank, with no template');

    const fields = submitted(previewForm(doc)).filter(([n]) => n !== 'body');
    const res = await s.post(
      '/admin/preview',
      {},
      { body: new URLSearchParams([...fields, ['body', 'A credit is on its way.']]).toString() },
    );
    expect(textOf(byId(dom(await res.text()), 'email-summary')!)).toBe('No email will be sent');
  });
});
