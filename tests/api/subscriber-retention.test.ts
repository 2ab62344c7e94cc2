import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { openInProcess, type InProcess } from '../helpers/app.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { until } from '../helpers/poll.ts';
import { subscriberByEmail } from '../helpers/subscribers.ts';
import { confirmByLink } from '../../src/subscribe/actions.ts';
import { CONFIRM_TTL_MS } from '../../src/store/mail/model.ts';

/**
 * The retention rule, on either engine: an address that never confirmed is erased a week after its
 * confirmation link expired, an unsubscribed one 30 days after it unsubscribed; a confirmed one is kept.
 * Anyone can type a stranger's address into the subscribe form: Herald must not keep it for ever. Time
 * moves by Herald's injected clock; the periodic job is run by hand (notify.sweep), as its timer would.
 */
const MINUTE = 60_000;
const DAY = 24 * 3600_000;
/** The documented rule (README, Subscribers and email): a week past the link's 48 hours; 30 days after unsubscribing. */
const PENDING_GRACE_MS = 7 * DAY;
const UNSUBSCRIBED_RETENTION_MS = 30 * DAY;
let p: InProcess | null = null;
let smtp: TestSmtp | null = null;
afterEach(async () => {
  await p?.close();
  await smtp?.close();
  p = smtp = null;
});

async function open(env: Record<string, string> = {}) {
  const clock = { t: Date.now() };
  p = await openInProcess({ STATIC_SNAPSHOT: 'false', ...env }, { now: () => new Date(clock.t) });
  return { h: p, clock, start: clock.t };
}

const listed = async (h: InProcess): Promise<string[]> => {
  const body = (await (await h.admin('/subscribers?per_page=500')).json()) as { subscribers: Array<{ email: string; state: string }> };
  return body.subscribers.map((s) => `${s.email} ${s.state}`).sort();
};

/** Where the address is stored: subscribers.jsonl on the embedded engine, mail_subscribers on PostgreSQL. */
async function stored(h: InProcess): Promise<string> {
  const url = h.herald.config.DATABASE_URL;
  if (!url) {
    const file = join(h.herald.config.DATA_DIR, 'subscribers.jsonl');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ email: string }>('SELECT email FROM mail_subscribers');
    return rows.map((r) => r.email).join('\n');
  } finally {
    await client.end();
  }
}

/** Every confirmation handed to the mailer and recorded: none queued any more. */
const confirmationsSent = (h: InProcess, n: number) =>
  until(async () => {
    const { confirmations } = await h.herald.notify.outbox.overview({ notices: 0, failed: 0 });
    return confirmations.queued === 0 && confirmations.sent >= n;
  }, `${n} confirmation(s) sent`);

