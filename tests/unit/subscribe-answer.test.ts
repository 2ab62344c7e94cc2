import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { openHerald, type Herald } from '../../src/herald.ts';
import type { Notify } from '../../src/notify/service.ts';
import type { Subscriber } from '../../src/store/mail/model.ts';
import { stopAll, tempDataDir } from '../helpers/server.ts';
import { until } from '../helpers/poll.ts';

/**
 * A subscribe answer must not tell whether an address is new, pending or
 * already confirmed: every answer waits for the same work, one durable append
 * of the subscriber's record, and the email answering it (a confirmation, or
 * for a confirmed address its manage link) is queued only after the answer. Checked on the real journals in a real DATA_DIR (no clock here:
 * the work itself is counted, so the test cannot flake on a busy machine).
 */
let herald: Herald | null = null;
let dir = '';
afterEach(async () => {
  await stopAll(herald, dir);
  herald = null;
});

const lines = (file: string) => readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean).length;

/**
 * Waits until the work after an answer is done: every deliverable subscriber's latest email is written to
 * `deliveries.jsonl` as sent or failed (the last write a delivery gets), and nothing else waits to be sent.
 * A definite end, not a quiet spell: a send in flight (an .eml and two fsyncs) is not counted as pending.
 */
async function settled(notify: Notify): Promise<void> {
  await until(
    () => {
      const done = new Set<string>();
      // Whole lines only: the last piece is empty, or a line still being appended.
      for (const line of readFileSync(join(dir, 'deliveries.jsonl'), 'utf8').split('\n').slice(0, -1)) {
        const r = JSON.parse(line) as { id?: string; state?: string };
        if (r.id && (r.state === 'sent' || r.state === 'failed')) done.add(r.id);
      }
      // The latest request's email: a confirmation, or, asked by an address already confirmed, the note (confirmationDelivery).
      const answered = (s: Subscriber) => done.has(`${s.id}.confirm.${s.confirms}`) || done.has(`${s.id}.subscribed.${s.confirms}`);
      const deliverable = [...notify.local!.book.all()].filter((s) => s.state !== 'unsubscribed' && s.suppressed === null);
      return deliverable.every(answered) && notify.local!.sender.pending === 0;
    },
    "every answer's email written as sent or failed",
    10_000,
    10,
  );
}

async function open(): Promise<Notify> {
  dir = tempDataDir('herald-subscribe-answer-');
  herald = await openHerald(
    loadConfig({ DATA_DIR: dir, HERALD_SEED: 'none', ADMIN_TOKEN: 'x'.repeat(32), SUBSCRIBE_LIMIT_PER_ADDRESS: '100' }),
    {
      log: () => {},
    },
  );
  await herald.notify.ready;
  return herald.notify;
}

describe('a subscribe answer waits for the same work whatever the address', () => {
  it('new, pending and confirmed addresses: one subscriber record each, no delivery written before the answer', async () => {
    const notify = await open();
    // A confirmed subscriber, made as a reader makes one: the confirmation is sent, then its link followed.
    await notify.subscribe({ email: 'known@example.com', components: [] }, '192.0.2.1');
    const known = [...notify.local!.book.all()].find((s) => s.email === 'known@example.com')!;
    await settled(notify);
    await notify.local!.book.confirm(notify.local!.book.link('confirm', known), new Date());
    await notify.subscribe({ email: 'pending@example.com', components: [] }, '192.0.2.1');
    await settled(notify);

    for (const email of ['new@example.com', 'pending@example.com', 'known@example.com']) {
      const subscribers = lines('subscribers.jsonl');
      const deliveries = lines('deliveries.jsonl');
      await notify.subscribe({ email, components: [] }, '192.0.2.1');
      // At the moment the caller is answered:
      expect(lines('subscribers.jsonl') - subscribers, email).toBe(1);
      expect(lines('deliveries.jsonl') - deliveries, email).toBe(0);
      await settled(notify);
    }
    // What each request was answered with: the first, while pending, a confirmation; the later one the note.
    const outbox = (name: string) => join(dir, 'outbox', `${name}.eml`);
    expect(readFileSync(outbox(`${known.id}.confirm.1`), 'utf8')).not.toContain('You are already subscribed');
    expect(existsSync(outbox(`${known.id}.subscribed.1`))).toBe(false);
    expect(readFileSync(outbox(`${known.id}.subscribed.2`), 'utf8')).toContain('You are already subscribed');
  });

  it('a confirmation decided while its address was pending, sent after it was confirmed, is dropped, not turned into a note', async () => {
    const notify = await open();
    // Sending paused (as a mail setup error pauses it): the confirmation waits, queued, while its address is confirmed.
    notify.local!.sender.paused = { reason: 'test: held', at: new Date().toISOString() };
    await notify.subscribe({ email: 'quick@example.com', components: [] }, '192.0.2.1');
    const s = [...notify.local!.book.all()].find((x) => x.email === 'quick@example.com')!;
    await until(() => notify.local!.ledger.has(`${s.id}.confirm.1`), 'the confirmation queued');
    await notify.local!.book.confirm(notify.local!.book.link('confirm', s), new Date());
    await notify.sending.resume();
    // Sent now, it would tell its reader nothing: recorded as not sent, with no email, and no note in its place.
    await settled(notify);
    const records = readFileSync(join(dir, 'deliveries.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { id?: string; state?: string; last_error?: string });
    expect(records.filter((r) => r.id === `${s.id}.confirm.1`).at(-1)).toMatchObject({
      state: 'failed',
      last_error: 'not sent: subscriber is confirmed',
    });
    expect(records.some((r) => r.id === `${s.id}.subscribed.1`)).toBe(false);
    expect(existsSync(join(dir, 'outbox', `${s.id}.confirm.1.eml`))).toBe(false);
    expect(existsSync(join(dir, 'outbox', `${s.id}.subscribed.1.eml`))).toBe(false);
  });

  it('the confirmation is queued just after the answer, once per request', async () => {
    const notify = await open();
    await notify.subscribe({ email: 'later@example.com', components: [] }, '192.0.2.1');
    const s = [...notify.local!.book.all()].find((x) => x.email === 'later@example.com')!;
    expect(notify.local!.ledger.has(`${s.id}.confirm.1`)).toBe(false);
    await settled(notify);
    expect(notify.local!.ledger.has(`${s.id}.confirm.1`)).toBe(true);
  });

  it('a confirmation lost between the record and its delivery (a crash) is queued again at the next start', async () => {
    let notify = await open();
    await notify.subscribe({ email: 'lost@example.com', components: [] }, '192.0.2.1');
    // Closed before the queued confirmation could be written: as if the process died there.
    await herald!.close();
    herald = await openHerald(loadConfig({ DATA_DIR: dir, HERALD_SEED: 'none', ADMIN_TOKEN: 'x'.repeat(32) }), { log: () => {} });
    notify = herald.notify;
    await notify.ready;
    const s = [...notify.local!.book.all()].find((x) => x.email === 'lost@example.com')!;
    expect(notify.local!.ledger.has(`${s.id}.confirm.1`)).toBe(true);
  });
});
