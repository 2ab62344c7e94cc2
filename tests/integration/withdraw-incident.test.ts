import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { startMailedSite } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { all, byId, dom, textOf } from '../helpers/dom.ts';

/**
 * Withdrawing an incident published in error (a review found no way out of a wrong declaration but to
 * resolve it, which emails every subscriber "Service restored" and keeps the outage in history and
 * uptime). DELETE takes it out of the data: the page, history, feeds, uptime and both APIs forget it,
 * the components it set settle as a resolution would settle them, what was owed for it (queued emails,
 * channel posts not yet made, its postmortem) is dropped unsent, nobody is told, the audit log keeps
 * its id and name, and its id is never given again. The console asks first, saying all that.
 */
type Json = Record<string, any>;
let smtp: TestSmtp;
let h: HeraldProcess;
let dana: ConsoleSession;
let hook: Server;
const hits: string[] = [];
/** The SMTP relay turns away the first attempt of each message (451): emails wait queued for their retry. */
let turnAway = false;
const dataDir = tempDataDir();

beforeAll(async () => {
  smtp = await startSmtp(({ count }) => (turnAway && count === 1 ? { code: 451, text: 'Try again later' } : null));
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hits.push(body);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((ok) => hook.listen(0, '127.0.0.1', () => ok()));
  h = await startMailedSite(
    dataDir,
    smtp,
    [
      { id: 'api', name: 'API' },
      { id: 'web', name: 'Website' },
    ],
    { ALLOW_PRIVATE_WEBHOOKS: 'true', MAIL_RETRY_BASE_MS: '1500', MAIL_RETRY_MAX_MS: '1500' },
  );
  dana = await signIn(h, 'Dana');
}, 60_000);
afterAll(async () => {
  await stopAll(h, smtp, dataDir);
  hook?.closeAllConnections();
  hook?.close();
});

const json = async (res: Response | Promise<Response>): Promise<Json> => (await (await res).json()) as Json;
const text = async (path: string) => (await fetch(`${h.url}${path}`)).text();
const declare = async (body: Json): Promise<string> => {
  const res = await h.admin('/incidents', { body: { impact: 'major', body: 'We are investigating.', notify: false, ...body } });
  expect(res.status, JSON.stringify(await res.clone().json())).toBe(201);
  return (await json(res)).id as string;
};
const withdraw = (id: string, headers?: Record<string, string>) => h.admin(`/incidents/${id}`, { method: 'DELETE', headers });
const status = async (id: string) => ((await json(h.admin('/components'))).components as Json[]).find((c) => c.id === id)!.status;
const audits = async (action: string, target: string) =>
  ((await json(h.admin('/audit?limit=500'))).events as Json[]).filter((e) => e.action === action && e.target === target);
/** The uptime figure of a component's row on the status page, by its id. */
const uptimeOf = (html: string, id: string) => {
  const row = all(dom(html), (e) => e.attribs.id === `component-${id}`)[0]!;
  return textOf(all(row, (e) => e.attribs.class === 'uptime-pct')[0]!);
};

