import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { until } from '../helpers/poll.ts';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { formDay, scheduleWindow, windowOf as windowOfApi } from '../helpers/maintenance.ts';
import { all, byId, describedBy, dom, fieldsOf, nameOf, textOf, type Doc, type El } from '../helpers/dom.ts';

/**
 * The console without JavaScript, from an accessibility review (WCAG 2.2): a destructive step is
 * asked before it is done, a result says what happened, and each error is tied to its field and
 * worded for people. Read from the server-rendered HTML, as a browser with scripts off gets it.
 */
let h: HeraldProcess;
let s: ConsoleSession;

beforeAll(async () => {
  h = await startHerald();
  for (const [id, name] of [
    ['api', 'API'],
    ['search', 'Search'],
    ['legacy', 'Legacy reports'],
  ])
    expect((await h.admin('/components', { body: { id, name } })).status).toBe(201);
  s = await signIn(h);
}, 60_000);
afterAll(() => stopAll(h));

const page = async (path: string) => dom(await (await fetch(`${h.url}${path}`, { headers: { cookie: s.cookie } })).text());
const componentIds = async () => ((await (await h.admin('/components')).json()).components as Array<{ id: string }>).map((c) => c.id);

describe('removing a subscriber asks first', () => {
  it('the first post names the address and removes nobody; the confirming post removes', async () => {
    const res = await fetch(`${h.url}/api/subscribers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'kept-until-asked@example.com' }),
    });
    expect(res.status).toBe(202);
    const listed = async () => (await (await h.admin('/subscribers?q=kept-until-asked')).json()).subscribers as Array<{ id: string }>;
    const [sub] = await listed();
    const ask = await s.post('/admin/subscribers', { id: sub!.id });
    expect(ask.status).toBe(200);
    const question = byId(dom(await ask.text()), 'confirm-remove')!;
    expect(textOf(question)).toContain('Remove kept-until-asked@example.com?');
    expect(await listed()).toHaveLength(1);
    const [form] = all(question, (e) => e.name === 'form');
    const confirmed = await s.post('/admin/subscribers', fieldsOf(form!));
    expect(confirmed.headers.get('location')).toBe('/admin/subscribers?removed=1');
    expect(await listed()).toHaveLength(0);
  });
});

describe('deleting a component asks first', () => {
  it('the first post asks, naming the component, and deletes nothing; only the confirming post deletes', async () => {
    const ask = await s.post('/admin/components', { action: 'delete', id: 'search' });
    expect(ask.status).toBe(200);
    const doc = dom(await ask.text());
    expect(await componentIds()).toContain('search');
    const question = byId(doc, 'confirm-delete');
    expect(question, 'a confirmation section').toBeDefined();
    expect(textOf(question!)).toContain('Delete Search?');
    expect(all(question!, (e) => e.name === 'a').map((a) => a.attribs.href)).toEqual(['/admin/components']);
    const [form] = all(question!, (e) => e.name === 'form');
    expect(all(form!, (e) => e.name === 'button').map(nameOf)).toEqual(['Delete Search']);

    const confirmed = await s.post('/admin/components', fieldsOf(form!));
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get('location')).toBe('/admin/components?done=deleted');
    expect(await componentIds()).not.toContain('search');

    // Posted again (a double click: the browser shows the second answer), it says what the first did.
    const again = await s.post('/admin/components', fieldsOf(form!));
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe('/admin/components?done=deleted');
  });

  it('a component past incidents name: the one question says they keep its name, and its confirmation deletes it', async () => {
    const made = await h.admin('/incidents', {
      body: { name: 'Slow reports', impact: 'minor', body: 'Looking.', components: { legacy: 'degraded_performance' } },
    });
    const { id } = await made.json();
    expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.' } })).status).toBe(201);

    const ask = await s.post('/admin/components', { action: 'delete', id: 'legacy' });
    const question = byId(dom(await ask.text()), 'confirm-delete')!;
    expect(textOf(question)).toContain('they keep its name');
    expect(await componentIds()).toContain('legacy');
    const confirmed = await s.post('/admin/components', fieldsOf(all(question, (e) => e.name === 'form')[0]!));
    expect(confirmed.status).toBe(303);
    expect(await componentIds()).not.toContain('legacy');
  });
});

describe('removing a channel asks first', () => {
  it('the first post names the channel and what goes with it, and removes nothing; the confirmation removes, once', async () => {
    const channels = async () =>
      ((await (await h.admin('/channels')).json()).channels as Array<{ id: string; name: string }>).map((c) => c.name);
    const added = await h.admin('/channels', { body: { kind: 'webhook', name: 'Partner hook', url: 'https://partner.example.com/hook' } });
    expect(added.status).toBe(201);
    const { id } = await added.json();
    const listed = await page('/admin/channels');
    // Each channel's buttons say which channel they act on.
    expect(all(listed, (e) => e.name === 'button' && e.attribs.value !== undefined).map(nameOf)).toEqual(
      expect.arrayContaining([
        'Send a test to Partner hook',
        'Pause Partner hook',
        'New signing secret for Partner hook',
        'Remove Partner hook',
      ]),
    );
    // A new signing secret, shown once, with the day the old one still signs.
    const rotated = dom(await (await s.post('/admin/channels', { action: 'rotate', id })).text());
    expect(textOf(byId(rotated, 'main')!)).toMatch(
      /New signing secret for “Partner hook”\. The old one still signs beside it until .+: give the receiver the new one before then\./,
    );
    expect(textOf(all(rotated, (e) => e.attribs.class === 'secret')[0]!)).toMatch(/^whsec_/);

    const ask = await s.post('/admin/channels', { action: 'delete', id });
    expect(ask.status).toBe(200);
    const doc = dom(await ask.text());
    expect(await channels()).toContain('Partner hook');
    const question = byId(doc, 'confirm-remove')!;
    expect(question, 'a confirmation section').toBeDefined();
    expect(textOf(question)).toContain('Remove Partner hook?');
    expect(textOf(question)).toContain('give the receiver the new signing secret');
    const [form] = all(question, (e) => e.name === 'form');
    expect(all(form!, (e) => e.name === 'button').map(nameOf)).toEqual(['Remove Partner hook']);

    const confirmed = await s.post('/admin/channels', fieldsOf(form!));
    expect(confirmed.status).toBe(200);
    expect(textOf(byId(dom(await confirmed.text()), 'main')!)).toContain('Channel “Partner hook” removed.');
    expect(await channels()).not.toContain('Partner hook');
    const again = await s.post('/admin/channels', fieldsOf(form!));
    expect(again.status).toBe(200);
    expect(textOf(byId(dom(await again.text()), 'main')!)).toContain('Channel removed.');
  });
});

describe('a review owed', () => {
  it('is listed on the dashboard from the resolution on, with the time it is due by, and its page says the same', async () => {
    const made = await h.admin('/incidents', { body: { name: 'Checkout down', severity: 'sev1', body: 'Looking.', notify: false } });
    const { id } = await made.json();
    expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.', notify: false } })).status).toBe(201);
    const row = all(await page('/admin'), (e) => e.attribs['data-postmortem'] === id)[0];
    expect(row, 'listed under "Postmortems owed" right after the resolution').toBeDefined();
    expect(row!.attribs['data-state']).toBe('owed');
    expect(textOf(row!)).toMatch(/Postmortem owed ?due by /);
    const notice = all(await page(`/admin/incidents/${id}/postmortem`), (e) => e.attribs.role === 'status')[0]!;
    expect(textOf(notice)).toMatch(/^Postmortem owed: this severity expects a review by .+, overdue from .+\.$/);
  });
});

describe('the forms prompt for what the runbooks want said', () => {
  it('the declare and update forms ask for a workaround, where there is one (runbook: "workarounds if available")', async () => {
    expect(textOf(byId(await page('/admin/incidents/new'), 'body-hint')!)).toContain(
      'If customers can work around the problem meanwhile, say how.',
    );
    const made = await h.admin('/incidents', { body: { name: 'Exports slow', impact: 'minor', body: 'Looking.' } });
    const { id } = await made.json();
    expect(textOf(byId(await page(`/admin/incidents/${id}`), 'update-body-hint')!)).toContain(
      'If customers can work around the problem meanwhile, say how.',
    );
  });
});

describe('the preview names what the email will lack', () => {
  it('a restoration email that says nothing of what happened, and no way to reach support, are said before the publish', async () => {
    // A confirmed subscriber, from the confirmation the outbox folder got (no SMTP server here).
    const email = 'reader@example.com';
    expect(
      (
        await fetch(`${h.url}/api/subscribers`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email }),
        })
      ).status,
    ).toBe(202);
    const outbox = join(h.dataDir, 'outbox');
    const eml = await until(async () => {
      for (const f of existsSync(outbox) ? readdirSync(outbox).filter((x) => x.endsWith('.confirm.1.eml')) : []) {
        const mail = await simpleParser(readFileSync(join(outbox, f)));
        if (mail.text?.includes('/subscribe/confirm/') && JSON.stringify(mail.to).includes(email)) return mail;
      }
      return null;
    }, 'the confirmation in the outbox');
    const link = /https?:\/\/\S+(\/subscribe\/confirm\/[A-Za-z0-9._-]+)/.exec(eml.text!)![1]!;
    const confirmed = await fetch(`${h.url}${link}`, {
      method: 'POST',
      headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(await confirmed.text()).toContain('You are subscribed');

    const made = await h.admin('/incidents', { body: { name: 'Logins failing', severity: 'sev1', body: 'Looking.', notify: true } });
    const { id } = await made.json();
    const preview = async (extra: Record<string, string>) =>
      dom(
        await (
          await s.post('/admin/preview', {
            kind: 'update',
            incident: id,
            status: 'resolved',
            body: 'Fixed.',
            body_template: '',
            notify_shown: '0',
            ...extra,
          })
        ).text(),
      );
    const gaps = (doc: Doc) => all(byId(doc, 'email-gaps') ?? doc, (e) => e.name === 'li').map(textOf);
    const bare = await preview({});
    expect(textOf(byId(bare, 'email-summary')!)).toContain('1 subscriber will be emailed (restoration notice)');
    expect(gaps(bare)).toEqual([
      'It does not say what happened: “Root cause” is empty. Customers are owed a short, plain explanation when it is over; go back to add one, or publish as it is and tell them in a later note.',
      'It asks readers who still have trouble to “contact us” without saying how: no support contact is set (Settings).',
    ]);
    const told = await preview({ root_cause: 'A certificate expired.' });
    expect(gaps(told)).toEqual([
      'It asks readers who still have trouble to “contact us” without saying how: no support contact is set (Settings).',
    ]);
    // A disruption notice says nothing of support at all without a contact: said in those words.
    const declaring = dom(
      await (
        await s.post('/admin/preview', {
          kind: 'declare',
          name: 'Exports failing',
          severity: 'sev1',
          body: 'Looking.',
          body_template: '',
          notify_shown: '0',
        })
      ).text(),
    );
    expect(textOf(byId(declaring, 'email-summary')!)).toContain('(disruption notice)');
    expect(gaps(declaring)).toEqual([
      'It gives readers no way to reach support, which the runbooks’ notices end with: no support contact is set (Settings).',
    ]);
  });
});

describe('maintenance: cancel asks first, and each move says what it did', () => {
  const schedule = (name: string) => scheduleWindow(h, name);
  const windowOf = (id: string) => windowOfApi(h, id);
  const flashAt = async (location: string) => all(await page(location), (e) => e.attribs.role === 'status').map(textOf);

  it('the first cancel post asks, saying subscribers will be emailed, and cancels nothing; the confirmation cancels and says so', async () => {
    const id = await schedule('Router swap');
    const ask = await s.post(`/admin/maintenance/${id}`, { step: 'cancel', body: 'Not needed after all.', notify: '1' });
    expect(ask.status).toBe(200);
    expect((await windowOf(id)).status).toBe('scheduled');
    const question = byId(dom(await ask.text()), 'confirm-cancel');
    expect(question, 'a confirmation section').toBeDefined();
    expect(textOf(question!)).toContain('Cancel Router swap?');
    expect(textOf(question!)).toContain('Subscribers will be emailed');
    expect(all(question!, (e) => e.name === 'a').map((a) => a.attribs.href)).toEqual([`/admin/incidents/${id}`]);
    const fields = fieldsOf(all(question!, (e) => e.name === 'form')[0]!);
    expect(fields).toMatchObject({ step: 'cancel', body: 'Not needed after all.', notify: '1' });

    const confirmed = await s.post(`/admin/maintenance/${id}`, fields);
    expect(confirmed.status).toBe(303);
    expect((await windowOf(id)).cancelled_at).toBeTruthy();
    expect(await flashAt(confirmed.headers.get('location')!)).toEqual(['Maintenance cancelled.']);
  });

  it("the confirmation carries the step form's one-time key: posted twice (a double click), both go to the cancelled window", async () => {
    const id = await schedule('Switch reboot');
    const steps = all(await page(`/admin/incidents/${id}`), (e) => e.attribs['aria-labelledby'] === 'steps-title')[0]!;
    const once = fieldsOf(all(steps, (e) => e.name === 'form')[0]!).once!;
    expect(once).toBeTruthy();
    const ask = await s.post(`/admin/maintenance/${id}`, { once, step: 'cancel' });
    const fields = fieldsOf(all(byId(dom(await ask.text()), 'confirm-cancel')!, (e) => e.name === 'form')[0]!);
    expect(fields.once).toBe(once);
    const [a, b] = await Promise.all([1, 2].map(() => s.post(`/admin/maintenance/${id}`, fields)));
    expect([a!.status, b!.status]).toEqual([303, 303]);
    expect(b!.headers.get('location')).toBe(`/admin/incidents/${id}?done=cancel`);
    expect((await windowOf(id)).cancelled_at).toBeTruthy();
  });

  it('without "Email subscribers" ticked, the question says nobody is emailed', async () => {
    const id = await schedule('Cache flush');
    const question = byId(dom(await (await s.post(`/admin/maintenance/${id}`, { step: 'cancel' })).text()), 'confirm-cancel')!;
    expect(textOf(question)).toContain('Subscribers are not emailed');
    expect(fieldsOf(all(question, (e) => e.name === 'form')[0]!)).not.toHaveProperty('notify');
    expect((await windowOf(id)).status).toBe('scheduled');
  });

  it('"Start now" near the planned start starts at once and the page says "Maintenance started."', async () => {
    const id = await scheduleWindow(h, 'Disk swap', 20 / 1440);
    const started = await s.post(`/admin/maintenance/${id}`, { step: 'start' });
    expect(started.status).toBe(303);
    expect((await windowOf(id)).status).toBe('in_progress');
    expect(await flashAt(started.headers.get('location')!)).toEqual(['Maintenance started.']);
  });

  it('"Start now" a day early asks first (it cannot go back to scheduled) and starts nothing; the confirmation starts it', async () => {
    // Before: started at once, its component under maintenance for the day to come, with no way back but "complete".
    const id = await schedule('Switch swap');
    const ask = await s.post(`/admin/maintenance/${id}`, { step: 'start', body: 'Starting early.', notify: '1' });
    expect(ask.status).toBe(200);
    expect((await windowOf(id)).status).toBe('scheduled');
    const question = byId(dom(await ask.text()), 'confirm-start')!;
    expect(question, 'a confirmation section').toBeDefined();
    expect(textOf(question)).toMatch(/^Start Switch swap now, 24 h( 1 min)? before its planned start\?/);
    expect(textOf(question)).toContain('it can only be completed');
    expect(textOf(question)).toContain('Subscribers will be emailed that it has started');
    expect(all(question, (e) => e.name === 'a').map((a) => a.attribs.href)).toEqual([`/admin/incidents/${id}`]);
    const fields = fieldsOf(all(question, (e) => e.name === 'form')[0]!);
    expect(fields).toMatchObject({ step: 'start', confirm: '1', body: 'Starting early.', notify: '1' });
    const started = await s.post(`/admin/maintenance/${id}`, fields);
    expect(started.status).toBe(303);
    expect((await windowOf(id)).status).toBe('in_progress');
    expect(await flashAt(started.headers.get('location')!)).toEqual(['Maintenance started.']);
  });
});

describe('the maintenance form, refused', () => {
  const form = (fields: Record<string, string>) => ({
    name: 'Firmware update',
    from: `${formDay(10)}T04:00`,
    until: `${formDay(10)}T05:00`,
    components: 'api',
    body: 'Updating.',
    body_template: '',
    ...fields,
  });
  /** The refused page; every field it marks invalid points (aria-describedby) only at elements that exist. */
  const refused = async (fields: Record<string, string>) => {
    const res = await s.post('/admin/maintenance', form(fields));
    expect(res.status).toBe(422);
    const doc = dom(await res.text());
    for (const field of all(doc, (e) => e.attribs['aria-invalid'] === 'true')) expect(describedBy(doc, field)).not.toContain(undefined);
    const [alert] = all(doc, (e) => e.attribs.role === 'alert');
    expect(alert, 'an error summary').toBeDefined();
    const links = all(alert!, (e) => e.name === 'a').map((a) => ({ to: a.attribs.href!, text: textOf(a) }));
    for (const link of links) expect(byId(doc, link.to.slice(1)), `${link.to} is on the page`).toBeDefined();
    return { doc, links };
  };

  it("an end before the start: the summary links to the end, which points at the error, in people's words", async () => {
    const { doc, links } = await refused({ from: `${formDay(10)}T05:00`, until: `${formDay(10)}T04:00` });
    expect(links).toEqual([{ to: '#m-until', text: 'Ends: The end must be after the start.' }]);
    expect(describedBy(doc, byId(doc, 'm-until')!).map((e) => textOf(e!))).toEqual(['The end must be after the start.']);
  });

  it('a notice too long and no name: both listed, the notice keeps its hint beside its error', async () => {
    const { doc, links } = await refused({ name: '', body: 'x'.repeat(20_001) });
    expect(links.map((l) => l.to)).toEqual(['#m-name', '#m-body']);
    expect(links[1]!.text).toBe('Notice: The notice must be at most 20000 characters (this has 20001)');
    const body = byId(doc, 'm-body')!;
    expect(body.attribs['aria-invalid']).toBe('true');
    expect(describedBy(doc, body).map((e) => textOf(e!))).toEqual([
      'The notice must be at most 20000 characters (this has 20001)',
      'Markdown. Left as the runbook template, it names the components you choose.',
    ]);
  });

  it('an unknown component: the components group points at its error', async () => {
    const { doc, links } = await refused({ components: 'nope' });
    expect(links.map((l) => l.to)).toEqual(['#m-component-api']);
    expect(describedBy(doc, byId(doc, 'm-components')!).map((e) => textOf(e!))).toEqual(['Unknown component "nope".']);
  });
});

describe('sign-in refused', () => {
  it('the secret field points at the error (aria-describedby)', async () => {
    const res = await fetch(`${h.url}/admin/login`, {
      method: 'POST',
      headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'Dana', secret: 'not the token' }).toString(),
    });
    expect(res.status).toBe(401);
    const doc = dom(await res.text());
    const secret = byId(doc, 'secret')!;
    expect(secret.attribs['aria-invalid']).toBe('true');
    const [error] = describedBy(doc, secret);
    expect(error?.attribs.role).toBe('alert');
    expect(textOf(error!)).not.toBe('');
  });
});

describe('the declare form, refused', () => {
  it('the summary links each field in error to its control; a field in error keeps its hint', async () => {
    const res = await s.post('/admin/preview', {
      kind: 'declare',
      name: '',
      body: 'x'.repeat(20_001),
      body_template: '',
      notify_shown: '0',
    });
    const doc = dom(await res.text());
    const [alert] = all(doc, (e) => e.attribs.role === 'alert');
    const targets = all(alert!, (e) => e.name === 'a').map((a) => a.attribs.href!);
    expect(targets).toEqual(['#name', '#severity-sev1', '#body']);
    for (const to of targets) expect(byId(doc, to.slice(1)), `${to} is on the page`).toBeDefined();
    for (const id of ['name', 'body']) {
      const field = byId(doc, id)!;
      expect(field.attribs['aria-invalid']).toBe('true');
      const [error, hint] = describedBy(doc, field);
      expect([error?.attribs.class, hint?.attribs.class]).toEqual(['error', 'hint']);
    }
  });
});

describe('controls that look alike are named apart', () => {
  const names = (root: Doc | El, tag: string) => all(root, (e) => e.name === tag).map(nameOf);
  const main = (doc: Doc) => all(doc, (e) => e.name === 'main')[0]!;

  it('on the components page, no two buttons share a name: each Save names its component', async () => {
    const buttons = names(main(await page('/admin/components')), 'button');
    expect(buttons).toContain('Save API');
    expect(new Set(buttons).size).toBe(buttons.length);
  });

  it('on an incident\'s page, each "Correct text" link names its update, even two of one status in one minute', async () => {
    const made = await h.admin('/incidents', {
      body: { name: 'Login errors', impact: 'minor', body: 'Looking.', components: { api: 'degraded_performance' } },
    });
    const { id } = await made.json();
    for (const body of ['Still looking.', 'Narrowed it down.'])
      expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'investigating', body } })).status).toBe(201);
    const trail = all(await page(`/admin/incidents/${id}`), (e) => e.attribs['aria-labelledby'] === 'updates-title')[0]!;
    const links = names(trail, 'a').filter((n) => n.startsWith('Correct text'));
    expect(links).toHaveLength(3);
    expect(links[2]).toMatch(/^Correct text of update 1 \(Investigating, .+\)$/);
    expect(new Set(links).size).toBe(3);
  });
});
