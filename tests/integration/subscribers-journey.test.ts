import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { engineEnv } from '../helpers/engine.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, local, outboxSettled, subscribe, subscribeAndConfirm, subscribeForm, to } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';
import { signIn } from '../helpers/console-session.ts';

let smtp: TestSmtp;
let h: HeraldProcess;
/** Addresses whose mailbox the relay says is gone (550 5.1.1), from when a test adds them. */
const gone = new Set<string>();

beforeAll(async () => {
  smtp = await startSmtp(({ to }) =>
    to.some((a) => gone.has(a)) ? { code: 550, text: '5.1.1 Recipient address rejected: User unknown' } : null,
  );
  h = await startHerald({
    env: {
      ...(await engineEnv()),
      SMTP_URL: smtp.url,
      SITE_URL: SITE,
      SITE_NAME: 'Acme Status',
      MAIL_FROM: 'Acme <status@example.test>',
      // Every request here comes from one address, and some addresses ask more than 3 times (subscribe-limits.test.ts tests the limits).
      SUBSCRIBE_LIMIT_PER_IP: '100',
      SUBSCRIBE_LIMIT_PER_ADDRESS: '10',
    },
  });
  for (const [id, name] of [
    ['api', 'API'],
    ['web', 'Website'],
    ['db', 'Database'],
  ]) {
    expect((await h.admin('/components', { body: { id, name } })).status).toBe(201);
  }
});
afterAll(() => stopAll(h, smtp));

const header = (raw: string, name: string) =>
  raw
    .split(/\r?\n\r?\n/)[0]!
    .split(/\r?\n(?![ \t])/)
    .filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));

