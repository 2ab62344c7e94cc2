import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../src/store/journal.ts';
import { LinkTokens } from '../../src/store/mail/tokens.ts';
import { SubscriberBook } from '../../src/store/mail/subscriber-book.ts';
import { DeliveryLedger } from '../../src/store/mail/ledger.ts';
import { Sender } from '../../src/notify/sender.ts';
import { FanOut } from '../../src/notify/fanout.ts';
import type { Composer } from '../../src/notify/compose.ts';
import type { Mailer } from '../../src/notify/transport.ts';
import { heldError } from '../../src/notify/classify.ts';
import { queuedDelivery, type Delivery } from '../../src/store/mail/model.ts';
import type { Db } from '../../src/domain/model.ts';
import { seedSubscribers } from '../fixtures/subscribers.ts';
import { until } from '../helpers/poll.ts';

/**
 * The sender and the fan-out on real journals, with a mailer that records
 * what it is handed (and answers on the next turn, or when told).
 */
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'herald-sender-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const T = new Date('2026-11-30T10:00:00Z');
const composer = { compose: async () => ({ message: {} }) } as unknown as Composer;

function delivery(id: string, intent: string, kind: Delivery['kind']): Delivery {
  return queuedDelivery({ id, sub: id, intent, kind, created_at: T.toISOString() });
}

/** A data file with one incident whose first update is emailed (intent key 'u1'). */
const oneNotice = {
  components: [],
  incidents: [
    {
      kind: 'incident',
      id: 'INC-1',
      components: [],
      late_notice_at: null,
      postmortem: null,
      updates: [
        {
          id: 'u1',
          notify: true,
          status: 'investigating',
          affected_components: [],
          created_at: T.toISOString(),
          updated_at: T.toISOString(),
        },
      ],
    },
  ],
  maintenances: [],
} as unknown as Db;

async function setup(opts: { concurrency: number; send: (id: string) => Promise<void> }) {
  const dir = tmp();
  const ledger = new DeliveryLedger(new Journal(join(dir, 'deliveries.jsonl')));
  await ledger.init(new Date(T.getTime() - 60_000));
  const mailer: Mailer = { kind: 'smtp', send: (id) => opts.send(id), hold() {}, forget: async () => {}, close() {} };
  const sender = new Sender({
    ledger,
    mailer,
    composer,
    subscriber: () => undefined,
    db: () => oneNotice,
    now: () => T,
    log: () => {},
    concurrency: opts.concurrency,
    retryBaseMs: 1000,
    retryMaxMs: 1000,
    maxAttempts: 3,
    suppress: async () => {},
  });
  return { dir, ledger, sender };
}

