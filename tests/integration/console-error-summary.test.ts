import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HtmlValidate } from 'html-validate';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { all, byId, byName, dom, fieldsOf, submitted, textOf, type Doc } from '../helpers/dom.ts';

/**
 * Two refused console forms that skipped what the others do (a review): the correction of an update and
 * the settings. As on the declare and maintenance forms, a refused one opens with a summary (role=alert,
 * focused when the page loads without a script) linking each field in error, in the form's words, and its
 * title says "Error:" first. Over plain HTTP, as a browser with scripts off gets the pages.
 */
type Json = Record<string, any>;
let h: HeraldProcess;
let s: ConsoleSession;

beforeAll(async () => {
  h = await startHerald();
  s = await signIn(h);
}, 60_000);
afterAll(() => stopAll(h));

// The repository's rules (.htmlvalidate.json): a page refused is as valid HTML as the page asked for.
const validator = new HtmlValidate({
  extends: ['html-validate:recommended'],
  rules: {
    'no-trailing-whitespace': 'off',
    'form-dup-name': ['error', { shared: ['radio', 'button', 'reset', 'submit', 'checkbox'] }],
  },
});
const valid = async (html: string) =>
  expect((await validator.validateString(html)).results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`))).toEqual([]);
const get = async (path: string) => dom(await (await fetch(`${h.url}${path}`, { headers: { cookie: s.cookie } })).text());
const title = (doc: Doc) => textOf(all(doc, (e) => e.name === 'title')[0]!);
/** The summary: focused on load, its lead and its links, each to an element the page has. */
function summary(doc: Doc) {
  const alerts = all(doc, (e) => e.attribs.role === 'alert');
  expect(alerts, 'one alert: the summary').toHaveLength(1);
  const [alert] = alerts;
  expect(alert!.attribs.autofocus, 'focused when the page loads').toBeDefined();
  expect(alert!.attribs.tabindex).toBe('-1');
  const links = all(alert!, (e) => e.name === 'a').map((a) => ({ to: a.attribs.href!, text: textOf(a) }));
  for (const l of links) {
    const target = byId(doc, l.to.slice(1));
    expect(target, `${l.to} is on the page`).toBeDefined();
    expect(target!.attribs['aria-invalid'], `${l.to} is marked invalid`).toBe('true');
  }
  return { lead: textOf(all(alert!, (e) => e.name === 'p')[0]!), links };
}

describe('a refused correction of an update', () => {
  it("a blank text: the summary links the Text field, in the form's words, focused; the title says Error", async () => {
    const made = await h.admin('/incidents', { body: { name: 'Search errors', impact: 'minor', body: 'Looking.' } });
    expect(made.status).toBe(201);
    const { id } = (await made.json()) as Json;
    const update = ((await (await h.admin(`/incidents/${id}`)).json()) as Json).incident_updates.at(-1).id as string;
    const path = `/admin/incidents/${id}/correct?update=${update}`;
    const form = all(await get(path), (e) => e.name === 'form' && 'data-keep' in e.attribs)[0]!;

    const refused = await s.post(path, { ...fieldsOf(form), body: '   ' });
    expect(refused.status).toBe(422);
    const html = await refused.text();
    const doc = dom(html);
    await valid(html);
    expect(summary(doc)).toEqual({
      lead: 'Nothing was saved. Fix this field:',
      links: [{ to: '#body', text: 'Text: The text must not be empty' }],
    });
    expect(byId(doc, 'body')!.name).toBe('textarea');
    expect(title(doc)).toMatch(/^Error: Correct an update · /);
    expect(html, 'the page words it as the form does, not as the API does').not.toContain('Body must not be empty');
    expect(((await (await h.admin(`/incidents/${id}`)).json()) as Json).incident_updates.at(-1).body).toBe('Looking.');
  });
});

describe('refused settings', () => {
  const settings = async () => (await (await h.admin('/settings')).json()) as Json;
  /** The settings page's form as it posts itself (no button). */
  async function settingsForm(): Promise<Record<string, string>> {
    const doc = await get('/admin/settings');
    return Object.fromEntries(submitted(all(doc, (e) => e.name === 'form' && byName(e, 'version') !== undefined)[0]!));
  }

  it("a support contact that is none, and a level's cadence that is no number: each linked, focused, titled Error", async () => {
    const before = await settings();
    const refused = await s.post('/admin/settings', {
      ...(await settingsForm()),
      support_contact: 'nope',
      'level.1.update_every_minutes': 'soon',
    });
    expect(refused.status).toBe(422);
    const html = await refused.text();
    const doc = dom(html);
    await valid(html);
    expect(summary(doc)).toEqual({
      lead: 'Nothing was saved. Fix these fields:',
      links: [
        { to: '#support_contact', text: 'Support contact: Support contact must be an email address or an http(s) URL' },
        { to: '#level-1-update_every_minutes', text: 'Level 2: “Update every (min)” must be a number of minutes, or left empty' },
      ],
    });
    expect(title(doc)).toMatch(/^Error: Settings · /);
    expect(await settings(), 'nothing saved').toEqual(before);
  });

  it('one level only: the summary links the first level, which says the table is refused', async () => {
    const before = await settings();
    const one = Object.fromEntries(Object.entries(await settingsForm()).filter(([k]) => !/^level\.[1-9]/.test(k)));
    const refused = await s.post('/admin/settings', one);
    expect(refused.status).toBe(422);
    const html = await refused.text();
    const doc = dom(html);
    await valid(html);
    const { links } = summary(doc);
    expect(links).toHaveLength(1);
    expect(links[0]!.to).toBe('#level-0-id');
    expect(links[0]!.text).toMatch(/^Severity levels: .*2 to 6/);
    // Before: the field was not marked, and nothing pointed at the table's message.
    const first = byId(doc, 'level-0-id')!;
    const described = (first.attribs['aria-describedby'] ?? '').split(' ');
    expect(described).toContain('severities-error');
    expect(textOf(byId(doc, 'severities-error')!)).toMatch(/2 to 6/);
    expect(await settings(), 'nothing saved').toEqual(before);
  });

  it('saved as shown, the page is not titled Error and has no summary', async () => {
    const saved = await s.post('/admin/settings', await settingsForm());
    expect(saved.status).toBe(303);
    const doc = await get(saved.headers.get('location')!);
    expect(title(doc)).toMatch(/^Settings · /);
    expect(all(doc, (e) => e.attribs.role === 'alert')).toEqual([]);
  });
});
