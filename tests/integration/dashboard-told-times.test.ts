import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn } from '../helpers/console-session.ts';
import { formatTimeNear } from '../../src/domain/time-text.ts';
import { all, dom, textOf } from '../helpers/dom.ts';

/*
 * The dashboard's words about the update cadence, from a hunt on the "next update due" reminders: a row said
 * "last update 15:33 UTC · Update overdue, was due 15:23 UTC" for an update dated 70 minutes back (the row gave
 * the time it was posted, the cadence counts from the time customers read beside it); and the severity levels
 * read "update every 1 hour", where every other place says "every hour".
 */
let h: HeraldProcess;
type Json = Record<string, any>;
const MINUTE = 60_000;

beforeAll(async () => {
  h = await startHerald();
  expect((await h.admin('/components', { body: { id: 'search', name: 'Search' } })).status).toBe(201);
});
afterAll(() => stopAll(h));

const admin = async (path: string, body: Json) => {
  const res = await h.admin(path, { body });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return (await res.json()) as Json;
};

describe('the dashboard', () => {
  it('says the last update at the time customers read beside it, which the due time counts from', async () => {
    const now = Date.now();
    const inc = await admin('/incidents', {
      name: 'Search down',
      severity: 'sev1',
      body: 'Looking.',
      started_at: new Date(now - 180 * MINUTE).toISOString(),
      components: { search: 'major_outage' },
    });
    const dated = new Date(now - 70 * MINUTE).toISOString();
    await admin(`/incidents/${inc.id}/updates`, { status: 'identified', body: 'Found it.', display_at: dated, notify: false });

    const json = (await (await h.admin('/dashboard')).json()) as Json;
    const row = (json.active as Json[]).find((r) => r.id === inc.id)!;
    expect(row.overdue).toBe(true);
    expect(Date.parse(row.due_at)).toBe(Date.parse(dated) + 30 * MINUTE);
    // Before: the time it was posted, 70 minutes after the due time beside it.
    expect(row.last_update_text).toBe(formatTimeNear(dated, 'UTC', new Date(json.now)));

    const { cookie } = await signIn(h);
    const doc = dom(await (await fetch(`${h.url}/admin`, { headers: { cookie } })).text());
    const li = all(doc, (e) => e.name === 'li' && e.attribs['data-incident'] === inc.id)[0]!;
    expect(textOf(li)).toContain(`last update ${row.last_update_text}`);
    expect(li.attribs['data-last-update-text']).toBe(row.last_update_text);
  });

  // From a review: the row named the components bare ("API") where the page, the templates and the components
  // table say "Core platform / API" once another component is called API too.
  it('names the components as the page does, with their group where two share a name', async () => {
    for (const group of ['Core platform', 'Payments'])
      expect((await h.admin('/components', { body: { name: 'API', group } })).status).toBe(201);
    const ids = ((await (await h.admin('/components')).json()) as { components: Json[] }).components.filter((c) => c.name === 'API');
    const core = ids.find((c) => c.group !== null && c.id === 'api')!;
    const inc = await admin('/incidents', {
      name: 'API errors',
      severity: 'sev2',
      body: 'Looking.',
      components: { [core.id]: 'partial_outage' },
    });
    const row = ((await (await h.admin('/dashboard')).json()) as { active: Json[] }).active.find((r) => r.id === inc.id)!;
    // Before: "API".
    expect(row.components_text).toBe('Core platform / API');
    const { cookie } = await signIn(h);
    const doc = dom(await (await fetch(`${h.url}/admin`, { headers: { cookie } })).text());
    const li = all(doc, (e) => e.name === 'li' && e.attribs['data-incident'] === inc.id)[0]!;
    expect(textOf(li)).toContain('Core platform / API');
  });

  it('words each level\'s rhythm as everywhere else: "update every hour", "every 30 minutes"', async () => {
    const { cookie } = await signIn(h);
    const doc = dom(await (await fetch(`${h.url}/admin`, { headers: { cookie } })).text());
    const levels = all(doc, (e) => e.name === 'ul' && (e.attribs.class ?? '').includes('levels'))[0]!;
    const text = textOf(levels);
    expect(text).toContain('update every 30 minutes');
    // Before: "update every 1 hour".
    expect(text).toContain('update every hour');
    expect(text).not.toMatch(/every 1 (hour|day|week)/);
  });
});
