import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Journal } from '../../src/store/journal.ts';
import { LinkTokens } from '../../src/store/mail/tokens.ts';
import { SubscriberBook } from '../../src/store/mail/subscriber-book.ts';
import { CorruptDataFile } from '../../src/store/durable-file.ts';
import { DeliveryLedger } from '../../src/store/mail/ledger.ts';
import { queuedDelivery, type Delivery, type Intent } from '../../src/store/mail/model.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'herald-journal-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('Journal', () => {
  it('replays appended records in order, across concurrent appends (group commit)', async () => {
    const file = join(tmp(), 'j.jsonl');
    const j = new Journal(file);
    await Promise.all(Array.from({ length: 50 }, (_, i) => j.append([{ n: i }])));
    await j.close();
    expect(new Journal(file).replay()).toEqual(Array.from({ length: 50 }, (_, i) => ({ n: i })));
  });

  it('drops a torn last line (a write that never finished) and appends cleanly after it', async () => {
    const file = join(tmp(), 'j.jsonl');
    writeFileSync(file, '{"n":1}\n{"n":2}\n{"n":3, "half');
    const j = new Journal(file);
    expect(j.replay()).toEqual([{ n: 1 }, { n: 2 }]);
    await j.append([{ n: 4 }]);
    await j.close();
    expect(readFileSync(file, 'utf8')).toBe('{"n":1}\n{"n":2}\n{"n":4}\n');
  });

  it('replays a journal larger than its read buffer, multi-byte text across chunk edges included', () => {
    const file = join(tmp(), 'j.jsonl');
    const records = Array.from({ length: 40_000 }, (_, i) => ({ n: i, s: 'é€😀'.repeat(i % 7) }));
    writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n{"torn');
    expect(new Journal(file).replay()).toEqual(records);
    expect(readFileSync(file, 'utf8').endsWith('}\n')).toBe(true);
  });

  it('refuses a damaged line in the middle', () => {
    const file = join(tmp(), 'j.jsonl');
    writeFileSync(file, '{"n":1}\nnot json\n{"n":3}\n');
    expect(() => new Journal(file).replay()).toThrow(CorruptDataFile);
  });

  it('compaction replaces the file with the live state, and later appends follow it', async () => {
    const file = join(tmp(), 'j.jsonl');
    const j = new Journal(file);
    await j.append([
      { id: 1, v: 'a' },
      { id: 1, v: 'b' },
      { id: 2, v: 'c' },
    ]);
    const compacted = j.compact(() => [
      { id: 1, v: 'b' },
      { id: 2, v: 'c' },
    ]);
    const after = j.append([{ id: 3, v: 'd' }]);
    await Promise.all([compacted, after]);
    await j.close();
    expect(new Journal(file).replay()).toEqual([
      { id: 1, v: 'b' },
      { id: 2, v: 'c' },
      { id: 3, v: 'd' },
    ]);
  });
});

describe('Journal with spacingMs', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes what arrives during a flush and the spacing after it in one write, not one write per turn', async () => {
    const file = join(tmp(), 'j.jsonl');
    // The journal spaces flushes by performance.now(), faked here (timers stay real) and moved only by the test:
    // however long the first flush's fsync takes on a busy disk, the spacing after it has not run out when the
    // last append comes. (On the real clock a first flush slower than the spacing rightly lets the next one begin.)
    vi.useFakeTimers({ toFake: ['performance'] });
    const j = new Journal(file, { spacingMs: 1_000 });
    const first = j.append([{ n: 0 }]);
    const during = [1, 2, 3].map((n) => j.append([{ n }]));
    await first;
    // Unspaced, the next flush (1–3) has begun by now and this one waits for a third.
    const after = j.append([{ n: 4 }]);
    expect(j.flushes).toBe(1);
    // The spacing runs out: the journal, asleep for it on a real timer, finds it past when it wakes.
    vi.advanceTimersByTime(1_000);
    await Promise.all([...during, after]);
    expect(j.flushes).toBe(2);
    await j.close();
    expect(new Journal(file).replay()).toEqual([0, 1, 2, 3, 4].map((n) => ({ n })));
  });

  it('flushes an append after a quiet spell at once', async () => {
    const j = new Journal(join(tmp(), 'j.jsonl'), { spacingMs: 50 });
    await j.append([{ n: 0 }]);
    await sleep(60);
    const written = j.append([{ n: 1 }]);
    expect(j.flushes).toBe(2); // begun in the call itself, not after a timer
    await written;
    await j.close();
  });
});

