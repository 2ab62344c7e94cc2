import { describe, expect, it } from 'vitest';
import { retryWrite } from '../../src/store/pg/retry.ts';

/** retryWrite (src/store/pg/retry.ts): the bounded retry of writes that must not be lost to a moment's failure. */
const failing = (times: number) => {
  const calls: number[] = [];
  const start = Date.now();
  const write = async () => {
    calls.push(Date.now() - start);
    if (calls.length <= times) throw new Error(`refused ${calls.length}`);
    return 'stored';
  };
  return { write, calls };
};

describe('retryWrite', () => {
  it('tries again, waiting longer each time, until the write goes through', async () => {
    const { write, calls } = failing(3);
    expect(await retryWrite(write, { forMs: 5_000 })).toBe('stored');
    expect(calls).toHaveLength(4);
    // 100, 200, 400 ms apart (a timer fires no earlier than asked).
    const gaps = calls.slice(1).map((t, i) => t - calls[i]!);
    expect(gaps.map((g, i) => g >= [100, 200, 400][i]!)).toEqual([true, true, true]);
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
});
