import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { text } from '../helpers/page.ts';

/**
 * Two declares of one outage (two Comms Leads, or one in two tabs), each previewed before either is
 * published: the second publish is refused, naming the incident declared since its preview, and publishes
 * nothing; previewed again, it says an incident like it is open and then publishes, as chosen. Before, both
 * went out: the outage twice on the page, its subscribers emailed twice. Previews of one form publish once
 * already (console-once); these are two forms.
 */
let h: HeraldProcess;
let dana: ConsoleSession;
let lee: ConsoleSession;
type Json = Record<string, any>;

beforeAll(async () => {
  h = await startHerald({ env: { SITE_NAME: 'Acme Status' } });
  for (const [id, name] of [
    ['api', 'Checkout API'],
    ['search', 'Search'],
    ['logins', 'Logins'],
  ])
    expect((await h.admin('/components', { body: { id, name } })).status).toBe(201);
  dana = await signIn(h, 'Dana');
  lee = await signIn(h, 'Lee');
});
afterAll(() => stopAll(h));

/** Previews a declare as the form posts it; the preview page's HTML and its draft's id. */
async function preview(s: ConsoleSession, name: string, component: string): Promise<{ html: string; draft: string }> {
  const res = await s.post('/admin/preview', {
    kind: 'declare',
    name,
    severity: 'sev2',
    eta: 'none',
    body: `${name}: we are looking into it.`,
    body_template: '',
    notify_shown: '0',
    [`component.${component}`]: 'major_outage',
  });
  const html = await res.text();
  expect(res.status, text(html)).toBe(200);
  return { html, draft: /name="draft" value="([^"]+)"/.exec(html)![1]! };
}

const openIncidents = async () =>
  ((await (await h.admin('/incidents')).json()) as Json).incidents.filter((i: Json) => i.status !== 'resolved').map((i: Json) => i.name);

describe('two declares of one outage', () => {
  it('the one previewed before the other was published is refused, naming it; previewed again it warns, then publishes', async () => {
    const first = await preview(dana, 'Checkout failing', 'api');
    // Lee's form names the same component under another name.
    const second = await preview(lee, 'Payments down', 'api');
    expect(second.html).not.toContain('id="alike-open"');

    const published = await dana.post('/admin/publish', { draft: first.draft });
    expect(published.status).toBe(303);
    const id = /\/admin\/incidents\/([^?]+)/.exec(published.headers.get('location')!)![1]!;

    const refused = await lee.post('/admin/publish', { draft: second.draft });
    const page = text(await refused.text());
    // Before: 303, a second incident.
    expect(refused.status).toBe(409);
    expect(page).toMatch(
      new RegExp(
        `Nothing was published: since your preview, Dana declared Checkout failing \\(${id}, [^)]+\\)\\. Post an update to it, or, to declare a second incident, go back to edit and preview it again`,
      ),
    );
    expect(await openIncidents()).toEqual(['Checkout failing']);

    // Lee chooses to declare it all the same: the new preview says what is open, and its publish goes out.
    const again = await preview(lee, 'Payments down', 'api');
    expect(text(/<div class="notice warn" role="status" id="alike-open">[\s\S]*?<\/div>/.exec(again.html)![0])).toMatch(
      new RegExp(
        `^Publishing this declares a second incident\\. .*Dana declared Checkout failing \\(${id}, [^)]+\\)\\. Post an update to it instead$`,
      ),
    );
    expect((await lee.post('/admin/publish', { draft: again.draft })).status).toBe(303);
    expect((await openIncidents()).sort()).toEqual(['Checkout failing', 'Payments down']);
  });

  it('the same name with no component in common counts too; another outage does not', async () => {
    const a = await preview(dana, 'Search is slow', 'search');
    const sameName = await preview(lee, 'search  is SLOW', 'logins');
    const other = await preview(lee, 'Logins failing', 'logins');
    expect((await dana.post('/admin/publish', { draft: a.draft })).status).toBe(303);
    expect((await lee.post('/admin/publish', { draft: sameName.draft })).status).toBe(409);
    expect((await lee.post('/admin/publish', { draft: other.draft })).status).toBe(303);
    expect((await openIncidents()).sort()).toEqual(['Checkout failing', 'Logins failing', 'Payments down', 'Search is slow']);
  });

  it('another outage declared meanwhile takes the reference the preview named: the publish goes through and says the one it got', async () => {
    const logins = await preview(lee, 'Password resets failing', 'logins');
    const other = await h.admin('/incidents', { body: { name: 'Status emails late', impact: 'minor', body: 'Looking.', notify: false } });
    const taken = ((await other.json()) as Json).id as string;
    expect(logins.html, 'the preview named the reference taken since').toContain(taken);
    const published = await lee.post('/admin/publish', { draft: logins.draft });
    expect(published.status).toBe(303);
    const got = /\/admin\/incidents\/([^?]+)/.exec(published.headers.get('location')!)![1]!;
    expect(got).not.toBe(taken);
    const page = text(await (await fetch(`${h.url}${published.headers.get('location')!}`, { headers: { cookie: lee.cookie } })).text());
    // Before: "Published." alone, while the preview and its email had named another incident's reference.
    expect(page).toContain(
      `Published. The page, the API and the banner show it now. Its reference is ${got}: ${taken}, which the preview named, was taken by an incident declared meanwhile; its emails say ${got}.`,
    );
  });
});
