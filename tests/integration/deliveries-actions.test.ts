import { afterEach, describe, expect, it } from 'vitest';
import { stopAll, type HeraldProcess } from '../helpers/server.ts';
import { outboxSettled } from '../helpers/mail-flow.ts';
import { signIn } from '../helpers/console-session.ts';
import { until } from '../helpers/poll.ts';
import { heraldWithRelay } from '../helpers/relay-herald.ts';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(() => stopAll(...cleanup.splice(0).reverse()));

/** A relay that refuses every recipient (554, not an unknown mailbox: nobody is suppressed) while `refusing.on`. */
async function refusingRelay(emails: string[]) {
  const refusing = { on: true };
  const relay = await heraldWithRelay(cleanup, () => (refusing.on ? { code: 554, text: '5.7.1 Message refused' } : null), emails, {
    MAIL_RETRY_BASE_MS: '40',
    MAIL_RETRY_MAX_MS: '200',
  });
  return { ...relay, refusing };
}

const declare = (h: HeraldProcess) =>
  h.admin('/incidents', { body: { name: 'Outage', impact: 'major', status: 'investigating', body: 'Down.', components: {} } });

const audit = async (h: HeraldProcess, action: string) =>
  (
    (await (await h.admin('/audit?limit=1000')).json()).events as Array<{ action: string; target: string; actor: string; detail?: unknown }>
  ).filter((e) => e.action === action);

describe('retrying a failed delivery twice is no error', () => {
  it('the admin API: a second retry of a delivery since sent answers 200 "already sent"; only the first is audited', async () => {
    const { smtp, h, refusing } = await refusingRelay(['a@example.com']);
    const incident = ((await (await declare(h)).json()) as { id: string }).id;
    const out = await outboxSettled(h, 1);
    const id = (out.failed[0] as { id: string }).id;
    refusing.on = false;
    const first = await h.admin(`/deliveries/${id}/retry`, { method: 'POST' });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ id, state: 'queued' });
    await smtp.waitFor(1);
    await outboxSettled(h, 1);
    const second = await h.admin(`/deliveries/${id}/retry`, { method: 'POST' });
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ id, state: 'sent', requeued: false });
    expect(smtp.received).toHaveLength(1);
    // Named by the incident it told of (before: only the delivery's id and the update's), so the console's audit
    // search by the incident's id finds it.
    expect(await audit(h, 'delivery.retry')).toEqual([
      expect.objectContaining({ target: id, detail: expect.objectContaining({ incident }) }),
    ]);
    const session = await signIn(h);
    const found = await (await fetch(`${h.url}/admin/audit?q=${incident}`, { headers: { cookie: session.cookie } })).text();
    expect(found).toContain('Retried a failed email');
    expect((await h.admin('/deliveries/nope/retry', { method: 'POST' })).status).toBe(404);
  });

  it('the console: the same form posted twice queues once; a later retry of a sent delivery says "Already sent"', async () => {
    const { smtp, h, refusing } = await refusingRelay(['b@example.com']);
    await declare(h);
    await outboxSettled(h, 1);
    const session = await signIn(h);
    const page = await (await fetch(`${h.url}/admin/deliveries`, { headers: { cookie: session.cookie } })).text();
    const id = /name="id" value="([^"]+)"/.exec(page)?.[1];
    const once = /name="once" value="([^"]+)"/.exec(page)?.[1];
    expect(id).toBeTruthy();
    expect(once).toBeTruthy();
    // Still refused: the first post's delivery fails again at once; the twin must not queue it a second time.
    const fields = { action: 'retry', id: id!, once: once! };
    const first = await session.post('/admin/deliveries', fields);
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/admin/deliveries?done=retried');
    await outboxSettled(h, 1);
    const twin = await session.post('/admin/deliveries', fields);
    expect(twin.headers.get('location')).toBe('/admin/deliveries?done=retried');
    expect(smtp.attempts).toHaveLength(2);
    expect(await audit(h, 'delivery.retry')).toEqual([expect.objectContaining({ target: id, actor: 'console:Dana' })]);

    refusing.on = false;
    await session.post('/admin/deliveries', { action: 'retry', id: id!, once: 'another-key-0123456789' });
    await smtp.waitFor(1);
    await outboxSettled(h, 1);
    const late = await session.post('/admin/deliveries', { action: 'retry', id: id!, once: 'a-third-key-0123456789' });
    expect(late.status).toBe(303);
    const shown = await (await fetch(`${h.url}${late.headers.get('location')}`, { headers: { cookie: session.cookie } })).text();
    expect(shown).toContain('Already sent');
  });
});

describe('resuming sending is audited', () => {
  it('a resume of a paused queue is recorded with the pause it ended; one with nothing paused is not', async () => {
    let refuse = true;
    const { smtp, h } = await heraldWithRelay(
      cleanup,
      () => (refuse ? { code: 535, text: '5.7.8 Authentication credentials invalid' } : null),
      ['p@example.com'],
    );
    await declare(h);
    await until(async () => (await (await h.admin('/deliveries')).json()).paused === true, 'the queue to pause');
    const session = await signIn(h);
    refuse = false;
    expect((await session.post('/admin/deliveries', { action: 'resume' })).status).toBe(303);
    await smtp.waitFor(1);
    expect((await h.admin('/deliveries/resume', { method: 'POST' })).status).toBe(200);
    const events = await audit(h, 'deliveries.resume');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: 'console:Dana', previous: { paused_reason: expect.stringContaining('535') } });
  });
});