describe('Journal compaction asked for again before it ran', () => {
  it('is done once, with the latest live state, and every caller is answered', async () => {
    const file = join(tmp(), 'j.jsonl');
    const j = new Journal(file);
    // A flush is running: the compactions wait behind it.
    const first = j.append([{ id: 1, v: 'a' }]);
    const calls: string[] = [];
    const c1 = j.compact(() => {
      calls.push('c1');
      return [{ id: 1, v: 'stale' }];
    });
    const c2 = j.compact(() => {
      calls.push('c2');
      return [{ id: 1, v: 'b' }];
    });
    const later = j.append([{ id: 2, v: 'c' }]);
    await Promise.all([first, c1, c2, later]);
    expect(calls).toEqual(['c2']);
    await j.close();
    expect(new Journal(file).replay()).toEqual([
      { id: 1, v: 'b' },
      { id: 2, v: 'c' },
    ]);
  });
});

describe('SubscriberBook', () => {
  const now = new Date('2026-11-23T10:00:00Z');
  const open = (dir: string) => new SubscriberBook(new Journal(join(dir, 's.jsonl')), LinkTokens.open(dir));

  it('a confirmed subscriber survives a restart; links are single-purpose and revoked by removal', async () => {
    const dir = tmp();
    const book = open(dir);
    const { subscriber, sendMail } = await book.request('Ann@Example.com', ['api'], now);
    expect(sendMail).toBe(true);
    const confirm = book.link('confirm', subscriber);
    expect(book.resolve('unsubscribe', confirm)).toBeNull();
    await book.confirm(confirm, new Date(now.getTime() + 3600_000));
    await book.close();

    const again = open(dir);
    const s = again.get(subscriber.id)!;
    expect(s.state).toBe('confirmed');
    expect(s.components).toEqual(['api']);
    const unsub = again.link('unsubscribe', s);
    expect(again.resolve('unsubscribe', unsub)?.id).toBe(s.id);
    expect(again.resolve('manage', unsub)).toBeNull();
    expect(again.resolve('unsubscribe', unsub.slice(0, -1) + (unsub.endsWith('A') ? 'B' : 'A'))).toBeNull();
    // The same address in another case is the same subscriber: still confirmed, its choice kept, and the
    // request counted (it gets an email of its own).
    const asked = await again.request('ann@example.com', [], now);
    expect(asked.sendMail).toBe(true);
    expect(asked.subscriber).toMatchObject({
      id: s.id,
      state: 'confirmed',
      components: ['api'],
      confirms: 2,
      requested_at: s.requested_at,
    });
    await again.remove(s.id);
    expect(again.resolve('unsubscribe', unsub)).toBeNull();
    await again.close();
  });

  it('a confirmation link expires after 48 hours', async () => {
    const book = open(tmp());
    const { subscriber } = await book.request('late@example.com', [], now);
    const token = book.link('confirm', subscriber);
    await expect(book.confirm(token, new Date(now.getTime() + 49 * 3600_000))).rejects.toMatchObject({ name: 'Invalid', code: 'expired' });
    await book.close();
  });

  it('walks subscribers by seq from a cursor', async () => {
    const book = open(tmp());
    for (let i = 0; i < 5; i++) await book.request(`u${i}@example.com`, [], now);
    expect(book.after(0, 2).map((s) => s.email)).toEqual(['u0@example.com', 'u1@example.com']);
    expect(book.after(2, 10).map((s) => s.email)).toEqual(['u2@example.com', 'u3@example.com', 'u4@example.com']);
    expect(book.after(5, 10)).toEqual([]);
    await book.close();
  });
});

