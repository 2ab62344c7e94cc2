import { afterEach, describe, expect, it } from 'vitest';
import { stopAll } from '../helpers/server.ts';
import { chooseComponents, outboxSettled } from '../helpers/mail-flow.ts';
import { signIn } from '../helpers/console-session.ts';
import { heraldWithRelay } from '../helpers/relay-herald.ts';
import { linkKey } from '../helpers/engine.ts';
import { LinkTokens } from '../../src/store/mail/tokens.ts';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(() => stopAll(...cleanup.splice(0).reverse()));

type Why = {
  subscriber_removed?: number;
  subscriber_unsubscribed?: number;
  address_suppressed?: number;
  subscriber_unfollowed?: number;
  notice_withdrawn?: number;
};
/** A "retry all" answer: what it queued, and what it left failed by reason (none unless given). */
const answer = (intent: string, requeued: number, why: Why = {}) => {
  const not_requeued_why = {
    subscriber_removed: 0,
    subscriber_unsubscribed: 0,
    address_suppressed: 0,
    subscriber_unfollowed: 0,
    notice_withdrawn: 0,
    ...why,
  };
  const not_requeued = Object.values(not_requeued_why).reduce((a, b) => a + b, 0);
  return { intent, requeued, not_requeued, not_requeued_why, withdrawn: not_requeued_why.notice_withdrawn > 0 };
};

/** A notice whose every delivery a relay refused (554 to every recipient); the relay then accepts. */
async function failedNotice(n: number, stillRefusing = false) {
  const refusing = { on: true };
  const { smtp, h } = await heraldWithRelay(
    cleanup,
    () => (refusing.on ? { code: 554, text: '5.7.1 Message refused' } : null),
    Array.from({ length: n }, (_, i) => `r${i}@example.com`),
  );
  await h.admin('/incidents', { body: { name: 'Outage', impact: 'major', status: 'investigating', body: 'Down.', components: {} } });
  const out = await outboxSettled(h, 1, 60_000);
  expect(out.updates[0]).toMatchObject({ failed: n, sent: 0 });
  refusing.on = stillRefusing;
  return { smtp, h, intent: out.updates[0]!.intent as string };
}

