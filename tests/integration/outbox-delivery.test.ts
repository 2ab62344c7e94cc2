import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { join } from 'node:path';
import { stopAll, type HeraldProcess } from '../helpers/server.ts';
import type { startSmtp } from '../helpers/smtp.ts';
import { outboxSettled, subscribe } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';
import { heraldWithRelay } from '../helpers/relay-herald.ts';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(() => stopAll(...cleanup.splice(0).reverse()));

const setup = (reply: Parameters<typeof startSmtp>[0], emails: string[], env: Record<string, string> = {}) =>
  heraldWithRelay(cleanup, reply, emails, { MAIL_RETRY_BASE_MS: '40', MAIL_RETRY_MAX_MS: '200', ...env });

const declare = (h: HeraldProcess) =>
  h.admin('/incidents', { body: { name: 'Outage', impact: 'major', status: 'investigating', body: 'Down.', components: {} } });

/** A delivery as stored now: the newest journal line, or its row in PostgreSQL. */
async function deliveryRecord(h: HeraldProcess, predicate: (d: { id: string; sub: string }) => boolean) {
  if (h.databaseUrl) {
    const client = new pg.Client({ connectionString: h.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT id, sub, state, attempts, last_error FROM mail_deliveries ORDER BY ord');
      return rows.filter(predicate).at(-1);
    } finally {
      await client.end();
    }
  }
  const lines = readFileSync(join(h.dataDir, 'deliveries.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  return lines.filter((l) => l.t === 'd' && predicate(l)).at(-1);
}

/**
 * The newest stored record of a delivery, once it shows `state`. The admin API counts from memory, and the
 * embedded engine writes an outcome to deliveries.jsonl up to 10 ms later (README, storage): read right after
 * the outbox settles, the file could still show the delivery queued.
 */
function storedAs(h: HeraldProcess, predicate: (d: { id: string; sub: string }) => boolean, state: string) {
  return until(async () => {
    const d = await deliveryRecord(h, predicate);
    return d?.state === state ? d : null;
  }, `the delivery stored as ${state}`);
}

describe('the outbox retries what is temporary and gives up on what is not', () => {
  it('451 twice then 250: delivered once, on the third attempt', async () => {
    const { smtp, h } = await setup(
      ({ count }) => (count <= 2 ? { code: 451, text: '4.7.1 Greylisted, try again' } : null),
      ['grey@example.com'],
    );
    expect((await declare(h)).status).toBe(201);
    await smtp.waitFor(1);
    const out = await outboxSettled(h, 1);
    expect(smtp.attempts).toHaveLength(3);
    expect(new Set(smtp.attempts.map((a) => a.messageId)).size).toBe(1);
    expect(smtp.received).toHaveLength(1);
    expect(out.updates[0]).toMatchObject({ kind: 'disruption', sent: 1, failed: 0, queued: 0 });
    expect(await storedAs(h, () => true, 'sent')).toMatchObject({ attempts: 3, last_error: null });
  });

  it('550 5.1.1: failed at once, not retried, address suppressed; an admin retry is refused while it is', async () => {
    const { smtp, h } = await setup(
      ({ to }) =>
        to.includes('gone@example.com') ? { code: 550, text: '5.1.1 <gone@example.com>: Recipient address rejected: User unknown' } : null,
      ['gone@example.com', 'here@example.com'],
    );
    await declare(h);
    const out = await outboxSettled(h, 1);
    expect(out.updates[0]).toMatchObject({ sent: 1, failed: 1, queued: 0 });
    const gone = out.failed.map((f) => (f as { subscriber_id: string }).subscriber_id)[0];
    const failed = await storedAs(h, (d) => d.sub === gone, 'failed');
    expect(failed).toMatchObject({ attempts: 1 });
    expect(failed.last_error).toContain('5.1.1');
    // The relay's reply named the address: what is kept names the subscriber by id only (see describe).
    expect(failed.last_error).toContain('<address>: Recipient address rejected');
    expect(failed.last_error).not.toContain('gone@example.com');
    // Many backoff periods later there was still exactly one attempt.
    await new Promise((r) => setTimeout(r, 400));
    expect(smtp.attempts.filter((a) => a.to.includes('gone@example.com'))).toHaveLength(1);
    const listed = await (await h.admin('/subscribers?q=gone')).json();
    expect(listed.subscribers[0].suppressed).toContain('5.1.1');
    // A suppressed address gets nothing more, even when retried by hand: the retry is refused and says why (before:
    // 200, queued, then failed again at once as "not sent: address suppressed", the relay's answer lost).
    const retry = await h.admin(`/deliveries/${failed.id}/retry`, { method: 'POST' });
    expect(retry.status).toBe(409);
    expect((await retry.json()).error).toMatchObject({ code: 'address_suppressed' });
    await outboxSettled(h, 1);
    expect(smtp.attempts.filter((a) => a.to.includes('gone@example.com'))).toHaveLength(1);
    expect((await storedAs(h, (d) => d.sub === gone, 'failed')).last_error).toContain('5.1.1');
    expect((await h.admin('/deliveries/nope/retry', { method: 'POST' })).status).toBe(404);
  });

  it('authentication failure pauses the queue and says so; resume sends', async () => {
    let refuse = true;
    const { smtp, h } = await setup(
      () => (refuse ? { code: 535, text: '5.7.8 Authentication credentials invalid' } : null),
      ['p@example.com'],
    );
    await declare(h);
    await until(async () => (await (await h.admin('/deliveries')).json()).paused === true, 'the queue to pause');
    const state = await (await h.admin('/deliveries')).json();
    expect(state.paused_reason).toContain('535');
    expect(state.updates[0]).toMatchObject({ queued: 1, failed: 0 });
    expect(h.output()).toContain('[outbox] queue paused');
    refuse = false;
    expect((await h.admin('/deliveries/resume', { method: 'POST' })).status).toBe(200);
    await smtp.waitFor(1);
    expect((await outboxSettled(h, 1)).updates[0]).toMatchObject({ sent: 1, queued: 0 });
  });
});

describe('a refused mail setup', () => {
  it('stops sending at once: the relay is asked about once per connection, not once per queued message', async () => {
    const N = 200;
    let refuse = true;
    const { smtp, h } = await setup(
      () => (refuse ? { code: 535, text: '5.7.8 Authentication credentials invalid' } : null),
      Array.from({ length: N }, (_, i) => `wrong-password-${i}@example.com`),
      // Two connections, so up to 64 messages wait in the mail thread (32 per connection).
      { SMTP_POOL_SIZE: '2' },
    );
    expect((await declare(h)).status).toBe(201);
    await until(async () => (await (await h.admin('/deliveries')).json()).paused === true, 'the queue to pause');
    // Whatever was already on its way lands meanwhile.
    await new Promise((r) => setTimeout(r, 1000));
    const state = await (await h.admin('/deliveries')).json();
    expect(state.updates[0]).toMatchObject({ queued: N, sent: 0, failed: 0 });
    // One refusal per connection in flight, and per batch handed over before the pause was known: a few.
    expect(smtp.attempts.length).toBeLessThanOrEqual(8);
    // What the Comms Lead reads is the relay's refusal, not the messages given back unsent.
    expect(state.paused_reason).toContain('535');
    expect(state.last_error.error).toContain('535');

    refuse = false;
    expect((await h.admin('/deliveries/resume', { method: 'POST' })).status).toBe(200);
    await smtp.waitFor(N);
    expect((await outboxSettled(h, 1)).updates[0]).toMatchObject({ sent: N, queued: 0, failed: 0 });
    expect(new Set(smtp.received.map((r) => r.to[0])).size).toBe(N);
    expect(smtp.received).toHaveLength(N);
  });
});

describe('rate limits', () => {
  it('429 with Retry-After per address and per client IP; X-Forwarded-For is ignored without TRUST_PROXY', async () => {
    const { h } = await setup(() => null, [], { SUBSCRIBE_LIMIT_PER_IP: '5', SUBSCRIBE_LIMIT_PER_ADDRESS: '3' });
    for (let i = 0; i < 3; i++) expect((await subscribe(h, { email: 'same@example.com' })).status).toBe(202);
    const perAddress = await subscribe(h, { email: 'SAME@example.com' });
    expect(perAddress.status).toBe(429);
    expect(Number(perAddress.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await perAddress.json()).error.code).toBe('rate_limited');
    expect((await subscribe(h, { email: 'other@example.com' })).status).toBe(202);
    const perIp = await subscribe(h, { email: 'third@example.com' }, { 'x-forwarded-for': '203.0.113.9' });
    expect(perIp.status).toBe(429);
    expect(Number(perIp.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
