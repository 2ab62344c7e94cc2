import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { outboxSettled, startMailedSite } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { all, byId, byName, dom, fieldsOf, textOf } from '../helpers/dom.ts';

/**
 * A typo in an incident's or a window's name (a review found no way to fix one: the name is the page's
 * heading, the banner's title, the feeds' entry and every email's subject). PATCH corrects it, held to
 * the declare's rule for a name, audited with the previous name, emailing nobody; the console's
 * "Correct name" form does the same, refusing a form opened before someone else's correction.
 */
type Json = Record<string, any>;
let smtp: TestSmtp;
let h: HeraldProcess;
let dana: ConsoleSession;
let lee: ConsoleSession;
const dataDir = tempDataDir();

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startMailedSite(dataDir, smtp, [{ id: 'api', name: 'API' }]);
  dana = await signIn(h, 'Dana');
  lee = await signIn(h, 'Lee');
}, 60_000);
afterAll(() => stopAll(h, smtp, dataDir));

const json = async (res: Response | Promise<Response>): Promise<Json> => (await (await res).json()) as Json;
const text = async (path: string) => (await fetch(`${h.url}${path}`)).text();
const declare = async (name: string, notify = false): Promise<string> => {
  const res = await h.admin('/incidents', {
    body: { name, impact: 'major', body: 'We are investigating.', components: { api: 'major_outage' }, notify },
  });
  expect(res.status).toBe(201);
  return (await json(res)).id as string;
};
const audits = async (action: string, target: string) =>
  ((await json(h.admin('/audit?limit=500'))).events as Json[]).filter((e) => e.action === action && e.target === target);

describe('PATCH /api/admin/incidents/:id {name}', () => {
  it('corrects the name everywhere it shows, audits the previous one and emails nobody', async () => {
    const id = await declare('Chekout failures', true);
    await until(() => smtp.received.length === 1, 'the disruption notice');
    const res = await h.admin(`/incidents/${id}`, { method: 'PATCH', body: { name: 'Checkout failures' } });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ id, name: 'Checkout failures', status: 'investigating' });
    expect(body.incident_updates).toHaveLength(1);

    const page = await text(`/incidents/${id}`);
    expect(textOf(all(dom(page), (e) => e.name === 'h1')[0]!)).toBe('Checkout failures');
    for (const path of [`/incidents/${id}`, '/', '/history', '/history.rss', '/history.atom']) {
      const shown = await text(path);
      expect(shown, path).toContain('Checkout failures');
      expect(shown, path).not.toContain('Chekout');
    }
    expect((await json(fetch(`${h.url}/api/banner.json`))).title).toBe('Checkout failures');
    for (const path of ['incidents.json', 'incidents/unresolved.json', 'summary.json']) {
      const v2 = await json(fetch(`${h.url}/api/v2/${path}`));
      expect(
        v2.incidents.map((i: Json) => i.name),
        path,
      ).toEqual(['Checkout failures']);
    }
    const [event, ...more] = await audits('incident.name.correct', id);
    expect(more).toEqual([]);
    expect(event).toMatchObject({ actor: 'admin-token', previous: 'Chekout failures', detail: { name: 'Checkout failures' } });

    // Nothing was sent for the correction; the next update's email carries the corrected name.
    await outboxSettled(h, 1);
    expect(smtp.received).toHaveLength(1);
    const next = await h.admin(`/incidents/${id}/updates`, { body: { status: 'identified', body: 'Found it.', notify: true } });
    expect(next.status).toBe(201);
    await until(() => smtp.received.length === 2, 'the update notice');
    expect((await smtp.parse(smtp.received[1]!)).subject).toContain('Checkout failures');
    expect((await smtp.parse(smtp.received[1]!)).subject).not.toContain('Chekout');
  });

  it('refuses a name the declare would refuse, naming the field, and changes nothing', async () => {
    const id = await declare('Search slow');
    for (const name of ['', '   ', 'Search\u0007 slow', 'Search \u202eslow', 'x'.repeat(201), 42]) {
      const res = await h.admin(`/incidents/${id}`, { method: 'PATCH', body: { name } });
      expect(res.status, JSON.stringify(name)).toBe(422);
      expect((await json(res)).error.field).toBe('name');
    }
    const extra = await h.admin(`/incidents/${id}`, { method: 'PATCH', body: { name: 'Search', status: 'resolved' } });
    expect(extra.status).toBe(422);
    expect((await json(h.admin(`/incidents/${id}`))).name).toBe('Search slow');
    expect(await audits('incident.name.correct', id)).toEqual([]);
    expect((await h.admin('/incidents/INC-2000-01-01-9', { method: 'PATCH', body: { name: 'X' } })).status).toBe(404);
  });

  it('is safe to retry: an Idempotency-Key replays the answer, the same name again records nothing', async () => {
    const id = await declare('Login erors');
    const send = () =>
      h.admin(`/incidents/${id}`, { method: 'PATCH', body: { name: 'Login errors' }, headers: { 'Idempotency-Key': `rename-${id}` } });
    expect((await send()).status).toBe(200);
    const again = await send();
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await h.admin(`/incidents/${id}`, { method: 'PATCH', body: { name: 'Login errors' } })).status).toBe(200);
    expect(await audits('incident.name.correct', id)).toHaveLength(1);
  });
});

