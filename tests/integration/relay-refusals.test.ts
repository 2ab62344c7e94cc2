import { afterEach, describe, expect, it } from 'vitest';
import { stopAll, type HeraldProcess } from '../helpers/server.ts';
import type { RelayAnswers } from '../helpers/smtp.ts';
import { outboxSettled } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';
import { heraldWithRelay } from '../helpers/relay-herald.ts';
import { engine } from '../helpers/engine.ts';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(() => stopAll(...cleanup.splice(0).reverse()));

const EMAILS = ['ana@example.com', 'bo@example.com'];

const declare = (h: HeraldProcess) =>
  h.admin('/incidents', { body: { name: 'Outage', impact: 'critical', status: 'investigating', body: 'Down.', components: {} } });

const suppressed = async (h: HeraldProcess) =>
  ((await (await h.admin('/subscribers')).json()).subscribers as Array<{ email: string; suppressed: string | null }>)
    .filter((s) => s.suppressed)
    .map((s) => s.email);

type Refusal = { code: number; text: string };

/**
 * Refusals of the sender, the client or the account, at the step real relays give them: each is the setup's,
 * so the queue pauses with every delivery still queued and nobody suppressed; once the relay is fixed, a
 * resume sends them all.
 */
const setupRefusals: Array<[string, (refusal: () => Refusal | null) => RelayAnswers, Refusal]> = [
  [
    'Postfix sender verification at MAIL FROM (missing noreply mailbox)',
    (r) => ({ mailFrom: r }),
    { code: 550, text: '5.1.0 <noreply@example.test>: Sender address rejected: undeliverable address: unknown user' },
  ],
  [
    'the same at RCPT TO (Postfix checks the sender there by default)',
    (r) => ({ rcptTo: r }),
    { code: 550, text: '5.1.0 <noreply@example.test>: Sender address rejected: undeliverable address: unknown user' },
  ],
  [
    'Microsoft 365 SendAsDenied at MAIL FROM',
    (r) => ({ mailFrom: r }),
    { code: 554, text: '5.2.252 SendAsDenied; not allowed to send as noreply@example.test' },
  ],
  [
    'a relay refusing the client at the greeting',
    (r) => ({ connect: r }),
    { code: 554, text: '5.7.1 Access denied: client host not permitted to relay' },
  ],
];

// Which reply pauses is the classifier's (tests/unit/notify-classify.test.ts), the same on both engines; the
// pause and resume across replicas (shared-sending.ts) run on PostgreSQL with the first refusal and the
// recipient's, and in tests/integration/pg-outbox.test.ts.
const onPostgres = engine() === 'postgres';

describe('a relay refusing the setup pauses the queue and suppresses nobody', () => {
  for (const [i, [name, at, answer]] of setupRefusals.entries()) {
    it.skipIf(onPostgres && i > 0)(name, async () => {
      let refuse = true;
      const refusal = () => (refuse ? answer : null);
      const { smtp, h } = await heraldWithRelay(cleanup, () => null, EMAILS, {}, { at: at(refusal) });
      expect((await declare(h)).status).toBe(201);
      await until(async () => (await (await h.admin('/deliveries')).json()).paused === true, 'the queue to pause');
      // Whatever was already on its way lands meanwhile.
      await new Promise((r) => setTimeout(r, 300));
      const state = await (await h.admin('/deliveries')).json();
      expect(state.paused_reason).toContain(String(answer.code));
      expect(state.updates[0]).toMatchObject({ queued: 2, sent: 0, failed: 0 });
      expect(await suppressed(h)).toEqual([]);

      refuse = false;
      expect((await h.admin('/deliveries/resume', { method: 'POST' })).status).toBe(200);
      await smtp.waitFor(2);
      expect((await outboxSettled(h, 1)).updates[0]).toMatchObject({ sent: 2, queued: 0, failed: 0 });
      expect(smtp.received.map((r) => r.to[0]).sort()).toEqual(EMAILS);
    });
  }

  it.skipIf(onPostgres)("an account's daily sending limit at DATA (Google's 5.4.5)", async () => {
    let refuse = true;
    const { smtp, h } = await heraldWithRelay(
      cleanup,
      () => (refuse ? { code: 550, text: '5.4.5 Daily user sending limit exceeded.' } : null),
      EMAILS,
    );
    expect((await declare(h)).status).toBe(201);
    await until(async () => (await (await h.admin('/deliveries')).json()).paused === true, 'the queue to pause');
    await new Promise((r) => setTimeout(r, 300));
    const state = await (await h.admin('/deliveries')).json();
    expect(state.paused_reason).toContain('5.4.5');
    expect(state.updates[0]).toMatchObject({ queued: 2, sent: 0, failed: 0 });
    expect(await suppressed(h)).toEqual([]);
    refuse = false;
    expect((await h.admin('/deliveries/resume', { method: 'POST' })).status).toBe(200);
    await smtp.waitFor(2);
    expect((await outboxSettled(h, 1)).updates[0]).toMatchObject({ sent: 2, queued: 0, failed: 0 });
  });
});

describe('a refusal of one recipient stays that message', () => {
  it('550 5.1.1 at RCPT TO: that delivery fails and its address is suppressed; the other goes; no pause', async () => {
    const { smtp, h } = await heraldWithRelay(
      cleanup,
      () => null,
      EMAILS,
      {},
      {
        at: {
          rcptTo: (to) =>
            to === 'ana@example.com' ? { code: 550, text: '5.1.1 <ana@example.com>: Recipient address rejected: User unknown' } : null,
        },
      },
    );
    expect((await declare(h)).status).toBe(201);
    const out = await outboxSettled(h, 1);
    expect(out.updates[0]).toMatchObject({ sent: 1, failed: 1, queued: 0 });
    expect((await (await h.admin('/deliveries')).json()).paused).toBe(false);
    expect(await suppressed(h)).toEqual(['ana@example.com']);
    expect(smtp.received.map((r) => r.to[0])).toEqual(['bo@example.com']);
  });

  it.skipIf(onPostgres)('554 5.7.1 relay access denied at RCPT TO is the setup, not the recipient: paused, nobody suppressed', async () => {
    let refuse = true;
    const { smtp, h } = await heraldWithRelay(
      cleanup,
      () => null,
      EMAILS,
      {},
      {
        at: { rcptTo: (to) => (refuse ? { code: 554, text: `5.7.1 <${to}>: Relay access denied` } : null) },
      },
    );
    expect((await declare(h)).status).toBe(201);
    await until(async () => (await (await h.admin('/deliveries')).json()).paused === true, 'the queue to pause');
    await new Promise((r) => setTimeout(r, 300));
    expect((await (await h.admin('/deliveries')).json()).updates[0]).toMatchObject({ queued: 2, failed: 0 });
    expect(await suppressed(h)).toEqual([]);
    refuse = false;
    expect((await h.admin('/deliveries/resume', { method: 'POST' })).status).toBe(200);
    await smtp.waitFor(2);
  });
});
