import { describe, expect, it } from 'vitest';
import { Unavailable } from '../../src/domain/errors.ts';
import { retryWrite } from '../../src/store/pg/retry.ts';

/** retryWrite (src/store/pg/retry.ts): the bounded retry of writes that must not be lost to a moment's failure. */
/** A write that fails `times` times first: as PgTables reports a moment's failure (Unavailable), or as `error` makes it. */
const failing = (times: number, error = (n: number): Error => new Unavailable(`refused ${n}`, 'storage_unavailable')) => {
  const calls: number[] = [];
  const write = async () => {
    calls.push(performance.now());
    if (calls.length <= times) throw error(calls.length);
    return 'stored';
  };
  return { write, calls };
};

describe('retryWrite', () => {
  it('tries again, waiting longer each time, until the write goes through', async () => {
    const { write, calls } = failing(3);
    expect(await retryWrite(write, { forMs: 5_000 })).toBe('stored');
    expect(calls).toHaveLength(4);
    // 100, 200, 400 ms apart. A timer can fire up to a millisecond before
    // the clock says its time is up (Node rounds its deadline), hence the
    // 1 ms of slack; a fixed wait would still fail at 200 and 400.
    const gaps = calls.slice(1).map((t, i) => t - calls[i]!);
    expect(gaps.map((g, i) => g >= [100, 200, 400][i]! - 1)).toEqual([true, true, true]);
  });

  it('gives up with the last error once its time is up', async () => {
    const { write, calls } = failing(Infinity);
    await expect(retryWrite(write, { forMs: 250 })).rejects.toThrow('refused 2');
    expect(calls).toHaveLength(2);
  });

  it('gives up at once when stopped (shutdown)', async () => {
    const { write, calls } = failing(Infinity);
    await expect(retryWrite(write, { forMs: 60_000, stopped: () => true })).rejects.toThrow('refused 1');
    expect(calls).toHaveLength(1);
  });

  it('does not try again a statement PostgreSQL refused for good (a bug, not a moment)', async () => {
    const { write, calls } = failing(Infinity, (n) => new Error(`statement failed ${n}`));
    await expect(retryWrite(write, { forMs: 60_000 })).rejects.toThrow('statement failed 1');
    expect(calls).toHaveLength(1);
  });
});