describe('PATCH /api/admin/maintenances/:id {name}', () => {
  it("corrects a window's name on the page, the calendar (SEQUENCE raised) and the v2 API", async () => {
    const res = await h.admin('/maintenances', {
      body: {
        name: 'Databse upgrade',
        scheduled_for: new Date(Date.now() + 86_400_000).toISOString(),
        scheduled_until: new Date(Date.now() + 90_000_000).toISOString(),
        components: ['api'],
        body: 'We will replace the primary database server. Writes pause for up to 5 minutes.',
      },
    });
    expect(res.status).toBe(201);
    const { id } = await json(res);
    expect((await h.admin(`/maintenances/${id}/updates`, { body: { body: 'Reminder: have retries on.' } })).status).toBe(201);
    const sequence = (ics: string) => Number(/SEQUENCE:(\d+)/.exec(ics)?.[1]);
    const description = (ics: string) => /\r\nDESCRIPTION:(.*?)\r\n(?! )/s.exec(ics)?.[1]?.replace(/\r\n /g, '') ?? '';
    const before = sequence(await text('/maintenance.ics'));
    expect(description(await text('/maintenance.ics'))).toContain('Writes pause for up to 5 minutes.');
    const fixed = await h.admin(`/maintenances/${id}`, { method: 'PATCH', body: { name: 'Database upgrade' } });
    expect(fixed.status).toBe(200);
    expect((await json(fixed)).name).toBe('Database upgrade');
    const ics = await text('/maintenance.ics');
    expect(ics).toContain('SUMMARY:Maintenance: Database upgrade');
    expect(ics).not.toContain('Databse');
    expect(sequence(ics)).toBe(before + 1);
    // A name corrected is no move: the announcement (what the work is, and its times, still the event's) stays
    // beside the latest note. Before, the raised SEQUENCE read as a move and dropped it.
    expect(description(ics)).toContain('Reminder: have retries on.');
    expect(description(ics)).toContain('Writes pause for up to 5 minutes.');
    expect(await text('/maintenance')).toContain('Database upgrade');
    const v2 = await json(fetch(`${h.url}/api/v2/scheduled-maintenances.json`));
    expect(v2.scheduled_maintenances.map((m: Json) => m.name)).toEqual(['Database upgrade']);
    expect(await audits('maintenance.name.correct', id)).toMatchObject([{ previous: 'Databse upgrade' }]);
    // Each route corrects its own kind.
    expect((await h.admin(`/incidents/${id}`, { method: 'PATCH', body: { name: 'X' } })).status).toBe(409);
  });
});