describe('a subscriber hears about an incident from start to end, in one thread', () => {
  it('subscribe → confirm → disruption → update(notify) → restoration', async () => {
    await subscribeAndConfirm(h, smtp, 'alice@example.com', ['api']);
    const incident = await (
      await h.admin('/incidents', {
        body: {
          name: 'API errors',
          impact: 'major',
          status: 'investigating',
          body: 'We are investigating elevated **errors**.',
          components: { api: 'major_outage' },
        },
      })
    ).json();
    await until(() => to(smtp, 'alice@example.com').length === 2, 'the disruption notice');
    await h.admin(`/incidents/${incident.id}/updates`, { body: { status: 'identified', body: 'Cause found (no email).' } });
    await h.admin(`/incidents/${incident.id}/updates`, { body: { status: 'monitoring', body: 'A fix is out.', notify: true } });
    await until(() => to(smtp, 'alice@example.com').length === 3, 'the update notice');
    await h.admin(`/incidents/${incident.id}/updates`, { body: { status: 'resolved', body: 'All good.' } });
    await until(() => to(smtp, 'alice@example.com').length === 4, 'the restoration notice');
    await outboxSettled(h);
    expect(to(smtp, 'alice@example.com')).toHaveLength(4);

    const [, disruption, update, restoration] = await Promise.all(to(smtp, 'alice@example.com').map((r) => smtp.parse(r)));
    expect(disruption!.subject).toBe('[Acme Status] Service disruption: API errors');
    expect(disruption!.text).toContain('We are currently experiencing an issue, “API errors”.');
    expect(disruption!.text).toContain('Affected services: API\n');
    expect(disruption!.text).toContain('elevated errors');
    expect(update!.subject).toBe('[Acme Status] Service update: API errors');
    expect(update!.text).toContain('A fix is out.');
    expect(update!.text).toContain('Current status: Monitoring\n');
    expect(restoration!.subject).toBe('[Acme Status] Service restored: API errors');
    expect(restoration!.text).toContain('All services are now operating normally.');
    for (const m of [disruption!, update!, restoration!]) {
      expect(m.text).toContain(`${SITE}/incidents/${incident.id}`);
      expect(m.text).toMatch(/Unsubscribe: https:\/\/status\.example\.test\/unsubscribe\/\S+/);
      expect(m.text).toMatch(/Choose components: https:\/\/status\.example\.test\/subscribe\/manage\/\S+/);
    }
    // Threading: stable ids per delivery, and every follow-up answers the first message.
    const root = disruption!.messageId!;
    expect(root).toMatch(/^<[a-z0-9]+\.[a-z0-9]+@status\.example\.test>$/);
    expect(new Set([root, update!.messageId, restoration!.messageId]).size).toBe(3);
    for (const m of [update!, restoration!]) {
      expect(m.inReplyTo).toBe(root);
      expect([m.references].flat()).toContain(root);
    }
    expect(disruption!.inReplyTo).toBeUndefined();
    // One List-Unsubscribe header, with the HTTPS link.
    for (const r of to(smtp, 'alice@example.com').slice(1)) {
      const lines = header(r.raw, 'List-Unsubscribe');
      expect(lines).toHaveLength(1);
      expect(lines[0]!.replace(/\s+/g, ' ')).toMatch(/^List-Unsubscribe: <https:\/\/status\.example\.test\/unsubscribe\/[A-Za-z0-9._-]+>$/);
      expect(header(r.raw, 'List-Unsubscribe-Post')).toEqual(['List-Unsubscribe-Post: List-Unsubscribe=One-Click']);
    }
    // The confirmation has none: its address is not on the list yet (README, "Subscribers and email").
    const confirmation = to(smtp, 'alice@example.com')[0]!;
    expect(header(confirmation.raw, 'List-Unsubscribe')).toEqual([]);
    expect(header(confirmation.raw, 'List-Unsubscribe-Post')).toEqual([]);
    // Every message, the confirmation too, asks auto-replies (out of office) not to answer it.
    for (const r of to(smtp, 'alice@example.com')) {
      expect(header(r.raw, 'Auto-Submitted')).toEqual(['Auto-Submitted: auto-generated']);
      expect(header(r.raw, 'X-Auto-Response-Suppress')).toEqual(['X-Auto-Response-Suppress: OOF, AutoReply']);
    }
    const deliveries = await (await h.admin('/deliveries')).json();
    const counts = deliveries.updates.map((u: { kind: string; sent: number; failed: number; queued: number }) => [
      u.kind,
      u.sent,
      u.failed,
      u.queued,
    ]);
    expect(counts).toEqual(
      expect.arrayContaining([
        ['disruption', 1, 0, 0],
        ['update', 1, 0, 0],
        ['restoration', 1, 0, 0],
      ]),
    );
  });

  it('sends only to subscribers of an affected component or of everything; one-click unsubscribe stops the next notice', async () => {
    await subscribeAndConfirm(h, smtp, 'bob@example.com', ['web']);
    await subscribeAndConfirm(h, smtp, 'carol@example.com');
    await subscribeAndConfirm(h, smtp, 'dave@example.com', ['db']);
    const counts = () => Object.fromEntries(['alice', 'bob', 'carol', 'dave'].map((n) => [n, to(smtp, `${n}@example.com`).length]));
    const before = counts();
    const incident = await (
      await h.admin('/incidents', {
        body: {
          name: 'Website slow',
          impact: 'critical',
          status: 'investigating',
          body: 'Slow pages.',
          components: { web: 'degraded_performance', api: 'degraded_performance' },
        },
      })
    ).json();
    await until(
      () => counts().bob === before.bob! + 1 && counts().carol === before.carol! + 1 && counts().alice === before.alice! + 1,
      'the disruption',
    );
    await outboxSettled(h);
    expect(counts()).toEqual({ alice: before.alice! + 1, bob: before.bob! + 1, carol: before.carol! + 1, dave: before.dave });

    // Carol unsubscribes from her mail client: RFC 8058 POST, no cookie, no Origin.
    const carolRaw = to(smtp, 'carol@example.com').at(-1)!.raw;
    const link = /<([^>]+)>/.exec(header(carolRaw, 'List-Unsubscribe')[0]!.replace(/\s+/g, ''))![1]!;
    const res = await fetch(local(h, link), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
      redirect: 'manual',
    });
    expect(res.status).toBe(200);
    const mid = counts();
    await h.admin(`/incidents/${incident.id}/updates`, { body: { status: 'resolved', body: 'Fast again.' } });
    await until(() => counts().bob === mid.bob! + 1 && counts().alice === mid.alice! + 1, 'the restoration');
    await outboxSettled(h);
    expect(counts()).toEqual({ ...mid, alice: mid.alice! + 1, bob: mid.bob! + 1 });
    // The page says so too.
    expect(await (await fetch(local(h, link))).text()).toContain('You are unsubscribed');
  });

  it('an update that brings in another component tells its followers then, not first with the restoration', async () => {
    const mail = (n: string) => to(smtp, `${n}@example.com`);
    const before = Object.fromEntries(['alice', 'bob', 'dave'].map((n) => [n, mail(n).length]));
    const count = (n: string) => mail(n).length - before[n]!;
    const subjects = async (n: string) =>
      Promise.all(
        mail(n)
          .slice(before[n])
          .map(async (r) => (await smtp.parse(r)).subject?.replace('[Acme Status] ', '')),
      );
    const { id } = await (
      await h.admin('/incidents', {
        body: { name: 'Queue backlog', impact: 'major', body: 'Jobs are delayed.', components: { api: 'partial_outage' } },
      })
    ).json();
    await until(() => count('alice') === 1, 'the disruption');
    // Named as fine first (which emails nobody), then in trouble: its followers have still heard nothing.
    await h.admin(`/incidents/${id}/updates`, {
      body: { status: 'investigating', body: 'Checking the database.', components: { db: 'operational' } },
    });
    // Nothing said about email: the runbook decides, and the database's followers have not heard of it.
    await h.admin(`/incidents/${id}/updates`, {
      body: { status: 'identified', body: 'The database is slow too.', components: { db: 'degraded_performance' } },
    });
    await until(() => count('dave') === 1 && count('alice') === 2, 'the update that brings in the database');
    // Told so, an update that brings in the website emails nobody.
    await h.admin(`/incidents/${id}/updates`, {
      body: { status: 'identified', body: 'The website too.', components: { web: 'degraded_performance' }, notify: false },
    });
    await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Caught up.' } });
    await until(() => count('dave') === 2 && count('alice') === 3, 'the restoration');
    await outboxSettled(h);
    expect(await subjects('alice')).toEqual([
      'Service disruption: Queue backlog',
      'Service update: Queue backlog',
      'Service restored: Queue backlog',
    ]);
    expect(await subjects('dave')).toEqual(['Service update: Queue backlog', 'Service restored: Queue backlog']);
    // The Comms Lead's choice stands: the website's follower first hears of it at its end.
    expect(await subjects('bob')).toEqual(['Service restored: Queue backlog']);
  });
});

