import { describe, expect, it } from 'vitest';
import { Passes } from '../../src/notify/passes.ts';

describe('Passes', () => {
  it('runs one pass at a time, and calls made meanwhile add exactly one more pass', async () => {
    let runs = 0;
    let release: () => void = () => {};
    const passes = new Passes(
      async () => {
        runs++;
        if (runs === 1) await new Promise<void>((r) => (release = r));
      },
      () => {},
    );
    const first = passes.run();
    passes.run();
    passes.run();
    expect(runs).toBe(1);
    release();
    await first;
    expect(runs).toBe(2);
    expect(passes.current).toBeNull();
  });

  it('a pass that awaits nothing leaves no run behind (the next call runs again)', async () => {
    let runs = 0;
    const passes = new Passes(
      async () => {
        runs++;
      },
      () => {},
    );
    await passes.run();
    expect(passes.current).toBeNull();
    await passes.run();
    expect(runs).toBe(2);
  });

  it('hands a failure to its handler and runs again on the next call', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const passes = new Passes(
      async () => {
        if (fail) throw new Error('down');
      },
      (e) => errors.push(e),
    );
    await passes.run();
    expect(errors).toHaveLength(1);
    fail = false;
    await passes.run();
    expect(errors).toHaveLength(1);
  });
});