describe('DeliveryLedger', () => {
  const d = (id: string): Delivery => ({
    t: 'd',
    id,
    sub: id,
    intent: 'u1',
    kind: 'disruption',
    state: 'queued',
    attempts: 0,
    last_error: null,
    next_at: null,
    created_at: '',
    sent_at: null,
    last_attempt_at: null,
  });
  const intent: Intent = {
    t: 'i',
    key: 'u1',
    incident: 'INC-1',
    update: 'u1',
    kind: 'disruption',
    cursor: 3,
    done: true,
    created_at: '',
    archived_sent: 0,
  };

  it('keeps counts and idempotency keys across compaction and restart, and forgets sent rows', async () => {
    const file = join(tmp(), 'd.jsonl');
    const ledger = new DeliveryLedger(new Journal(file));
    await ledger.init(new Date('2026-11-23T00:00:00Z'));
    await ledger.recordFanOut([d('a'), d('b'), d('c')], intent);
    await ledger.save({ ...d('a'), state: 'sent', attempts: 1 });
    await ledger.save({ ...d('b'), state: 'sent', attempts: 1 });
    await ledger.save({ ...d('c'), state: 'failed', attempts: 1, last_error: '550' });
    expect(ledger.countsOf('u1')).toEqual({ queued: 0, sent: 2, failed: 1 });
    expect(ledger.has('a')).toBe(true);
    expect(ledger.deliveries.has('a')).toBe(false); // only its id is kept
    await ledger.compactIfWorthIt(true);
    expect(ledger.countsOf('u1')).toEqual({ queued: 0, sent: 2, failed: 1 });
    await ledger.save({ ...d('c'), state: 'sent', attempts: 2 });
    await ledger.close();

    const again = new DeliveryLedger(new Journal(file));
    expect(again.countsOf('u1')).toEqual({ queued: 0, sent: 3, failed: 0 });
    expect(again.epoch).toBe('2026-11-23T00:00:00.000Z');
    expect(again.intents.get('u1')).toMatchObject({ cursor: 3, done: true });
    expect(readFileSync(file, 'utf8').trim().split('\n').length).toBeLessThan(6);
  });

  it('a line written before deliveries kept their last attempt loads (not known: null); a failure keeps its time through compaction and restart', async () => {
    const file = join(tmp(), 'd.jsonl');
    const old = { ...d('old'), state: 'failed', attempts: 1, last_error: '550 5.1.1 User unknown' } as Partial<Delivery>;
    delete old.last_attempt_at;
    writeFileSync(file, `${JSON.stringify({ t: 'm', epoch: '2026-11-01T00:00:00.000Z' })}\n${JSON.stringify(old)}\n`);
    const ledger = new DeliveryLedger(new Journal(file));
    expect(ledger.deliveries.get('old')).toMatchObject({ state: 'failed', last_attempt_at: null });
    await ledger.recordFanOut([d('new')], intent);
    await ledger.save({ ...d('new'), state: 'failed', attempts: 1, last_error: '554', last_attempt_at: '2026-12-07T15:00:00.000Z' });
    await ledger.compactIfWorthIt(true);
    await ledger.close();

    const again = new DeliveryLedger(new Journal(file));
    expect(again.deliveries.get('old')!.last_attempt_at).toBeNull();
    expect(again.deliveries.get('new')!.last_attempt_at).toBe('2026-12-07T15:00:00.000Z');
    await again.close();
  });

  it('compaction keeps a sent confirmation of the last 48 h (the start-up repair asks for it) with its subscriber, not an already-subscribed note', async () => {
    const file = join(tmp(), 'd.jsonl');
    const ledger = new DeliveryLedger(new Journal(file));
    const now = new Date();
    await ledger.init(now);
    for (const id of ['s1.confirm.1', 's1.subscribed.2']) {
      const q = queuedDelivery({ id, sub: 's1', intent: 'confirm', kind: 'confirm', created_at: now.toISOString() });
      await ledger.create(q);
      await ledger.save({ ...q, state: 'sent', attempts: 1, sent_at: now.toISOString() });
    }
    await ledger.compactIfWorthIt(true, now);
    await ledger.close();
    const rows = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Partial<Delivery>)
      .filter((r) => r.kind === 'confirm');
    expect(rows.map((r) => [r.id, r.sub])).toEqual([['s1.confirm.1', 's1']]);
  });
});
