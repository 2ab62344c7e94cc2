import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../src/store/journal.ts';
import { LinkTokens } from '../../src/store/mail/tokens.ts';
import { SubscriberBook } from '../../src/store/mail/subscriber-book.ts';
import type { RequestOutcome } from '../../src/store/mail/subscribe-request.ts';
import { Unavailable } from '../../src/domain/errors.ts';
import { httpStatus } from '../../src/api/errors.ts';

/**
 * Subscribe requests are group-committed: those waiting while an append is
 * written are decided together, in arrival order, and written in one append.
 * The journal here counts the appends and can be held shut (a slow disk) or
 * made to fail (a full one).
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

class TestJournal extends Journal {
  /** Records per append call, in order. */
  readonly appends: number[] = [];
  /** While set, appends wait for it (a disk that does not answer yet). */
  gate: Promise<void> | null = null;
  /** An append with a record this matches fails (a full disk). */
  failWhen: ((record: object) => boolean) | null = null;
  override async append(records: readonly object[]): Promise<void> {
    this.appends.push(records.length);
    const fail = this.failWhen !== null && records.some(this.failWhen);
    if (this.gate) await this.gate;
    if (fail) throw new Unavailable('The change could not be saved (ENOSPC).', 'storage_unavailable');
    return super.append(records);
  }
}

function open(opts: { maxWaiting?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'herald-group-'));
  dirs.push(dir);
  const journal = new TestJournal(join(dir, 'subscribers.jsonl'));
  const book = new SubscriberBook(journal, LinkTokens.open(dir), opts);
  const lines = () => readFileSync(journal.file, 'utf8').split('\n').filter(Boolean).length;
  return { dir, journal, book, lines };
}

