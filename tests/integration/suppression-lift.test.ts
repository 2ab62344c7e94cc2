import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, local, outboxSettled, subscribe, subscribeForm, to, until } from '../helpers/mail-flow.ts';
import { seedSubscribers } from '../fixtures/subscribers.ts';

/**
 * A hard bounce suppresses an address; a day later a new subscribe request lifts it by sending a
 * confirmation (which tests the address), and an admin can lift it at once. No test can wait out a
 * day: the journal is seeded with suppressions of the right age (imported on PostgreSQL).
 */
let smtp: TestSmtp;
let h: HeraldProcess;
let dataDir: string;
const hoursAgo = (n: number) => new Date(Date.now() - n * 3600_000).toISOString();
const BOUNCE = '550 5.1.1 Recipient address rejected: User unknown';

beforeAll(async () => {
  smtp = await startSmtp();
  dataDir = tempDataDir();
  seedSubscribers(dataDir, [
    // Confirmed, bounced 30 h ago: past the cool-down.
    {
      email: 'back@example.com',
      state: 'confirmed',
      components: ['api'],
      at: hoursAgo(72),
      suppressed: BOUNCE,
      suppressedAt: hoursAgo(30),
    },
    // Confirmed, bounced an hour ago: still cooling down.
    { email: 'cooling@example.com', state: 'confirmed', at: hoursAgo(72), suppressed: BOUNCE, suppressedAt: hoursAgo(1) },
    // Pending, suppressed by a Herald that did not keep the time: its last change, 30 h ago, counts.
    { email: 'legacy@example.com', state: 'pending', at: hoursAgo(30), suppressed: BOUNCE },
  ]);
  h = await startHerald({ dataDir, env: { SMTP_URL: smtp.url, SITE_URL: SITE, SUBSCRIBE_LIMIT_PER_IP: '100' } });
  for (const [id, name] of [
    ['api', 'API'],
    ['web', 'Website'],
  ]) {
    expect((await h.admin('/components', { body: { id, name } })).status).toBe(201);
  }
}, 60_000);
afterAll(() => stopAll(h, smtp));

const listed = async (email: string, server = h) => (await (await server.admin(`/subscribers?q=${email}`)).json()).subscribers[0];

const press = (link: string) =>
  fetch(link, { method: 'POST', headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });

describe('subscribing again after a hard bounce', () => {
  it('past the cool-down: a confirmation, the address pending until its link is pressed; within it nothing; the same answer for all', async () => {
    const answers: string[] = [];
    for (const email of ['back@example.com', 'cooling@example.com', 'legacy@example.com', 'new@example.com']) {
      const res = await subscribe(h, { email, components: ['web'] });
      expect(res.status).toBe(202);
      answers.push(await res.text());
    }
    expect(new Set(answers).size, 'one answer whatever the address').toBe(1);
    const form = async (email: string) => (await subscribeForm(h, `email=${encodeURIComponent(email)}`)).text();
    expect(await form('cooling@example.com')).toBe(await form('nobody-yet@example.com'));

    // Bounded inside the test's own 30 s, so that a missing email is named.
    await until(() => to(smtp, 'back@example.com').length === 1, 'the confirmation to the address that bounced 30 h ago', 15_000);
    await until(() => to(smtp, 'legacy@example.com').length === 1, 'the confirmation to the address suppressed before suppressed_at');
    await outboxSettled(h);
    expect(to(smtp, 'cooling@example.com'), 'nothing within the cool-down').toHaveLength(0);
    expect(await listed('cooling@example.com')).toMatchObject({ state: 'confirmed', suppressed: BOUNCE });

    // A confirmation, not the already-subscribed note: it hears notices again only once its reader presses the link.
    const mail = await smtp.parse(to(smtp, 'back@example.com')[0]!);
    expect(mail.subject).toMatch(/Confirm your subscription$/);
    expect(await listed('back@example.com')).toMatchObject({ state: 'pending', suppressed: null, components: ['web'] });
    const link = local(h, /https?:\/\/\S+\/subscribe\/confirm\/[A-Za-z0-9._-]+/.exec(mail.text ?? '')![0]);
    expect(await (await press(link)).text()).toContain('You are subscribed');
    expect(await listed('back@example.com')).toMatchObject({ state: 'confirmed', suppressed: null });
    expect(await listed('legacy@example.com')).toMatchObject({ state: 'pending', suppressed: null });

    // Survives a restart.
    await h.stop();
    h = await startHerald({ dataDir, env: { SMTP_URL: smtp.url, SITE_URL: SITE, SUBSCRIBE_LIMIT_PER_IP: '100' } });
    expect(await listed('back@example.com')).toMatchObject({ state: 'confirmed', suppressed: null });
    expect(await listed('cooling@example.com')).toMatchObject({ state: 'confirmed', suppressed: BOUNCE });
  });
});

describe('an admin clears a suppression', () => {
  it('POST /api/admin/subscribers/:id/unsuppress: mail flows again, audited once; a repeat is no error; an unknown id 404', async () => {
    const { id } = await listed('cooling@example.com');
    const res = await h.admin(`/subscribers/${id}/unsuppress`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, email: 'cooling@example.com', state: 'confirmed', suppressed: null });
    const again = await h.admin(`/subscribers/${id}/unsuppress`, { method: 'POST' });
    expect(again.status).toBe(200);
    expect((await h.admin('/subscribers/nobody/unsuppress', { method: 'POST' })).status).toBe(404);
    const { events } = await (await h.admin('/audit')).json();
    const lifts = events.filter((e: { action: string }) => e.action === 'subscriber.unsuppress');
    expect(lifts).toHaveLength(1);
    expect(lifts[0]).toMatchObject({ target: id, detail: { state: 'confirmed', suppressed: BOUNCE } });
    expect(JSON.stringify(lifts[0])).not.toContain('cooling@example.com');

    // Confirmed and no longer suppressed: a notice reaches it.
    const incident = await h.admin('/incidents', {
      body: { name: 'Outage', impact: 'major', status: 'investigating', body: 'Down.', components: {} },
    });
    expect(incident.status).toBe(201);
    await until(() => to(smtp, 'cooling@example.com').length === 1, 'the disruption notice to the address cleared');

    await h.stop();
    h = await startHerald({ dataDir, env: { SMTP_URL: smtp.url, SITE_URL: SITE, SUBSCRIBE_LIMIT_PER_IP: '100' } });
    expect(await listed('cooling@example.com')).toMatchObject({ state: 'confirmed', suppressed: null });
  });
});