describe('retry all failed deliveries of a notice', () => {
  it('the admin API: 1,200 failures queued again in one call (in batches), sent once each; a repeat queues nothing and says so; audited', async () => {
    const N = 1200;
    const { smtp, h, intent } = await failedNotice(N);
    const post = (body: unknown, key: string) =>
      h.admin('/deliveries/retry', { method: 'POST', body, headers: { 'idempotency-key': key } });
    const first = await post({ intent }, 'k-all-1');
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual(answer(intent, N));
    const replay = await post({ intent }, 'k-all-1');
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.json()).toEqual(answer(intent, N));
    await smtp.waitFor(N, 60_000);
    const out = await outboxSettled(h, 1, 60_000);
    expect(out.updates[0]).toMatchObject({ sent: N, failed: 0, queued: 0 });
    expect(new Set(smtp.received.map((r) => r.to[0])).size).toBe(N);
    expect(smtp.received).toHaveLength(N);

    const again = await post({ intent }, 'k-all-2');
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(answer(intent, 0));
    const events = (await (await h.admin('/audit?limit=1000')).json()).events.filter(
      (e: { action: string }) => e.action === 'deliveries.retry_all',
    );
    // With the incident it told of, which an investigator searches by.
    expect(events).toEqual([
      expect.objectContaining({ target: intent, detail: { incident: expect.stringMatching(/^INC-/), requeued: N, not_requeued: 0 } }),
    ]);

    const unknown = await post({ intent: 'no-such-notice' }, 'k-all-3');
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toMatchObject({ code: 'not_found', field: 'intent' });
    const bad = await h.admin('/deliveries/retry', { method: 'POST', body: { intent: '' } });
    expect(bad.status).toBe(422);
    expect((await bad.json()).error).toMatchObject({ field: 'intent' });
    // A misspelt key is refused, as on every other admin route (before: 404 for the intent, the typo unsaid).
    const typo = await h.admin('/deliveries/retry', { method: 'POST', body: { intent: 'no-such-notice', intnet: 'x' } });
    expect(typo.status).toBe(422);
    expect((await typo.json()).error).toMatchObject({ field: 'intnet' });
  });

  it('a relay that still refuses: each failure is queued again once, however fast it fails again meanwhile', async () => {
    const N = 1200;
    const { h, intent } = await failedNotice(N, true);
    const res = await h.admin('/deliveries/retry', { method: 'POST', body: { intent } });
    expect(await res.json()).toEqual(answer(intent, N));
    const out = await outboxSettled(h, 1, 60_000);
    expect(out.updates[0]).toMatchObject({ failed: N, sent: 0, queued: 0 });
  });

  it('counts only what can be sent: the failures of subscribers removed since are left failed and said apart', async () => {
    const { smtp, h, intent } = await failedNotice(4);
    for (const email of ['r1@example.com', 'r3@example.com']) {
      const found = (await (await h.admin(`/subscribers?q=${email}`)).json()) as { subscribers: Array<{ id: string }> };
      expect(found.subscribers).toHaveLength(1);
      expect((await h.admin(`/subscribers/${found.subscribers[0]!.id}`, { method: 'DELETE' })).status).toBe(204);
    }
    const res = await h.admin('/deliveries/retry', { method: 'POST', body: { intent } });
    expect(await res.json()).toEqual(answer(intent, 2, { subscriber_removed: 2 }));
    await smtp.waitFor(2);
    const out = await outboxSettled(h, 1);
    expect(out.updates[0]).toMatchObject({ sent: 2, failed: 2, queued: 0 });
    expect(smtp.received.map((r) => r.to[0]).sort()).toEqual(['r0@example.com', 'r2@example.com']);
    // Left as they failed (the relay's refusal), not failed again as "not sent: subscriber removed".
    const failed = (await (await h.admin('/deliveries/failed')).json()) as {
      failed: Array<{ id: string; email: string | null; last_error: string }>;
    };
    expect(failed.failed).toHaveLength(2);
    for (const f of failed.failed) expect(f).toMatchObject({ email: null, last_error: expect.stringContaining('Message refused') });
    // One of them retried alone is refused and stays failed. Before: 200 `requeued: true`, then failed again as
    // "not sent: subscriber removed", its relay's answer lost.
    const one = failed.failed[0]!.id;
    const alone = await h.admin(`/deliveries/${one}/retry`, { method: 'POST' });
    expect(alone.status).toBe(409);
    expect((await alone.json()).error).toMatchObject({
      code: 'subscriber_removed',
      message: expect.stringContaining('subscriber was removed'),
    });
    const events = (await (await h.admin('/audit?limit=1000')).json()).events.filter(
      (e: { action: string }) => e.action === 'deliveries.retry_all',
    );
    // The two left failed are counted too (before: only those queued).
    expect(events).toEqual([
      expect.objectContaining({ target: intent, detail: { incident: expect.stringMatching(/^INC-/), requeued: 2, not_requeued: 2 } }),
    ]);
    // A repeat: nothing that can be sent is failed; the removed subscribers' two are still said.
    const again = await h.admin('/deliveries/retry', { method: 'POST', body: { intent } });
    expect(await again.json()).toEqual(answer(intent, 0, { subscriber_removed: 2 }));
    // The console's button says them too. Before: "Nothing new to retry: none of that notice’s deliveries are
    // failed now", above the two it lists as failed.
    const s = await signIn(h);
    const button = await s.post('/admin/deliveries', { action: 'retry-all', intent, once: 'retry-all-left-0123456789' });
    expect(button.headers.get('location')).toBe('/admin/deliveries?done=retried-all&n=0&left=2');
    const page = await (await fetch(`${h.url}${button.headers.get('location')}`, { headers: { cookie: s.cookie } })).text();
    expect(page).toContain('Nothing to retry: 2 failed deliveries of that notice are left failed: their subscribers were removed.');
    // Their rows say why, with no Retry button; a Retry posted from a page made before the removal is refused in words.
    expect(page.match(/Subscriber removed/g)).toHaveLength(2);
    expect(page).not.toMatch(/name="action" value="retry">/);
    const stale = await s.post('/admin/deliveries', { action: 'retry', id: one, once: 'retry-one-left-0123456789' });
    expect(stale.status).toBe(409);
    expect(await stale.text()).toContain('its subscriber was removed, so nothing can send it.');
    const still = (await (await h.admin('/deliveries/failed')).json()) as typeof failed;
    expect(still.failed.find((f) => f.id === one)).toMatchObject({ last_error: expect.stringContaining('Message refused') });
  });

  it('the failures of a subscriber who unsubscribed since, or whose address is suppressed, are left failed and said apart', async () => {
    // r1's mailbox is unknown (the sender suppresses the address); the relay refuses the others' for now.
    const refusing = { on: true };
    const emails = ['r0@example.com', 'r1@example.com', 'r2@example.com', 'r3@example.com'];
    const { smtp, h } = await heraldWithRelay(
      cleanup,
      ({ to }) =>
        to.includes('r1@example.com')
          ? { code: 550, text: '5.1.1 <r1@example.com>: Recipient address rejected: User unknown' }
          : refusing.on
            ? { code: 554, text: '5.7.1 Message refused' }
            : null,
      emails,
    );
    await h.admin('/incidents', { body: { name: 'Outage', impact: 'major', status: 'investigating', body: 'Down.', components: {} } });
    const intent = (await outboxSettled(h, 1, 60_000)).updates[0]!.intent as string;
    refusing.on = false;
    const subscriber = async (email: string) =>
      ((await (await h.admin(`/subscribers?q=${email}`)).json()) as { subscribers: Array<{ id: string; suppressed: string | null }> })
        .subscribers[0]!;
    expect((await subscriber('r1@example.com')).suppressed).toBeTruthy();
    // r2 unsubscribes with one click, as its List-Unsubscribe header offers.
    const unsubscribe = new LinkTokens(await linkKey(h)).issue('unsubscribe', {
      id: (await subscriber('r2@example.com')).id,
      requested_at: '',
    });
    const clicked = await fetch(`${h.url}/unsubscribe/${unsubscribe}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(clicked.status).toBe(200);

    const res = await h.admin('/deliveries/retry', { method: 'POST', body: { intent } });
    // Before: `requeued: 4`, and the two failed again at once as "not sent: …", their relay's answers lost.
    expect(await res.json()).toEqual(answer(intent, 2, { subscriber_unsubscribed: 1, address_suppressed: 1 }));
    await smtp.waitFor(2);
    expect((await outboxSettled(h, 1)).updates[0]).toMatchObject({ sent: 2, failed: 2, queued: 0 });
    expect(
      smtp.received
        .filter((r) => r.to[0] !== 'r1@example.com')
        .map((r) => r.to[0])
        .sort(),
    ).toEqual(['r0@example.com', 'r3@example.com']);
    const failed = (await (await h.admin('/deliveries/failed')).json()) as {
      failed: Array<{ id: string; email: string; last_error: string; unreachable: string | null }>;
    };
    const row = (email: string) => failed.failed.find((f) => f.email === email)!;
    expect(row('r1@example.com')).toMatchObject({ unreachable: 'address_suppressed', last_error: expect.stringContaining('User unknown') });
    expect(row('r2@example.com')).toMatchObject({
      unreachable: 'subscriber_unsubscribed',
      last_error: expect.stringContaining('Message refused'),
    });
    for (const [email, code] of [
      ['r1@example.com', 'address_suppressed'],
      ['r2@example.com', 'subscriber_unsubscribed'],
    ] as const) {
      const alone = await h.admin(`/deliveries/${row(email).id}/retry`, { method: 'POST' });
      expect(alone.status, email).toBe(409);
      expect((await alone.json()).error).toMatchObject({ code });
    }

    const s = await signIn(h);
    const button = await s.post('/admin/deliveries', { action: 'retry-all', intent, once: 'retry-all-unreach-0123456789' });
    expect(button.headers.get('location')).toBe(
      '/admin/deliveries?done=retried-all&n=0&left=2&why=subscriber_unsubscribed:1,address_suppressed:1',
    );
    const page = await (await fetch(`${h.url}${button.headers.get('location')}`, { headers: { cookie: s.cookie } })).text();
    expect(page).toContain(
      'Nothing to retry: 2 failed deliveries of that notice are left failed: 1 unsubscribed since, 1 address is suppressed (lift a suppression on the Subscribers page first), so nothing can send them.',
    );
    // Their rows say why, where the Retry button was.
    expect(page).toContain('<span class="small muted">Unsubscribed</span>');
    expect(page).toContain('<span class="small muted">Address suppressed</span>');
    expect(page).not.toMatch(/name="action" value="retry">/);
  });

  it('the failures of a subscriber who chose other components since are left failed and said apart; a retry of one is refused', async () => {
    const refusing = { on: true };
    const { smtp, h } = await heraldWithRelay(cleanup, () => (refusing.on ? { code: 554, text: '5.7.1 Message refused' } : null), [
      'r0@example.com',
      'r1@example.com',
    ]);
    for (const id of ['api', 'web']) expect((await h.admin('/components', { body: { id, name: id.toUpperCase() } })).status).toBe(201);
    await h.admin('/incidents', { body: { name: 'API down', impact: 'major', body: 'Down.', components: { api: 'major_outage' } } });
    const intent = (await outboxSettled(h, 1, 60_000)).updates[0]!.intent as string;
    refusing.on = false;
    // r1 now follows the web app alone, on their manage page: the notice about the API is no longer theirs.
    await chooseComponents(h, 'r1@example.com', ['web']);
    const failed = (await (await h.admin('/deliveries/failed?q=r1%40example.com')).json()) as {
      failed: Array<{ id: string; unreachable: string | null }>;
    };
    // Listed as nothing can send it, as the deliveries page says where its Retry was.
    expect(failed.failed.map((f) => f.unreachable)).toEqual(['subscriber_unfollowed']);
    const one = await h.admin(`/deliveries/${failed.failed[0]!.id}/retry`, { method: 'POST' });
    expect(one.status).toBe(409);
    expect(((await one.json()) as { error: { code: string } }).error.code).toBe('subscriber_unfollowed');

    const res = await h.admin('/deliveries/retry', { method: 'POST', body: { intent } });
    // Before: `requeued: 2`, and r1's failed again at once as "not sent: subscriber no longer follows its components".
    expect(await res.json()).toEqual(answer(intent, 1, { subscriber_unfollowed: 1 }));
    await smtp.waitFor(1);
    expect(smtp.received.map((m) => m.to)).toEqual([['r0@example.com']]);
  });

  it("a withdrawn incident's failures are left failed: nothing is queued again, a single retry is refused, the page says why", async () => {
    const { h, intent } = await failedNotice(3);
    const incident = ((await (await h.admin('/incidents')).json()) as { incidents: Array<{ id: string }> }).incidents[0]!.id;
    expect((await h.admin(`/incidents/${incident}`, { method: 'DELETE' })).status).toBe(204);
    // Before: `requeued: 3`, each failed again at once as "incident or update no longer exists", its relay's answer lost.
    const res = await h.admin('/deliveries/retry', { method: 'POST', body: { intent } });
    expect(await res.json()).toEqual(answer(intent, 0, { notice_withdrawn: 3 }));
    const failed = (await (await h.admin('/deliveries/failed')).json()) as { failed: Array<{ id: string; last_error: string }> };
    expect(failed.failed).toHaveLength(3);
    for (const f of failed.failed) expect(f.last_error).toContain('Message refused');
    const alone = await h.admin(`/deliveries/${failed.failed[0]!.id}/retry`, { method: 'POST' });
    expect(alone.status).toBe(409);
    expect((await alone.json()).error).toMatchObject({
      code: 'notice_withdrawn',
      message: expect.stringContaining('incident was withdrawn'),
    });
    const s = await signIn(h);
    const button = await s.post('/admin/deliveries', { action: 'retry-all', intent, once: 'retry-all-gone-0123456789' });
    expect(button.headers.get('location')).toBe('/admin/deliveries?done=retried-all&n=0&left=3&why=withdrawn');
    const page = await (await fetch(`${h.url}${button.headers.get('location')}`, { headers: { cookie: s.cookie } })).text();
    expect(page).toContain(
      'Nothing to retry: 3 failed deliveries of that notice are left failed: its incident was withdrawn, so nothing can send them.',
    );
    // No button offers what cannot be done: neither the notice's "Retry all failed" nor a delivery's Retry.
    expect(page).not.toMatch(/name="action" value="retry(-all)?">/);
    expect(page.match(/Incident withdrawn/g)).toHaveLength(4);
  });

  it('the console: a "Retry all failed" button per notice; the same form twice queues once; a later one says nothing was new', async () => {
    const { smtp, h } = await failedNotice(3);
    const s = await signIn(h);
    const get = async (path: string) => (await fetch(`${h.url}${path}`, { headers: { cookie: s.cookie } })).text();
    const page = await get('/admin/deliveries');
    const form =
      /<input type="hidden" name="action" value="retry-all">\s*<input type="hidden" name="intent" value="([^"]+)">\s*<input type="hidden" name="once" value="([^"]+)">/.exec(
        page,
      );
    expect(form).toBeTruthy();
    expect(page).toContain('Retry all failed');
    const fields = { action: 'retry-all', intent: form![1]!.replaceAll('&#58;', ':'), once: form![2]! };
    const first = await s.post('/admin/deliveries', fields);
    expect(first.headers.get('location')).toBe('/admin/deliveries?done=retried-all&n=3');
    expect(await get(first.headers.get('location')!)).toContain('3 failed deliveries of that notice queued again');
    const twin = await s.post('/admin/deliveries', fields);
    expect(twin.headers.get('location')).toBe('/admin/deliveries?done=retried-all&n=3');
    await smtp.waitFor(3);
    await outboxSettled(h, 1);
    expect(smtp.received).toHaveLength(3);
    const later = await s.post('/admin/deliveries', { ...fields, once: 'another-key-0123456789' });
    expect(later.headers.get('location')).toBe('/admin/deliveries?done=retried-all&n=0');
    expect(await get(later.headers.get('location')!)).toContain('Nothing new to retry');
  });
});