describe('DELETE /api/admin/incidents/:id', () => {
  it('takes it off the page, history, feeds, banner and API; its components settle; audited; a repeat is 204', async () => {
    const other = await declare({ name: 'Website slow', components: { web: 'degraded_performance' } });
    const id = await declare({ name: 'Drill: API down', impact: 'critical', components: { api: 'major_outage', web: 'major_outage' } });
    expect(await status('api')).toBe('major_outage');
    expect(await text('/')).toContain('Drill: API down');

    const res = await withdraw(id);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    // As its resolution would: API back to operational, the website to what the other open incident says.
    expect(await status('api')).toBe('operational');
    expect(await status('web')).toBe('degraded_performance');

    expect((await h.admin(`/incidents/${id}`)).status).toBe(404);
    expect((await fetch(`${h.url}/incidents/${id}`)).status).toBe(404);
    for (const path of ['/', '/history', '/history.rss', '/history.atom', '/api/v2/incidents.json', '/api/v2/summary.json']) {
      const shown = await text(path);
      expect(shown, path).not.toContain('Drill');
      expect(shown, path).not.toContain(id);
    }
    expect(((await json(h.admin('/incidents'))).incidents as Json[]).map((i) => i.id)).toEqual([other]);
    const banner = await json(fetch(`${h.url}/api/banner.json`));
    expect(banner).toMatchObject({ incident_id: other, title: 'Website slow' });
    const status_ = await json(fetch(`${h.url}/api/v2/status.json`));
    expect(status_.status.indicator).toBe('major');

    const [event, ...more] = await audits('incident.withdraw', id);
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      actor: 'admin-token',
      previous: { name: 'Drill: API down', status: 'investigating', impact: 'critical', components: ['api', 'web'] },
      detail: { components_restored: { api: 'operational', web: 'degraded_performance' } },
    });

    // Safe to retry: 204 again, nothing more recorded; with an Idempotency-Key, the first answer replayed.
    expect((await withdraw(id)).status).toBe(204);
    expect(await audits('incident.withdraw', id)).toHaveLength(1);
    const keyed = await declare({ name: 'Another drill', components: {} });
    expect((await withdraw(keyed, { 'Idempotency-Key': `withdraw-${keyed}` })).status).toBe(204);
    const replay = await withdraw(keyed, { 'Idempotency-Key': `withdraw-${keyed}` });
    expect(replay.status).toBe(204);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');

    // Its id is never given again (the outboxes and the audit log still name it).
    const next = await declare({ name: 'Real one', components: {} });
    expect([id, keyed]).not.toContain(next);

    expect((await withdraw('INC-2000-01-01-9')).status).toBe(404);
  });

  it('the uptime bars and history no longer count it', async () => {
    const start = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const end = new Date(Date.parse(start) + 6 * 3_600_000).toISOString();
    const id = await declare({
      name: 'Backfilled by mistake',
      status: 'resolved',
      started_at: start,
      resolved_at: end,
      components: { api: 'major_outage' },
    });
    expect(uptimeOf(await text('/'), 'api')).not.toMatch(/^100 ?%/);
    expect(await text('/history')).toContain('Backfilled by mistake');
    expect((await withdraw(id)).status).toBe(204);
    expect(uptimeOf(await text('/'), 'api')).toMatch(/^100 ?%/);
    expect(await text('/history')).not.toContain('Backfilled by mistake');
  });

  it('drops what was owed for it: queued emails, channel posts not yet made, its postmortem; nobody is told', async () => {
    // A webhook channel, paused: what is planned for it waits queued.
    const made = await json(
      h.admin('/channels', {
        body: { kind: 'webhook', name: 'Partner', url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook` },
      }),
    );
    expect((await h.admin(`/channels/${made.id}/pause`, { method: 'POST' })).status).toBe(200);
    turnAway = true;
    const before = smtp.received.length;
    const id = await declare({ name: 'Published in error', impact: 'critical', notify: true, components: { api: 'major_outage' } });
    await until(() => smtp.attempts.length > 0 && smtp.attempts.at(-1)!.to.includes('ops@example.com'), 'the first attempt, turned away');
    await until(async () => (await json(h.admin(`/channels/${made.id}`))).delivery.queued > 0, 'the webhook deliveries planned');
    const attempts = smtp.attempts.length;

    expect((await withdraw(id)).status).toBe(204);
    turnAway = false;
    expect((await h.admin(`/channels/${made.id}/resume`, { method: 'POST' })).status).toBe(200);

    // The email's retry finds the incident gone: not sent, recorded as failed with why.
    await until(async () => (await json(h.admin('/deliveries'))).pending === 0, 'the retry to be taken up');
    const out = await json(h.admin('/deliveries'));
    expect(JSON.stringify(out.failed)).toContain('no longer exists');
    expect(smtp.received.length).toBe(before);
    expect(smtp.attempts.length).toBe(attempts);
    // The webhook posts are dropped, not counted against the channel (it stays active, no error shown).
    await until(async () => (await json(h.admin(`/channels/${made.id}`))).delivery.queued === 0, 'the channel outbox to settle');
    const channel = await json(h.admin(`/channels/${made.id}`));
    expect(channel).toMatchObject({ state: 'active', delivery: { queued: 0, sent: 0, last_error: null } });
    expect(channel.delivery.failed).toBeGreaterThan(0);
    expect(hits).toEqual([]);
    expect((await h.admin(`/channels/${made.id}`, { method: 'DELETE' })).status).toBe(204);

    // A resolved SEV-1 owes a postmortem; withdrawn, it owes none.
    const owing = await declare({ name: 'Drill resolved', impact: 'critical', components: { api: 'major_outage' } });
    expect((await h.admin(`/incidents/${owing}/updates`, { body: { status: 'resolved', body: 'Over.', notify: false } })).status).toBe(201);
    const owed = async () => ((await json(h.admin('/dashboard'))).postmortems as Json[]).map((p) => p.id);
    expect(await owed()).toContain(owing);
    expect((await withdraw(owing)).status).toBe(204);
    expect(await owed()).not.toContain(owing);
    // Nothing was emailed for the withdrawals.
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.received.length).toBe(before);
  });
});

describe("the console's Withdraw", () => {
  const page = async (path: string) => {
    const res = await fetch(`${h.url}${path}`, { headers: { cookie: dana.cookie } });
    return { status: res.status, html: await res.text() };
  };

  it('asks first, saying what it does; the confirmation withdraws once; the pages that named it still open', async () => {
    const id = await declare({ name: 'Wrong component', components: { web: 'partial_outage' } });
    const incident = dom((await page(`/admin/incidents/${id}`)).html);
    expect(all(incident, (e) => e.name === 'a' && e.attribs.href === `/admin/incidents/${id}/withdraw`).map(textOf)).toEqual(['Withdraw…']);

    const asked = await page(`/admin/incidents/${id}/withdraw`);
    expect(asked.status).toBe(200);
    const question = textOf(byId(dom(asked.html), 'confirm-withdraw')!);
    expect(question).toContain('Withdraw Wrong component?');
    expect(question).toContain('disappears from the status page, the history, the feeds, the uptime bars, the banner and the API');
    expect(question).toContain('Subscribers are not emailed');
    expect(question).toContain('already sent cannot be called back');
    // As a resolution would settle it: the first test's open incident still holds the website degraded.
    expect(question).toContain('Website: Degraded performance');

    // A post without the confirmation withdraws nothing.
    expect((await dana.post(`/admin/incidents/${id}/withdraw`, { id })).status).toBe(400);
    expect((await h.admin(`/incidents/${id}`)).status).toBe(200);

    const [first, second] = [
      await dana.post(`/admin/incidents/${id}/withdraw`, { id, confirm: '1' }),
      await dana.post(`/admin/incidents/${id}/withdraw`, { id, confirm: '1' }),
    ];
    expect(first.status).toBe(303);
    expect(second.status).toBe(303);
    expect(first.headers.get('location')).toBe(`/admin/incidents?withdrawn=${id}`);
    const list = await page(first.headers.get('location')!);
    expect(list.html).toContain('“Wrong component” (' + id + ') withdrawn.');
    expect(list.html).toContain('the withdrawal sent no email');
    expect(await status('web')).toBe('degraded_performance'); // the first test's open incident still holds it
    expect(await audits('incident.withdraw', id)).toMatchObject([{ actor: 'console:Dana', previous: { name: 'Wrong component' } }]);

    // Its console page says it was withdrawn (the deliveries lists link to it), not a bare 404.
    const gone = await page(`/admin/incidents/${id}`);
    expect([gone.status, gone.html.includes('Wrong component (withdrawn)')]).toEqual([200, true]);
    expect((await page(`/admin/incidents/${id}/withdraw`)).html).toContain('was withdrawn');
    for (const path of ['/admin', '/admin/incidents', '/admin/deliveries', '/admin/audit', '/admin/channels'])
      expect((await page(path)).status, path).toBe(200);
    expect((await page('/admin/audit')).html).toContain('Withdrew incident published in error');
  });

  it("a confirmation shown before a teammate's resolution is refused, saying so, and asks again", async () => {
    const id = await declare({ name: 'Login errors', components: { api: 'partial_outage' } });
    const asked = await page(`/admin/incidents/${id}/withdraw`);
    const confirmFields = (html: string) =>
      Object.fromEntries(
        all(byId(dom(html), 'confirm-withdraw')!, (e) => e.name === 'input' && e.attribs.type === 'hidden')
          .filter((e) => e.attribs.name !== 'csrf')
          .map((e) => [e.attribs.name!, e.attribs.value ?? '']),
      );
    const shown = confirmFields(asked.html);
    expect(shown).toMatchObject({ id, confirm: '1' });

    // Meanwhile Lee resolves it from another session: previewed, then published (the restoration email goes out).
    const lee = await signIn(h, 'Lee');
    const form = dom(await fetch(`${h.url}/admin/incidents/${id}`, { headers: { cookie: lee.cookie } }).then((r) => r.text()));
    const hidden = Object.fromEntries(
      all(byId(form, 'post-update')!, (e) => e.name === 'input' && e.attribs.type === 'hidden').map((e) => [
        e.attribs.name!,
        e.attribs.value ?? '',
      ]),
    );
    const previewed = await lee.post('/admin/preview', {
      ...hidden,
      csrf: lee.csrf,
      status: 'resolved',
      body: 'Sign-in works again for everyone.',
    });
    expect(previewed.status).toBe(200);
    const draft = /name="draft" value="([^"]+)"/.exec(await previewed.text())?.[1];
    expect((await lee.post('/admin/publish', { draft: draft!, csrf: lee.csrf })).status).toBe(303);

    // Dana's confirmation, shown before it: refused, nothing withdrawn, and told what changed.
    const refusedRes = await dana.post(`/admin/incidents/${id}/withdraw`, shown);
    expect(refusedRes.status).toBe(409);
    const html = await refusedRes.text();
    expect(html).toContain('Nothing was withdrawn: since this page was shown, Lee posted an update (Resolved');
    expect(html).toContain(
      ': “Sign-in works again for everyone.” Check what withdrawing it does now, below, and confirm again if it should still go.',
    );
    expect((await h.admin(`/incidents/${id}`)).status).toBe(200);
    expect((await json(h.admin(`/incidents/${id}`))).status as string).toBe('resolved');
    expect(await audits('incident.withdraw', id)).toEqual([]);

    // The page asks again, as of now; that confirmation withdraws it.
    const again = confirmFields(html);
    expect(again.seen).not.toBe(shown.seen);
    // A change with no update (a name corrected through the API) is refused and told the same way.
    expect((await h.admin(`/incidents/${id}`, { method: 'PATCH', body: { name: 'Sign-in errors' } })).status).toBe(200);
    const renamed = await dana.post(`/admin/incidents/${id}/withdraw`, again);
    expect(renamed.status).toBe(409);
    const renamedHtml = await renamed.text();
    expect(renamedHtml).toContain('Nothing was withdrawn: since this page was shown, the API corrected its name to “Sign-in errors”.');
    const confirmed = await dana.post(`/admin/incidents/${id}/withdraw`, confirmFields(renamedHtml));
    expect(confirmed.status).toBe(303);
    expect((await h.admin(`/incidents/${id}`)).status).toBe(404);
  });

  it('an update previewed before the withdrawal is refused at its publish, not a server error', async () => {
    const id = await declare({ name: 'Previewed then withdrawn', components: {} });
    const form = dom((await page(`/admin/incidents/${id}`)).html);
    const fields = Object.fromEntries(
      all(byId(form, 'post-update')!, (e) => e.name === 'input' && e.attribs.type === 'hidden').map((e) => [
        e.attribs.name!,
        e.attribs.value ?? '',
      ]),
    );
    const previewed = await dana.post('/admin/preview', {
      ...fields,
      status: 'identified',
      body: 'Found it.',
      notify_shown: '0',
      eta: 'keep',
    });
    expect(previewed.status).toBe(200);
    const draft = /name="draft" value="([^"]+)"/.exec(await previewed.text())?.[1];
    expect(draft).toBeTruthy();
    expect((await withdraw(id)).status).toBe(204);
    const published = await dana.post('/admin/publish', { draft: draft! });
    expect(published.status).toBe(409);
    const html = await published.text();
    // Before: "No incident with id …", and "Back to edit" led to "No such incident", the typed text out of reach.
    const notice = all(dom(html), (e) => e.name === 'div' && e.attribs.class === 'notice bad')[0]!;
    expect(textOf(notice)).toBe(
      `Nothing was published: ${id} (“Previewed then withdrawn”) was withdrawn since your preview, so it takes no more updates. Your text is below, to copy.`,
    );
    expect(html).not.toContain('Back to edit');
    expect(html).toMatch(/<textarea id="kept-text" readonly[^>]*>Found it\.<\/textarea>/);
  });
});
