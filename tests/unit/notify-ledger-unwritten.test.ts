import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import type { Delivery } from '../../src/store/mail/model.ts';
import { AT, KEY, delivery, fanOutIntent, openLedger, removeLedgers, reopenLedger, sent } from '../helpers/ledger.ts';

/**
 * DeliveryLedger when a change of state cannot be written: memory has it, the
 * journal does not, until the next append that works (or writeBehind) carries
 * it. The refusal is real: a file-size limit on this process at the journal's
 * end (prlimit, soft limit only, lifted right after), so appends fail EFBIG.
 */
afterEach(() => {
  refuseWritesPast(null);
  removeLedgers();
});

function refuseWritesPast(bytes: number | null): void {
  execFileSync('prlimit', ['--pid', String(process.pid), `--fsize=${bytes ?? 'unlimited'}:`], { stdio: 'pipe' });
}

const retry = (d: Delivery): Delivery => ({ ...d, attempts: d.attempts + 1, last_error: '451 later', next_at: Date.parse(AT) + 1000 });

/** A ledger with three deliveries of the notice fanned out, none sent yet. */
async function open() {
  const { file, ledger } = await openLedger();
  const ds = [delivery(0), delivery(1), delivery(2)];
  await ledger.recordFanOut(ds, fanOutIntent({ cursor: 3, done: true }));
  return { file, ledger, ds };
}

describe('DeliveryLedger: changes whose append failed', () => {
  it('ride along with the next append that works; a later change of the same delivery replaces its own', async () => {
    const { file, ledger, ds } = await open();
    const [a, b, c] = ds as [Delivery, Delivery, Delivery];
    refuseWritesPast(statSync(file).size);
    await expect(ledger.save(retry(a))).rejects.toThrow(/could not be saved \(EFBIG\)/);
    await expect(ledger.save(sent(b))).rejects.toThrow(/EFBIG/);
    refuseWritesPast(null);
    expect(ledger.countsOf(KEY)).toEqual({ queued: 2, sent: 1, failed: 0 });
    // a's retry went out and worked: its 'sent' replaces the unwritten retry, and b's 'sent' goes with it.
    // c's retry, saved right after, must not carry a's stale retry in behind a's 'sent'.
    await Promise.all([ledger.save(sent(retry(a))), ledger.save(retry(c))]);
    await ledger.close();
    const again = reopenLedger(file);
    expect(again.countsOf(KEY)).toEqual({ queued: 1, sent: 2, failed: 0 });
    expect(again.queued().map((d) => [d.id, d.attempts])).toEqual([[c.id, 1]]);
    await again.close();
  });

  it('a failure that comes after a later change of the same delivery (an admin retry) does not take its place', async () => {
    const { file, ledger, ds } = await open();
    const [a, b] = ds as [Delivery, Delivery];
    // Room for a short line, not for one with a long error: the first append fails, the second fits.
    refuseWritesPast(statSync(file).size + 600);
    const failed = ledger.save({ ...a, state: 'failed', attempts: 1, last_error: `550 ${'x'.repeat(2000)}` });
    const retried = ledger.save({ ...a, attempts: 1 });
    await expect(failed).rejects.toThrow(/EFBIG/);
    await retried;
    refuseWritesPast(null);
    await ledger.save(sent(b));
    await ledger.writeBehind();
    await ledger.close();
    const again = reopenLedger(file);
    expect(again.queued().map((d) => [d.id, d.attempts])).toEqual([
      [a.id, 1],
      [ds[2]!.id, 0],
    ]);
    expect(again.countsOf(KEY)).toEqual({ queued: 2, sent: 1, failed: 0 });
    await again.close();
  });

  it('writeBehind writes them when no other append comes; a compaction meanwhile does not count a sent one twice', async () => {
    const { file, ledger, ds } = await open();
    const [a, b] = ds as [Delivery, Delivery];
    refuseWritesPast(statSync(file).size);
    await expect(ledger.save(sent(a))).rejects.toThrow(/EFBIG/);
    await expect(ledger.writeBehind()).rejects.toThrow(/EFBIG/);
    refuseWritesPast(null);
    // The compacted file holds a's sent record (not a number in the archive), and the line after it repeats it.
    await ledger.compactIfWorthIt(true);
    await ledger.save(retry(b));
    await ledger.writeBehind();
    expect(ledger.countsOf(KEY)).toEqual({ queued: 2, sent: 1, failed: 0 });
    await ledger.close();
    const again = reopenLedger(file);
    expect(again.countsOf(KEY)).toEqual({ queued: 2, sent: 1, failed: 0 });
    expect(again.has(a.id)).toBe(true);
    expect(again.queued().map((d) => [d.id, d.attempts])).toEqual([
      [b.id, 1],
      [ds[2]!.id, 0],
    ]);
    await again.close();
  });

  it('writeBehind alone, with nothing else written, makes a sent one durable', async () => {
    const { file, ledger, ds } = await open();
    refuseWritesPast(statSync(file).size);
    await expect(ledger.save(sent(ds[0]!))).rejects.toThrow(/EFBIG/);
    refuseWritesPast(null);
    await ledger.writeBehind();
    await ledger.close();
    const again = reopenLedger(file);
    expect(again.countsOf(KEY)).toEqual({ queued: 2, sent: 1, failed: 0 });
    await again.close();
  });
});