describe('subscriber retention', () => {
  it('erases a never-confirmed address a week after its link expired, an unsubscribed one after 30 days, never a confirmed one', async () => {
    const { h, clock, start } = await open();
    const notify = h.herald.notify;
    for (const email of ['typed.by.a.stranger@example.org', 'reader@example.com', 'leaver@example.com']) {
      await notify.subscribe({ email, components: [] }, 'test');
    }
    // Sent before anyone confirms: a confirmation composed for an address confirmed meanwhile is not sent.
    await confirmationsSent(h, 3);
    const stranger = (await subscriberByEmail(notify, 'typed.by.a.stranger@example.org'))!;
    const strangerConfirm = notify.subscribers.link('confirm', stranger);
    for (const email of ['reader@example.com', 'leaver@example.com']) {
      const s = (await subscriberByEmail(notify, email))!;
      await notify.subscribers.confirm(notify.subscribers.link('confirm', s), h.herald.now());
    }
    const leaverUnsubscribe = notify.subscribers.link('unsubscribe', (await subscriberByEmail(notify, 'leaver@example.com'))!);
    // One-click, from the mail client.
    expect((await h.request(`/unsubscribe/${leaverUnsubscribe}`, { method: 'POST', body: 'List-Unsubscribe=One-Click' })).status).toBe(200);

    // A minute short of the week after the link expired: everyone is still there.
    clock.t = start + CONFIRM_TTL_MS + PENDING_GRACE_MS - MINUTE;
    await notify.sweep();
    expect(await listed(h)).toEqual([
      'leaver@example.com unsubscribed',
      'reader@example.com confirmed',
      'typed.by.a.stranger@example.org pending',
    ]);

    clock.t = start + CONFIRM_TTL_MS + PENDING_GRACE_MS + MINUTE;
    await notify.sweep();
    expect(await listed(h)).toEqual(['leaver@example.com unsubscribed', 'reader@example.com confirmed']);
    expect(await stored(h)).not.toContain('typed.by.a.stranger@example.org');
    expect(await stored(h)).toContain('reader@example.com');
    // The old confirmation link finds nobody: the page's "not valid" answer (subscribe again), on GET and POST.
    expect(await confirmByLink(h.herald, strangerConfirm, false)).toMatchObject({ state: 'invalid', status: 404 });
    expect(await confirmByLink(h.herald, strangerConfirm, true)).toMatchObject({ state: 'invalid', status: 404 });

    // A minute short of 30 days after unsubscribing, then past it.
    clock.t = start + UNSUBSCRIBED_RETENTION_MS - MINUTE;
    await notify.sweep();
    expect(await listed(h)).toEqual(['leaver@example.com unsubscribed', 'reader@example.com confirmed']);
    clock.t = start + UNSUBSCRIBED_RETENTION_MS + MINUTE;
    await notify.sweep();
    expect(await listed(h)).toEqual(['reader@example.com confirmed']);
    expect(await stored(h)).not.toContain('leaver@example.com');

    // The unsubscribe link in an old email still answers: unsubscribed (nothing more is sent). A forged one does not.
    const again = await h.request(`/unsubscribe/${leaverUnsubscribe}`, { method: 'POST', body: 'List-Unsubscribe=One-Click' });
    expect([again.status, await again.text()]).toEqual([200, 'You are unsubscribed.\n']);
    const forged = `${leaverUnsubscribe.slice(0, -2)}${leaverUnsubscribe.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await h.request(`/unsubscribe/${forged}`, { method: 'POST', body: 'List-Unsubscribe=One-Click' })).status).toBe(404);

    // Subscribing again works as for a new address: pending, then confirmed by its new link.
    await notify.subscribe({ email: 'leaver@example.com', components: [] }, 'test');
    const back = (await subscriberByEmail(notify, 'leaver@example.com'))!;
    expect(back.state).toBe('pending');
    expect(await confirmByLink(h.herald, notify.subscribers.link('confirm', back), true)).toMatchObject({ state: 'confirmed' });
    expect(await listed(h)).toEqual(['leaver@example.com confirmed', 'reader@example.com confirmed']);
  });

  it('keeps a pending address while a confirmation to it is still queued, and erases it once that is done', async () => {
    let release: () => void = () => {};
    const held = new Promise<null>((resolve) => {
      release = () => resolve(null);
    });
    // The relay holds the one message to this address (in flight: its delivery stays queued).
    smtp = await startSmtp(({ to }) => (to.includes('slow.relay@example.org') ? held : null));
    const { h, clock, start } = await open({ SMTP_URL: smtp.url });
    const notify = h.herald.notify;
    await notify.subscribe({ email: 'slow.relay@example.org', components: [] }, 'test');
    await until(() => smtp!.attempts.length === 1, 'the confirmation handed to the relay');

    clock.t = start + CONFIRM_TTL_MS + PENDING_GRACE_MS + MINUTE;
    await notify.sweep();
    expect(await listed(h)).toEqual(['slow.relay@example.org pending']);

    release();
    await confirmationsSent(h, 1);
    await notify.sweep();
    expect(await listed(h)).toEqual([]);
    expect(await stored(h)).not.toContain('slow.relay@example.org');
  });
});
