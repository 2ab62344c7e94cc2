import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, tempDataDir, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE } from '../helpers/mail-flow.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { until } from '../helpers/poll.ts';
import { seedSubscribers } from '../fixtures/subscribers.ts';
import { all, dom, textOf } from '../helpers/dom.ts';

/**
 * A new operator's hunt: the dashboard's and the deliveries page's lists named a withdrawn incident's notices
 * by its bare id, and linked to a bare text/plain "No such incident." 404 without the console around it.
 */
let h: HeraldProcess;
let smtp: TestSmtp;
let lee: ConsoleSession;
let dataDir: string;
let id: string;
let withdrawnAt: string;

type Json = Record<string, any>;
const get = (path: string) => fetch(`${h.url}${path}`, { headers: { cookie: lee.cookie } });

beforeAll(async () => {
  smtp = await startSmtp();
  dataDir = tempDataDir();
  seedSubscribers(dataDir, [{ email: 'one@example.com' }, { email: 'two@example.com' }]);
  h = await startHerald({ dataDir, env: { SMTP_URL: smtp.url, SITE_URL: SITE } });
  const res = await h.admin('/incidents', {
    body: { name: 'Drill outage', impact: 'major', status: 'investigating', body: 'Down.', components: {} },
  });
  id = ((await res.json()) as Json).id;
  await smtp.waitFor(2);
  await until(async () => {
    const body = (await (await h.admin('/deliveries')).json()) as Json;
    return body.updates.some((u: Json) => u.incident_id === id && u.sent === 2) || null;
  }, 'both emails recorded as sent');
  lee = await signIn(h, 'Lee');
  const withdrawn = await lee.post(`/admin/incidents/${id}/withdraw`, { id, confirm: '1' });
  expect(withdrawn.status).toBe(303);
  withdrawnAt = withdrawn.headers.get('location')!;
}, 60_000);
afterAll(() => stopAll(h, smtp));

describe('a withdrawn incident in the console', () => {
  it('the deliveries lists name it, marked withdrawn, and the admin API (deliveries, dashboard) gives its name', async () => {
    const link = (html: string) =>
      all(dom(html), (e) => e.name === 'a' && e.attribs.href === `/admin/incidents/${id}`).map((a) => textOf(a));
    expect(link(await (await get('/admin/deliveries')).text())).toEqual(['Drill outage (withdrawn)']);
    expect(link(await (await get('/admin')).text())).toContain('Drill outage (withdrawn)');
    const api = (await (await h.admin('/deliveries')).json()) as Json;
    const row = api.updates.find((u: Json) => u.incident_id === id);
    expect([row.incident_name, row.incident_withdrawn]).toEqual(['Drill outage', true]);
    // The dashboard's answer names it alike. Before: incident_name was its bare id.
    const dashboard = (await (await h.admin('/dashboard')).json()) as Json;
    const recent = dashboard.deliveries.find((d: Json) => d.incident_id === id);
    expect([recent.incident_name, recent.incident_withdrawn]).toEqual(['Drill outage', true]);
  });

  it('its link leads to a console page saying it was withdrawn, when, by whom and what was emailed', async () => {
    const res = await get(`/admin/incidents/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const doc = dom(await res.text());
    const text = textOf(all(doc, (e) => e.name === 'main')[0]!);
    expect(all(doc, (e) => e.name === 'a' && e.attribs.href === '/admin/deliveries').length).toBeGreaterThan(0);
    expect(textOf(all(doc, (e) => e.name === 'h1')[0]!)).toBe('Drill outage (withdrawn)');
    expect(text).toMatch(/Withdrawn .+ by Lee, as published in error\./);
    expect(text).toContain('2 emails about it had gone out before the withdrawal; the withdrawal itself sent none');
    expect(text).toMatch(/Disruption notice, .+: 2 sent/);
  });

  it('the notice after the withdrawal says the emails sent before it, not "no email was sent"', async () => {
    const notice = all(dom(await (await get(withdrawnAt)).text()), (e) => e.name === 'div' && e.attribs.class === 'notice ok')[0]!;
    expect(textOf(notice)).toContain('the withdrawal itself sent no email; 2 emails about it had gone out before.');
    expect(textOf(notice)).not.toContain('no email was sent');
  });

  // A page of it opened before another Comms Lead withdrew it, then reloaded or posted. Before: "No such incident."
  // (or "No such update."), 404 text/plain. Posted, it is refused (409) and keeps the text typed, to copy: it
  // answered 200 and dropped it.
  it.each([
    ['its postmortem', 'postmortem', { body: 'What happened.', action: 'save' }],
    ['its name correction', 'name', { name: 'Drill outage, renamed' }],
    ["an update's correction", 'correct?update=u1', { body: 'Corrected.' }],
  ])('%s, loaded or posted after the withdrawal, is the console page saying it was withdrawn', async (_what, path, fields) => {
    const loaded = await get(`/admin/incidents/${id}/${path}`);
    const posted = await lee.post(`/admin/incidents/${id}/${path}`, fields);
    for (const res of [loaded, posted]) {
      expect(res.status).toBe(res === posted ? 409 : 200);
      expect(res.headers.get('content-type')).toContain('text/html');
      const html = await res.text();
      expect(textOf(all(dom(html), (e) => e.name === 'h1')[0]!)).toBe('Drill outage (withdrawn)');
      if (res === posted) expect(html).toContain(`readonly rows="8">${'body' in fields ? fields.body : fields.name}</textarea>`);
    }
    const never = await get(`/admin/incidents/never-was/${path}`);
    expect([never.status, never.headers.get('content-type')]).toEqual([404, expect.stringContaining('text/html')]);
  });

  it('an id never used is a console 404 page, not bare text', async () => {
    const res = await get('/admin/incidents/never-was');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('text/html');
    const doc = dom(await res.text());
    expect(textOf(all(doc, (e) => e.name === 'h1')[0]!)).toBe('No such incident');
    expect(all(doc, (e) => e.name === 'a' && e.attribs.href === '/admin/deliveries').length).toBeGreaterThan(0);
  });
});