describe('Sender', () => {
  it('never sends one delivery twice at once, however often it is enqueued', async () => {
    const started: string[] = [];
    const release: Array<() => void> = [];
    const { ledger, sender } = await setup({
      concurrency: 8,
      send: (id) => {
        started.push(id);
        return new Promise<void>((r) => release.push(r));
      },
    });
    const d = delivery('s1.confirm.1', 'confirm', 'confirm');
    await ledger.save(d);
    // The start-up resume and a new request both hand it over; once more while it is in flight.
    sender.enqueue([d]);
    sender.enqueue([d, d]);
    await until(() => started.length > 0, 'the first send');
    sender.enqueue([d]);
    await new Promise((r) => setTimeout(r, 50));
    expect(started).toEqual(['s1.confirm.1']);
    expect(sender.pending).toBe(0);
    for (const r of release.splice(0)) r();
    await until(() => ledger.countsOf('confirm').sent === 1, 'the delivery to be recorded sent');
    sender.enqueue([d]); // sent already: nothing happens
    await new Promise((r) => setTimeout(r, 50));
    expect(started).toEqual(['s1.confirm.1']);
    await sender.stop();
    await ledger.close();
  });

  it('after a pause, sends what the mailer gave back once each, in the order it was made, whatever order it came back in', async () => {
    const handed: Array<{ id: string; fail: (err: Error) => void }> = [];
    const sent: string[] = [];
    let refusing = true;
    const { ledger, sender } = await setup({
      concurrency: 8,
      send: (id) => {
        if (!refusing) {
          sent.push(id);
          return Promise.resolve();
        }
        return new Promise<void>((_ok, fail) => handed.push({ id, fail }));
      },
    });
    // An incident's notice (u1) and, a minute later, its update's (u2), to the same six subscribers.
    const made = ['u1', 'u2'].flatMap((intent, n) =>
      Array.from({ length: 3 }, (_, i) => ({
        ...delivery(`s${i}.${intent}`, intent, 'disruption'),
        created_at: new Date(T.getTime() + n * 60_000 + i).toISOString(),
      })),
    );
    for (const d of made) await ledger.save(d);
    sender.enqueue(made);
    await until(() => handed.length === 6, 'all six handed to the mailer');
    // The relay refuses the login on one; the mailer gives the others back, newest first.
    const byId = new Map(handed.map((h) => [h.id, h.fail]));
    byId.get('s1.u1')!(Object.assign(new Error('Invalid login'), { code: 'EAUTH', responseCode: 535 }));
    for (const id of ['s2.u2', 's1.u2', 's0.u2', 's2.u1', 's0.u1']) byId.get(id)!(heldError());
    await until(() => sender.pending === 6, 'all six queued again');
    expect(sender.paused?.reason).toContain('Invalid login');
    expect(sender.lastError?.error).toContain('Invalid login');
    for (const d of made) expect(ledger.deliveries.get(d.id)).toMatchObject({ state: 'queued', attempts: 0 });

    refusing = false;
    await sender.resume();
    await until(() => ledger.countsOf('u2').sent === 3 && ledger.countsOf('u1').sent === 3, 'all six sent');
    expect(sent).toEqual(made.map((d) => d.id));
    await sender.stop();
    await ledger.close();
  });

  it('a flood of confirmations does not hold a notice back, and confirmations keep going out meanwhile', async () => {
    const N = 300;
    const FLOOD = 6_000;
    const log: string[] = [];
    let made = 0;
    let s: Awaited<ReturnType<typeof setup>>;
    // Visitors subscribe faster than mail goes out: every confirmation sent brings two more, up to FLOOD.
    const newConfirmations = async () => {
      const fresh: Delivery[] = [];
      for (let i = 0; i < 2 && made < FLOOD; i++) fresh.push(delivery(`v${made++}.confirm.1`, 'confirm', 'confirm'));
      await Promise.all(fresh.map((d) => s.ledger.save(d)));
      s.sender.enqueue(fresh);
    };
    s = await setup({
      concurrency: 4,
      send: async (id) => {
        log.push(id);
        await new Promise((r) => setImmediate(r));
        if (id.includes('.confirm.')) void newConfirmations();
      },
    });
    const first = Array.from({ length: 1_000 }, () => delivery(`v${made++}.confirm.1`, 'confirm', 'confirm'));
    await Promise.all(first.map((d) => s.ledger.save(d)));
    s.sender.enqueue(first);

    const subsDir = tmp();
    seedSubscribers(
      subsDir,
      Array.from({ length: N }, (_, i) => ({ email: `user${i}@example.com` })),
    );
    const book = new SubscriberBook(new Journal(join(subsDir, 'subscribers.jsonl')), LinkTokens.open(subsDir));
    const fanout = new FanOut({
      db: () => oneNotice,
      now: () => T,
      book,
      ledger: s.ledger,
      sender: s.sender,
      log: () => {},
      batch: 50,
      maxPending: 50,
    });
    void fanout.kick();
    const notices = () => log.filter((id) => id.endsWith('.u1')).length;
    await until(
      () => notices() === N,
      () => `the notice to reach all ${N} (${notices()} so far, ${log.length} messages sent)`,
      60_000,
      5,
    );
    const lastNotice = log.length;
    const confirmationsMeanwhile = lastNotice - N;
    // Lanes take turns: the notice went out alongside the confirmations, not after the flood.
    expect(confirmationsMeanwhile).toBeLessThan(1_500);
    expect(confirmationsMeanwhile).toBeGreaterThan(N / 2);
    await until(
      () => s.ledger.countsOf('confirm').sent === FLOOD,
      () => `every confirmation (${s.ledger.countsOf('confirm').sent})`,
      60_000,
      5,
    );
    expect(s.ledger.countsOf('u1')).toEqual({ queued: 0, sent: N, failed: 0 });
    expect(new Set(log).size).toBe(log.length);
    await fanout.stop();
    await s.sender.stop();
    await s.ledger.close();
    await book.close();
  });

  it('a notice withdrawn during its fan-out queues nothing more: the rest of the subscribers are owed nothing', async () => {
    // From a hunt: a drill withdrawn 3 s after its declaration went on queuing 20,000 deliveries for 70 s, each
    // then recorded as failed ("not sent: incident or update no longer exists"), filling the failed list.
    const held: Array<() => void> = [];
    const s = await setup({ concurrency: 2, send: () => new Promise<void>((r) => held.push(r)) });
    const subsDir = tmp();
    seedSubscribers(
      subsDir,
      Array.from({ length: 600 }, (_, i) => ({ email: `user${i}@example.com` })),
    );
    const book = new SubscriberBook(new Journal(join(subsDir, 'subscribers.jsonl')), LinkTokens.open(subsDir));
    let data: Db = oneNotice;
    const lines: string[] = [];
    const fanout = new FanOut({
      db: () => data,
      now: () => T,
      book,
      ledger: s.ledger,
      sender: s.sender,
      log: (l) => lines.push(l),
      batch: 50,
      maxPending: 50,
    });
    const pass = fanout.kick();
    // The fan-out runs ahead of the (held) sender, then waits for its backlog to shrink.
    await until(() => s.sender.pendingFor('u1') > 50, 'the fan-out to wait on its backlog');
    data = { ...oneNotice, incidents: [] };
    const release = setInterval(() => {
      for (const r of held.splice(0)) r();
    }, 5);
    try {
      await pass;
      const made = Object.values(s.ledger.countsOf('u1')).reduce((a, b) => a + b, 0);
      expect(made).toBeGreaterThan(50);
      expect(made).toBeLessThanOrEqual(150);
      expect(s.ledger.intents.get('u1')?.done).toBe(true);
      expect(lines.join('\n')).toMatch(/u1 \(INC-1\): \d+ deliveries queued in \d+ ms, then withdrawn: the fan-out stopped/);
      // Nothing resumes it: another pass finds the notice done.
      await fanout.kick();
      expect(Object.values(s.ledger.countsOf('u1')).reduce((a, b) => a + b, 0)).toBe(made);
      await fanout.stop();
      await s.sender.stop();
    } finally {
      clearInterval(release);
    }
    await s.ledger.close();
    await book.close();
  });
});
