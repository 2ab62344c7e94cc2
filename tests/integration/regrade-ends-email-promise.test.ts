import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { startMailedSite } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { all, byId, dom, textOf } from '../helpers/dom.ts';

/**
 * A level with `email_every_update` makes every email promise the next ("We will email you an update at
 * least every hour until this is resolved"). An update that re-grades the incident to a level without it
 * ends that promise: by default it is emailed, saying the new rhythm, rather than the emails just stopping.
 */
type Json = Record<string, any>;
let smtp: TestSmtp;
let h: HeraldProcess;
let dana: ConsoleSession;
const dataDir = tempDataDir();
const EVERY_HOUR = 'We will email you an update at least every hour until this is resolved';
const ON_THE_PAGE = 'We will post updates on our status page at least every 4 hours';

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startMailedSite(dataDir, smtp, [{ id: 'api', name: 'API' }]);
  // SEV-2 emails every update; SEV-3 (the default) does not.
  const got = await h.admin('/settings');
  const settings = (await got.json()) as Json;
  settings.severities = settings.severities.map((l: Json) => (l.id === 'sev2' ? { ...l, email_every_update: true } : l));
  const put = await h.admin('/settings', { method: 'PUT', body: settings, headers: { 'If-Match': got.headers.get('etag')! } });
  expect(put.status).toBe(200);
  dana = await signIn(h, 'Dana');
}, 60_000);
afterAll(() => stopAll(h, smtp, dataDir));

const json = async (res: Response | Promise<Response>): Promise<Json> => (await (await res).json()) as Json;
const mails = async () => (await Promise.all(smtp.received.map((r) => smtp.parse(r)))).filter((m) => !/Confirm/.test(m.subject ?? ''));
const mailsOf = async (name: string) => (await mails()).filter((m) => m.subject?.includes(name));
/** A SEV-2 declared and moved to Identified: two emails, each promising the next within the hour. */
const sev2Told = async (name: string): Promise<string> => {
  const declared = await h.admin('/incidents', {
    body: { name, severity: 'sev2', status: 'investigating', body: 'Some API requests fail.', components: { api: 'partial_outage' } },
  });
  expect(declared.status).toBe(201);
  const id = (await json(declared)).id as string;
  const identified = await json(h.admin(`/incidents/${id}/updates`, { body: { status: 'identified', body: 'A bad deploy.' } }));
  expect(identified.incident_updates[0].deliver_notifications).toBe(true);
  await until(async () => (await mailsOf(name)).length === 2, 'the disruption notice and the identified update');
  for (const m of await mailsOf(name)) expect(m.text).toContain(EVERY_HOUR);
  return id;
};

describe('a re-grade to a level that does not email every update', () => {
  it('through the API: emailed by default, stating the new rhythm; notify: false still silences it', async () => {
    const id = await sev2Told('API errors');
    const lowered = await json(
      h.admin(`/incidents/${id}/updates`, {
        body: { status: 'monitoring', body: 'The rollback is done; we are watching error rates.', severity: 'sev3' },
      }),
    );
    expect(lowered.incident_updates[0].deliver_notifications).toBe(true);
    await until(async () => (await mailsOf('API errors')).length === 3, 'the email of the re-grade');
    const text = (await mailsOf('API errors')).find((m) => m.text?.includes('The rollback is done'))!.text!;
    expect(text).toContain(ON_THE_PAGE);
    expect(text).toContain('and email you when it is resolved');
    expect(text).not.toContain('We will email you an update');

    // Once lowered, its updates are not emailed (SEV-3); and a Comms Lead may silence the re-grade itself.
    const after = await json(h.admin(`/incidents/${id}/updates`, { body: { status: 'monitoring', body: 'Still fine.' } }));
    expect(after.incident_updates[0].deliver_notifications).toBe(false);
    const other = await sev2Told('Webhook delays');
    const silenced = await json(
      h.admin(`/incidents/${other}/updates`, { body: { status: 'monitoring', body: 'Rolled back.', severity: 'sev3', notify: false } }),
    );
    expect(silenced.incident_updates[0].deliver_notifications).toBe(false);
  });

  it('in the console: the box is ticked for it, the preview says who is emailed, and unticked nobody is', async () => {
    const id = await sev2Told('Login errors');
    const page = await (await fetch(`${h.url}/admin/incidents/${id}`, { headers: { cookie: dana.cookie } })).text();
    const form = all(byId(dom(page), 'post-update')!, (e) => e.name === 'form' && e.attribs['data-notify-defaults'] !== undefined)[0]!;
    // The box the script ticks for each status and re-grade (and, without JavaScript, the policy's choice at the preview).
    const defaults = JSON.parse(form.attribs['data-notify-defaults']!) as Record<string, boolean>;
    expect(defaults['monitoring|sev3']).toBe(true);
    const hidden = Object.fromEntries(
      all(form, (e) => e.name === 'input' && e.attribs.type === 'hidden').map((e) => [e.attribs.name!, e.attribs.value ?? '']),
    );
    const fields = { ...hidden, status: 'monitoring', severity: 'sev3', body: 'The rollback is done.', eta: 'keep' };
    const summary = async (extra: Record<string, string>) => {
      const res = await dana.post('/admin/preview', { ...fields, ...extra });
      expect(res.status).toBe(200);
      const html = await res.text();
      return { text: textOf(byId(dom(html), 'email-summary')!), draft: /name="draft" value="([^"]+)"/.exec(html)?.[1] };
    };
    // The form drawn for Identified shows the box ticked (SEV-2 emails every update); left so, the policy decides.
    expect(hidden.notify_shown).toBe('1');
    const unticked = await summary({});
    expect(unticked.text).toBe('No email will be sent');
    const ticked = await summary({ notify: '1' });
    expect(ticked.text).toBe('1 subscriber will be emailed (update notice)');
    expect((await dana.post('/admin/publish', { draft: ticked.draft! })).status).toBe(303);
    await until(async () => (await mailsOf('Login errors')).length === 3, 'the email of the re-grade');
    const text = (await mailsOf('Login errors')).find((m) => m.text?.includes('The rollback is done'))!.text!;
    expect(text).toContain(ON_THE_PAGE);
  });
});
