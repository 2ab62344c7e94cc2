import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { engineEnv } from '../helpers/engine.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, outboxSettled, subscribeAndConfirm, to } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { text } from '../helpers/page.ts';

/**
 * A component named on an incident in error, taken off it by a later update (the update form's "Not
 * affected (remove from this incident)", the API's `null`): the page, the banner, the templates, the
 * restoration notice follow the incident's set without it, but not who gets the notices: its followers,
 * told it started, are told it ended. Found by a review playing the Comms Lead: set to Operational, it
 * stayed in "Affects: API, Dashboard and Card payments" for good.
 */
let smtp: TestSmtp;
let h: HeraldProcess;
let s: ConsoleSession;
type Json = Record<string, any>;

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startHerald({ env: { ...(await engineEnv()), SMTP_URL: smtp.url, SITE_URL: SITE, SITE_NAME: 'Acme Status' } });
  for (const [id, name] of [
    ['api', 'API'],
    ['dashboard', 'Dashboard'],
    ['card-payments', 'Card payments'],
    ['search', 'Search'],
  ]) {
    expect((await h.admin('/components', { body: { id, name } })).status).toBe(201);
  }
  await subscribeAndConfirm(h, smtp, 'everyone@example.com');
  await subscribeAndConfirm(h, smtp, 'cards@example.com', ['card-payments']);
  s = await signIn(h);
});
afterAll(() => stopAll(h, smtp));

const consolePage = async (path: string) => (await fetch(`${h.url}${path}`, { headers: { cookie: s.cookie } })).text();

/** Previews the update form as the browser sends it, its body left as the template, and publishes it. */
async function publishUpdate(id: string, fields: Record<string, string>): Promise<string> {
  const preview = await s.post('/admin/preview', {
    kind: 'update',
    incident: id,
    eta: 'none',
    body: '',
    body_template: '',
    notify_shown: '0',
    ...fields,
  });
  const html = await preview.text();
  expect(preview.status, html).toBe(200);
  const draft = /name="draft" value="([^"]+)"/.exec(html)![1]!;
  expect((await s.post('/admin/publish', { draft })).status).toBe(303);
  return html;
}

describe('a component taken off an incident', () => {
  it('leaves the page, the banner, the templates and the restoration notice, not the notice’s audience', async () => {
    const declared = await h.admin('/incidents', {
      body: {
        name: 'Checkout errors',
        severity: 'sev1',
        body: 'We are investigating.',
        components: { api: 'partial_outage', dashboard: 'degraded_performance' },
      },
    });
    const { id } = (await declared.json()) as Json;
    const added = await h.admin(`/incidents/${id}/updates`, {
      body: { status: 'identified', body: 'Card payments too.', components: { 'card-payments': 'partial_outage' } },
    });
    expect(added.status).toBe(201);
    // Its follower hears of it: the update brings in a component (policy.widens).
    await until(() => to(smtp, 'cards@example.com').length === 2, 'the update naming card payments');

    // The form offers "Not affected" for the components the incident names, and only for those.
    const form = await consolePage(`/admin/incidents/${id}`);
    const select = (c: string) => new RegExp(`<select id="component-${c}"[\\s\\S]*?</select>`).exec(form)![0];
    // Before: "No change" or a status only.
    expect(select('card-payments')).toContain('<option value="remove">Not affected (remove from this incident)</option>');
    expect(select('search')).not.toContain('value="remove"');

    const preview = await publishUpdate(id, { status: 'monitoring', 'component.card-payments': 'remove' });
    expect(text(/<dt>Components<\/dt>\s*<dd>[\s\S]*?<\/dd>/.exec(preview)![0])).toContain(
      'Card payments: not affected, removed from this incident (Partial outage → Operational)',
    );
    const incident = (await (await h.admin(`/incidents/${id}`)).json()) as Json;
    expect(incident.components.map((c: Json) => c.id ?? c)).not.toContain('card-payments');
    const monitoring = incident.incident_updates[0];
    expect(monitoring.body).toContain('A fix has been implemented and we are monitoring the results for API and Dashboard.');
    expect(monitoring.body).toContain('**Affected services:** API and Dashboard');
    expect(monitoring.affected_components).toEqual([
      { code: 'card-payments', name: 'Card payments', old_status: 'partial_outage', new_status: 'operational', removed: true },
    ]);
    // The update that named it keeps its record.
    expect(incident.incident_updates[1].affected_components[0]).toMatchObject({ code: 'card-payments', new_status: 'partial_outage' });
    expect((await (await h.admin('/components/card-payments')).json()).status).toBe('operational');

    const page = text(await (await fetch(`${h.url}/incidents/${id}`)).text());
    expect(page).toContain('Affects: API and Dashboard');
    expect(page).not.toContain('Affects: API, Dashboard and Card payments');
    const banner = (await (await fetch(`${h.url}/api/banner.json`)).json()) as Json;
    expect(banner.components).toEqual(['api', 'dashboard']);
    const console = await consolePage(`/admin/incidents/${id}`);
    expect(console).toContain('Card payments: not affected, removed from this incident (Operational)');

    // The removing update is emailed to nobody: no widening, no raise, and SEV-1 does not email every update.
    expect(monitoring.deliver_notifications).toBe(false);
    await outboxSettled(h);
    const cardsBefore = to(smtp, 'cards@example.com').length;
    expect(cardsBefore).toBe(2);
    const everyoneBefore = to(smtp, 'everyone@example.com').length;
    const resolving = await publishUpdate(id, { status: 'resolved' });
    // The preview counts whom the fan-out reaches: card payments' follower too (before: "1 subscriber").
    expect(text(/<dd id="email-summary">[\s\S]*?<\/dd>/.exec(resolving)![0])).toBe('2 subscribers will be emailed (restoration notice)');
    await until(() => to(smtp, 'everyone@example.com').length === everyoneBefore + 1, 'the restoration');
    await until(() => to(smtp, 'cards@example.com').length === cardsBefore + 1, 'the restoration to card payments’ follower');
    await outboxSettled(h);
    const restoration = await smtp.parse(to(smtp, 'everyone@example.com').at(-1)!);
    expect(restoration.subject).toBe('[Acme Status] Service restored: Checkout errors');
    expect(restoration.text).toContain('The issue “Checkout errors”, affecting API and Dashboard, has been resolved');
    const resolved = (await (await h.admin(`/incidents/${id}`)).json()).incident_updates[0];
    expect(resolved.body).toContain('**Affected services:** API and Dashboard\n');
    expect(restoration.text).not.toContain('Card payments');
    // Its follower was told card payments were in partial outage: the restoration, as everyone gets it, is
    // their word that the incident ended (before: nothing more, the incident no longer named card payments).
    expect(to(smtp, 'cards@example.com').length).toBe(cardsBefore + 1);
    const theirs = await smtp.parse(to(smtp, 'cards@example.com').at(-1)!);
    expect(theirs.subject).toBe('[Acme Status] Service restored: Checkout errors');
    expect(theirs.text).toContain('The issue “Checkout errors”, affecting API and Dashboard, has been resolved');
    // The postmortem's note goes to the same two (before: "1 subscriber of the affected components").
    expect(text(await consolePage(`/admin/incidents/${id}/postmortem`))).toContain(
      'Off by default. 2 subscribers of the affected components would get a short note linking to it, once.',
    );
  });
});
