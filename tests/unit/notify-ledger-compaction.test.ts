import { afterEach, describe, expect, it } from 'vitest';
import type { Intent } from '../../src/store/mail/model.ts';
import { AT, KEY, delivery, fanOutIntent, openLedger, removeLedgers, reopenLedger, sent } from '../helpers/ledger.ts';

/**
 * Delivery counts stay exact when a compaction runs while lines still wait
 * to be written (it runs inside the journal's flush chain, between flushes),
 * in memory and after a restart.
 */
afterEach(removeLedgers);

const intent0: Intent = fanOutIntent();

describe('DeliveryLedger counts across a compaction', () => {
  it('a fan-out step built before a compaction does not undo the sent counts it archived', async () => {
    const { file, ledger } = await openLedger();
    let intent: Intent = { ...intent0, cursor: 100 };
    const batch1 = Array.from({ length: 100 }, (_, i) => delivery(i));
    await ledger.recordFanOut(batch1, intent);
    await Promise.all(batch1.map((d) => ledger.save(sent(d))));
    expect(ledger.countsOf(KEY)).toEqual({ queued: 0, sent: 100, failed: 0 });
    // A send is being recorded (a flush runs) when the compactor fires and the fan-out takes its next step,
    // its intent record built from what it read before the compaction.
    const inflight = ledger.save(delivery(100));
    const compaction = ledger.compactIfWorthIt(true);
    intent = { ...(ledger.intents.get(KEY) ?? intent), cursor: 200, done: true };
    const step = ledger.recordFanOut(
      Array.from({ length: 100 }, (_, i) => delivery(101 + i)),
      intent,
    );
    await Promise.all([inflight, compaction, step]);
    expect(ledger.countsOf(KEY)).toEqual({ queued: 101, sent: 100, failed: 0 });
    expect(ledger.intents.get(KEY)).toMatchObject({ cursor: 200, done: true });
    await ledger.close();

    const again = reopenLedger(file);
    expect(again.countsOf(KEY)).toEqual({ queued: 101, sent: 100, failed: 0 });
    expect(again.intents.get(KEY)).toMatchObject({ cursor: 200, done: true });
    await again.close();
  });

  it('a sent line still waiting to be written when a compaction runs is counted once, in memory and after a restart', async () => {
    const { file, ledger } = await openLedger();
    const ds = [delivery(0), delivery(1), delivery(2)];
    await ledger.recordFanOut(ds, { ...intent0, cursor: 3, done: true });
    await ledger.save(sent(ds[0]!));
    // A flush runs (s1 sent) when the compactor fires; s2's 'sent' waits behind the compaction.
    const a = ledger.save(sent(ds[1]!));
    const c = ledger.compactIfWorthIt(true);
    const b = ledger.save(sent(ds[2]!));
    await Promise.all([a, b, c]);
    expect(ledger.countsOf(KEY)).toEqual({ queued: 0, sent: 3, failed: 0 });
    await ledger.close();
    const again = reopenLedger(file);
    expect(again.countsOf(KEY)).toEqual({ queued: 0, sent: 3, failed: 0 });
    // A later compaction, once everything is written, archives all of it.
    await again.compactIfWorthIt(true);
    expect(again.countsOf(KEY)).toEqual({ queued: 0, sent: 3, failed: 0 });
    expect(again.has(ds[2]!.id)).toBe(false);
    await again.close();
    const third = reopenLedger(file);
    expect(third.countsOf(KEY)).toEqual({ queued: 0, sent: 3, failed: 0 });
    await third.close();
  });

  it('counts stay exact through many compactions racing sends and fan-out steps', async () => {
    const { file, ledger } = await openLedger();
    let cursor = 0;
    const work: Array<Promise<void>> = [];
    for (let round = 0; round < 20; round++) {
      const batch = Array.from({ length: 25 }, (_, i) => delivery(cursor + i));
      cursor += 25;
      const progress = { ...(ledger.intents.get(KEY) ?? intent0), cursor, done: round === 19 };
      work.push(ledger.recordFanOut(batch, progress).then(() => Promise.all(batch.map((d) => ledger.save(sent(d)))).then(() => {})));
      if (round % 3 === 0) work.push(ledger.compactIfWorthIt(true));
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(work);
    expect(ledger.countsOf(KEY)).toEqual({ queued: 0, sent: 500, failed: 0 });
    await ledger.close();
    const again = reopenLedger(file);
    expect(again.countsOf(KEY)).toEqual({ queued: 0, sent: 500, failed: 0 });
    expect(again.intents.get(KEY)).toMatchObject({ cursor: 500, done: true });
    await again.close();
  });

  it('a confirmation sent before a compaction is still known after a restart (the start-up resume does not send it again)', async () => {
    const { file, ledger } = await openLedger();
    const c = delivery(7, 'confirm', 'confirm');
    await ledger.save(c);
    await ledger.save(sent(c));
    await ledger.compactIfWorthIt(true, new Date(AT));
    expect(ledger.has(c.id)).toBe(true);
    expect(ledger.create(c)).toBeNull();
    await ledger.close();
    const again = reopenLedger(file);
    expect(again.has(c.id)).toBe(true);
    expect(again.queued()).toEqual([]);
    expect(again.countsOf('confirm').sent).toBe(1);
    // Once its link has expired (48 h), compaction lets it go.
    await again.compactIfWorthIt(true, new Date(Date.parse(AT) + 49 * 3600_000));
    expect(again.has(c.id)).toBe(false);
    await again.close();
  });

  it('create() makes a delivery once: the second caller for an id gets null, even before the first is on disk', async () => {
    const { ledger } = await openLedger();
    const c = delivery(1, 'confirm', 'confirm');
    const first = ledger.create(c);
    expect(first).not.toBeNull();
    expect(ledger.create(c)).toBeNull();
    await first;
    expect(ledger.create(c)).toBeNull();
    expect(ledger.countsOf('confirm')).toEqual({ queued: 1, sent: 0, failed: 0 });
    await ledger.close();
  });
});