describe('the manage link', () => {
  it('shows the components and saves a new choice (POST only)', async () => {
    const mail = await smtp.parse(to(smtp, 'alice@example.com').at(-1)!);
    const link = /Choose components: (\S+)/.exec(mail.text ?? '')![1]!;
    const page = await (await fetch(local(h, link))).text();
    expect(page).toContain('alice@example.com');
    expect(page).toMatch(/<input[^>]*value="api"[^>]*checked/);
    const saved = await fetch(local(h, link), {
      method: 'POST',
      headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'components=db&components=web',
    });
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain('Saved');
    const listed = await (await h.admin('/subscribers?q=alice')).json();
    expect(listed.subscribers[0].components.sort()).toEqual(['db', 'web']);
    const forged = await fetch(
      local(
        h,
        link.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
      ),
    );
    expect(forged.status).toBe(404);
  });
});

describe('subscribing reveals nothing and refuses bad input', () => {
  it('answers new, pending, confirmed and unsubscribed addresses identically', async () => {
    // pending: asked before, never confirmed; confirmed: alice; unsubscribed: carol (above).
    expect((await subscribe(h, { email: 'pending@example.com' })).status).toBe(202);
    const answers = [];
    for (const email of ['brand-new@example.com', 'pending@example.com', 'alice@example.com', 'carol@example.com']) {
      const res = await subscribe(h, { email });
      answers.push({
        status: res.status,
        body: await res.text(),
        type: res.headers.get('content-type'),
        cache: res.headers.get('cache-control'),
      });
    }
    expect(answers[0]!.status).toBe(202);
    for (const a of answers) expect(a).toEqual(answers[0]);
  });

  it('refuses CR/LF, bad syntax and over-long addresses, and no message carries an injected header', async () => {
    const bad = [
      'eve@example.com\r\nBcc: victim@example.com',
      'eve@example.com\nBcc: victim@example.com',
      'eve@example.com\rX-Injected: yes',
      'not-an-address',
      `${'a'.repeat(250)}@example.com`,
    ];
    for (const email of bad) {
      const res = await subscribe(h, { email });
      expect(res.status, JSON.stringify(email)).toBe(422);
      expect((await res.json()).error.field).toBe('email');
    }
    // The HTML form refuses it as well.
    const form = await subscribeForm(h, new URLSearchParams({ email: 'eve@example.com\r\nBcc: victim@example.com' }).toString());
    expect(form.status).toBe(422);
    await outboxSettled(h);
    for (const r of smtp.received) {
      const head = r.raw.split(/\r?\n\r?\n/)[0]!;
      expect(head).not.toMatch(/^(Bcc|X-Injected):/im);
      expect(r.to).not.toContain('victim@example.com');
    }
  });

  it('the /subscribe form works without JavaScript and refuses cross-site posts', async () => {
    const page = await (await fetch(`${h.url}/subscribe`)).text();
    expect(page).toContain('name="email"');
    expect(page).toContain('value="api"');
    const ok = await subscribeForm(h, 'email=form%40example.com&components=api&components=db');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('Check your inbox');
    await until(() => to(smtp, 'form@example.com').length === 1, 'the confirmation from the form');
    const cross = await subscribeForm(h, 'email=x%40example.com', 'https://evil.example');
    expect(cross.status).toBe(403);
  });

  it('lists and removes subscribers (admin)', async () => {
    const list = await (await h.admin('/subscribers?q=bob')).json();
    expect(list.total).toBe(1);
    expect(list.subscribers[0]).toMatchObject({ email: 'bob@example.com', state: 'confirmed', components: ['web'] });
    // All Herald holds about the address, for an access request (a privacy hunt: requested_at, updated_at and
    // suppressed_at were not given).
    const instant = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);
    expect(Object.keys(list.subscribers[0]).sort()).toEqual([
      'components',
      'confirmed_at',
      'created_at',
      'email',
      'id',
      'requested_at',
      'state',
      'suppressed',
      'suppressed_at',
      'unsubscribed_at',
      'updated_at',
    ]);
    expect(list.subscribers[0]).toMatchObject({ requested_at: instant, updated_at: instant, suppressed: null, suppressed_at: null });
    expect((await fetch(`${h.url}/api/admin/subscribers`)).status).toBe(401);
    const id = list.subscribers[0].id;
    expect((await h.admin(`/subscribers/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await (await h.admin('/subscribers?q=bob')).json()).total).toBe(0);
    // A retried removal is harmless; the audit log shows the removal once, by whom.
    expect((await h.admin(`/subscribers/${id}`, { method: 'DELETE' })).status).toBe(204);
    const { events } = await (await h.admin('/audit')).json();
    const removals = events.filter((e: { action: string; target: string }) => e.action === 'subscriber.remove' && e.target === id);
    expect(removals).toHaveLength(1);
    expect(removals[0].actor).toBe('admin-token');
  });
});

describe('a confirmed address that subscribes again (a lost manage link)', () => {
  it('gets its manage link, one email per request, its choice unchanged; a pending one a new confirmation; a bounced one nothing', async () => {
    const email = 'frank@example.com';
    const mails = () => to(smtp, email);
    const listed = async () => (await (await h.admin(`/subscribers?q=${email}`)).json()).subscribers[0];
    await subscribeAndConfirm(h, smtp, email, ['api']);
    const confirmLink = /\S+\/subscribe\/confirm\/\S+/.exec((await smtp.parse(mails()[0]!)).text ?? '')![0];

    // Someone types the address with other components, on the form.
    const form = await subscribeForm(h, 'email=frank%40example.com&components=db');
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('if the address is already subscribed, a link to manage its subscription');
    // Bounded inside the test's own 30 s, so that a missing email is named.
    await until(() => mails().length === 2, 'the already-subscribed email', 15_000);
    const mail = await smtp.parse(mails()[1]!);
    expect(mail.subject).toBe('[Acme Status] You are already subscribed');
    expect(mail.text).toContain('It is already subscribed, to those about API, and nothing has changed.');
    expect(mail.text).toContain('If you did not ask for this, ignore this email: nothing changes.');
    const manage = /manage your subscription:\n\n(\S+)/.exec(mail.text ?? '')?.[1] ?? '';
    expect(manage).toMatch(/^https:\/\/status\.example\.test\/subscribe\/manage\/[A-Za-z0-9._-]+$/);
    expect(mail.html).toContain(`href="${manage}"`);
    // Sent like a notice to a subscriber: with its one-click unsubscribe.
    expect(header(mails()[1]!.raw, 'List-Unsubscribe')).toHaveLength(1);
    expect(header(mails()[1]!.raw, 'List-Unsubscribe-Post')).toEqual(['List-Unsubscribe-Post: List-Unsubscribe=One-Click']);
    const page = await fetch(local(h, manage));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(email);
    expect(html).toMatch(/<input[^>]*value="api"[^>]*checked/);
    expect(html).not.toMatch(/<input[^>]*value="db"[^>]*checked/);
    expect(await listed()).toMatchObject({ state: 'confirmed', components: ['api'], suppressed: null });
    // The confirmation link it was sent at first still says it is subscribed.
    expect(await (await fetch(local(h, confirmLink))).text()).toContain('You are subscribed');

    // A second request, on the API: an email of its own.
    expect((await subscribe(h, { email, components: ['web'] })).status).toBe(202);
    await until(() => mails().length === 3, 'the second already-subscribed email');
    await outboxSettled(h);
    expect(mails()).toHaveLength(3);
    expect(mails()[2]!.messageId).not.toBe(mails()[1]!.messageId);
    expect((await smtp.parse(mails()[2]!)).subject).toBe('[Acme Status] You are already subscribed');
    expect(await listed()).toMatchObject({ state: 'confirmed', components: ['api'] });

    // A pending address asked again gets a new confirmation, as before.
    for (const n of [1, 2]) {
      expect((await subscribe(h, { email: 'gina@example.com' })).status).toBe(202);
      await until(() => to(smtp, 'gina@example.com').length === n, `gina's confirmation ${n}`);
    }
    for (const r of to(smtp, 'gina@example.com')) expect((await smtp.parse(r)).subject).toBe('[Acme Status] Confirm your subscription');

    // Its mailbox is gone: the next answer bounces and the address is suppressed; after that nothing is sent.
    gone.add(email);
    expect((await subscribe(h, { email })).status).toBe(202);
    await until(async () => (await listed()).suppressed !== null, 'the bounce to suppress the address');
    const tried = smtp.attempts.filter((a) => a.to.includes(email)).length;
    expect((await subscribe(h, { email })).status).toBe(202);
    // A request made after it is answered, and the outbox settles, with nothing more tried for the bounced address.
    expect((await subscribe(h, { email: 'gina@example.com' })).status).toBe(202);
    await until(() => to(smtp, 'gina@example.com').length === 3, "gina's third confirmation");
    await outboxSettled(h);
    expect(smtp.attempts.filter((a) => a.to.includes(email))).toHaveLength(tried);
    expect(mails()).toHaveLength(3);
  });
});

describe('a deleted component', () => {
  it('leaves one who followed only it hearing about everything, and saying so', async () => {
    expect((await h.admin('/components', { body: { id: 'legacy', name: 'Legacy' } })).status).toBe(201);
    await subscribeAndConfirm(h, smtp, 'erin@example.com', ['legacy']);
    // A past incident names it, so it goes with force (no mail about that incident).
    const declared = await h.admin('/incidents', {
      body: { name: 'Legacy down', impact: 'minor', body: 'Down.', components: { legacy: 'major_outage' }, notify: false },
    });
    expect(declared.status).toBe(201);
    const past = await declared.json();
    expect((await h.admin(`/incidents/${past.id}/updates`, { body: { status: 'resolved', body: 'Up.', notify: false } })).status).toBe(201);
    expect((await h.admin('/components/legacy', { method: 'DELETE' })).status).toBe(409);
    const draft = { name: 'API down', impact: 'major', body: 'Errors.', components: { api: 'major_outage' } };
    const recipients = async () => (await (await h.admin('/preview', { body: draft })).json()).email.recipients as number;
    const reachedBefore = await recipients();
    expect((await h.admin('/components/legacy?force=true', { method: 'DELETE' })).status).toBe(204);

    expect(await recipients()).toBe(reachedBefore + 1);
    // The admin API and the console list what they follow now: everything.
    expect((await (await h.admin('/subscribers?q=erin')).json()).subscribers[0].components).toEqual([]);
    const { cookie } = await signIn(h);
    const listed = await (await fetch(`${h.url}/admin/subscribers?q=erin`, { headers: { cookie } })).text();
    expect(listed).toMatch(/<td[^>]*>Everything<\/td>/);
    const before = to(smtp, 'erin@example.com').length;
    const notices = (await outboxSettled(h)).updates.length;
    expect((await h.admin('/incidents', { body: draft })).status).toBe(201);
    // Until this notice is fanned out and sent (on PostgreSQL its fan-out starts on the next poll).
    await outboxSettled(h, notices + 1);
    expect(to(smtp, 'erin@example.com')).toHaveLength(before + 1);
    const notice = await smtp.parse(to(smtp, 'erin@example.com').at(-1)!);
    expect(notice.subject).toBe('[Acme Status] Service disruption: API down');
  });
});