function gate() {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const now = new Date('2026-11-30T10:00:00Z');
/** Lets the request made just before start its append. */
const tick = () => new Promise((r) => setImmediate(r));

describe('subscribe requests are group-committed', () => {
  it('requests that arrive while an append is written go to disk together, in one append', async () => {
    const { journal, book, lines } = open();
    const g = gate();
    journal.gate = g.promise;
    const first = book.request('first@example.com', [], now);
    await tick();
    const rest = Array.from({ length: 99 }, (_, i) => book.request(`u${i}@example.com`, [], now));
    await tick();
    journal.gate = null;
    g.open();
    const outcomes = await Promise.all([first, ...rest]);
    // One append for the first request (already being written), one for the 99 that waited meanwhile.
    expect(journal.appends).toEqual([1, 99]);
    expect(lines()).toBe(100);
    expect(book.size).toBe(100);
    expect(outcomes.map((o) => o.subscriber.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(outcomes.every((o) => o.sendMail)).toBe(true);
    await book.close();
  });

  it('two requests for one address in one group behave as if one ran after the other', async () => {
    const grouped = open();
    const serial = open();
    const emails = ['Ann@example.com', 'bob@example.com', 'ann@example.com', 'ANN@example.com'];
    // The confirmed address answers like the others and changes nothing but its updated_at and its count of requests.
    const bob = await grouped.book.request('bob@example.com', [], now);
    await grouped.book.confirm(grouped.book.link('confirm', bob.subscriber), now);
    const bob2 = await serial.book.request('bob@example.com', [], now);
    await serial.book.confirm(serial.book.link('confirm', bob2.subscriber), now);
    grouped.journal.appends.length = 0;

    const g = gate();
    grouped.journal.gate = g.promise;
    const blocker = grouped.book.request('first@example.com', [], now);
    await tick();
    const together = emails.map((e, i) => grouped.book.request(e, [`c${i}`], now));
    grouped.journal.gate = null;
    g.open();
    await blocker;
    const a = await Promise.all(together);
    await serial.book.request('first@example.com', [], now);
    const b: RequestOutcome[] = [];
    for (const [i, e] of emails.entries()) b.push(await serial.book.request(e, [`c${i}`], now));

    expect(grouped.journal.appends).toEqual([1, 4]);
    const shape = (o: RequestOutcome) => ({
      sendMail: o.sendMail,
      email: o.subscriber.email,
      state: o.subscriber.state,
      confirms: o.subscriber.confirms,
      components: o.subscriber.components,
      seq: o.subscriber.seq,
    });
    expect(a.map(shape)).toEqual(b.map(shape));
    // Ann: created once, then renewed twice (one subscriber, three confirmations due); Bob stays confirmed,
    // his request counted (its own email, a note that he is subscribed).
    expect(a.map((o) => [o.sendMail, o.subscriber.confirms])).toEqual([
      [true, 1],
      [true, 2],
      [true, 2],
      [true, 3],
    ]);
    expect(new Set([a[0]!.subscriber.id, a[2]!.subscriber.id, a[3]!.subscriber.id]).size).toBe(1);
    expect(grouped.book.get(a[0]!.subscriber.id)).toMatchObject({ confirms: 3, components: ['c3'] });
    expect(grouped.book.get(a[1]!.subscriber.id)).toMatchObject({ state: 'confirmed', components: [] });
    await grouped.book.close();
    await serial.book.close();

    // What memory held is what a restart reads.
    const again = new SubscriberBook(new Journal(grouped.journal.file), LinkTokens.open(grouped.dir));
    expect(again.get(a[0]!.subscriber.id)).toMatchObject({ confirms: 3, components: ['c3'], state: 'pending' });
    expect(again.size).toBe(3);
  });

  it('a failed append rejects every request of its group with the storage error and leaves memory as it was', async () => {
    const { journal, book } = open();
    await book.request('kept@example.com', [], now);
    const g = gate();
    journal.gate = g.promise;
    const blocker = book.request('blocker@example.com', [], now);
    await tick();
    // The group that waits behind the blocker hits a full disk.
    journal.failWhen = (r) => (r as { email?: string }).email === 'b@example.com';
    const group = ['a@example.com', 'b@example.com', 'kept@example.com'].map((e) => book.request(e, [], now));
    const settled = Promise.allSettled(group);
    journal.gate = null;
    g.open();
    await blocker;
    const sizeBefore = book.size;
    const results = await settled;
    journal.failWhen = null;
    expect(journal.appends).toEqual([1, 1, 3]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const r of results) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'storage_unavailable' });
    expect(book.size).toBe(sizeBefore);
    expect([...book.all()].map((s) => s.email).sort()).toEqual(['blocker@example.com', 'kept@example.com']);
    expect([...book.all()].find((s) => s.email === 'kept@example.com')!.confirms).toBe(1);
    // And the next request goes through.
    expect((await book.request('a@example.com', [], now)).subscriber.confirms).toBe(1);
    await book.close();
  });

  it('past the cap of waiting requests, a request is refused at once (503 with a retry time), nothing queued', async () => {
    const { journal, book } = open({ maxWaiting: 10 });
    const g = gate();
    journal.gate = g.promise;
    const calls = Array.from({ length: 25 }, (_, i) => book.request(`w${i}@example.com`, [], now));
    const settled = Promise.allSettled(calls);
    await tick();
    expect(book.waitingRequests).toBe(10);
    expect(() => book.assertRoom()).toThrow(Unavailable);
    journal.gate = null;
    g.open();
    const results = await settled;
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    expect(refused).toHaveLength(15);
    for (const err of refused) {
      expect(err).toBeInstanceOf(Unavailable);
      expect(err).toMatchObject({ code: 'busy' });
      expect(httpStatus(err)).toBe(503);
      expect(err.retryAfterSeconds).toBeGreaterThan(0);
    }
    expect(book.size).toBe(10);
    // Room again once the backlog is written.
    expect(book.waitingRequests).toBe(0);
    await book.request('later@example.com', [], now);
    expect(book.size).toBe(11);
    await book.close();
  });

  it('a compaction asked for while a group is being written keeps that group, on disk and after a restart', async () => {
    const { dir, book } = open();
    // A journal worth compacting: 1,200 renewals of one address (one live subscriber).
    for (let i = 0; i < 1200; i++) await book.request('renewed@example.com', [], now);
    const answers = Promise.all(Array.from({ length: 50 }, (_, i) => book.request(`c${i}@example.com`, [], now)));
    await tick();
    // What the minute's compactor calls, while the group's append is being written.
    const compacted = book.compactIfWorthIt();
    await answers;
    await compacted;
    expect(book.size).toBe(51);
    await book.close();
    const again = new SubscriberBook(new Journal(join(dir, 'subscribers.jsonl')), LinkTokens.open(dir));
    expect(again.size).toBe(51);
    // And the compaction did run: the file is the live state, not 1,250 lines.
    expect(readFileSync(join(dir, 'subscribers.jsonl'), 'utf8').split('\n').filter(Boolean).length).toBeLessThan(100);
    await again.close();
  });
});