describe('the console\'s "Correct name"', () => {
  const formOf = async (s: ConsoleSession, id: string, html?: string) => {
    const doc = dom(html ?? (await (await fetch(`${h.url}/admin/incidents/${id}/name`, { headers: { cookie: s.cookie } })).text()));
    const form = all(doc, (e) => e.name === 'form' && e.attribs['data-keep'] === 'name')[0]!;
    return { doc, fields: fieldsOf(form), typed: byName(form, 'name')!.attribs.value };
  };

  it('is offered on the incident page, keeps what was typed on refusal, and saves once on a double click', async () => {
    const id = await declare('Paymnets down');
    const incidentPage = dom(await (await fetch(`${h.url}/admin/incidents/${id}`, { headers: { cookie: dana.cookie } })).text());
    expect(all(incidentPage, (e) => e.name === 'a' && e.attribs.href === `/admin/incidents/${id}/name`).map(textOf)).toEqual([
      'Correct name',
    ]);
    const { fields, typed } = await formOf(dana, id);
    expect(typed).toBe('Paymnets down');
    expect(fields.seen).toBe('Paymnets down');
    expect(fields.once).toMatch(/^[A-Za-z0-9_-]{16,}$/);

    // Sent unchanged: said so on the field (before: "Name corrected.", with nothing corrected).
    const same = await dana.post(`/admin/incidents/${id}/name`, { ...fields, name: typed ?? '' });
    expect(same.status).toBe(422);
    expect(textOf(byId((await formOf(dana, id, await same.text())).doc, 'name-error')!)).toBe(
      'This is the name it has already: type the corrected name (nothing was saved).',
    );

    const bad = await dana.post(`/admin/incidents/${id}/name`, { ...fields, name: 'Payments\u0007 down' });
    expect(bad.status).toBe(422);
    const shown = await formOf(dana, id, await bad.text());
    expect(shown.typed).toBe('Payments\u0007 down');
    expect(textOf(byId(shown.doc, 'name-error')!)).toMatch(/control characters/i);

    const post = () => dana.post(`/admin/incidents/${id}/name`, { ...shown.fields, name: 'Payments down' });
    const [first, second] = [await post(), await post()];
    expect(first.status).toBe(303);
    expect(second.status).toBe(303);
    expect(first.headers.get('location')).toBe(`/admin/incidents/${id}?renamed=1`);
    const after = await (await fetch(`${h.url}${first.headers.get('location')}`, { headers: { cookie: dana.cookie } })).text();
    expect(after).toContain('Name corrected.');
    expect(after).toContain('no email was sent');
    expect(textOf(all(dom(after), (e) => e.name === 'h1')[0]!)).toBe('Payments down');
    expect(await audits('incident.name.correct', id)).toMatchObject([{ actor: 'console:Dana', previous: 'Paymnets down' }]);
  });

  it('refuses a form opened before someone else corrected the name, keeping what was typed', async () => {
    const id = await declare('Webhoks delayed');
    const lees = await formOf(lee, id);
    const danas = await formOf(dana, id);
    expect((await dana.post(`/admin/incidents/${id}/name`, { ...danas.fields, name: 'Webhooks delayed' })).status).toBe(303);

    const refused = await lee.post(`/admin/incidents/${id}/name`, { ...lees.fields, name: 'Webhooks are delayed' });
    expect(refused.status).toBe(409);
    const shown = await formOf(lee, id, await refused.text());
    expect(textOf(byId(shown.doc, 'renamed-since')!)).toContain('Webhooks delayed');
    expect(shown.typed).toBe('Webhooks are delayed');
    expect((await json(h.admin(`/incidents/${id}`))).name).toBe('Webhooks delayed');
    // Sent again from the form as shown (now written after Dana's correction), Lee's name goes in.
    expect(shown.fields.seen).toBe('Webhooks delayed');
    expect((await lee.post(`/admin/incidents/${id}/name`, { ...shown.fields, name: 'Webhooks are delayed' })).status).toBe(303);
    expect((await json(h.admin(`/incidents/${id}`))).name).toBe('Webhooks are delayed');
  });
});
