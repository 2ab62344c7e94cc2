import { describe, expect, it } from 'vitest';
import { runCrashHarness } from '../helpers/crash-harness.ts';

// The long run (>= 200 kills) is `npm run bench:crash`, or HERALD_LONG=1 here.
const KILLS = process.env.HERALD_LONG === '1' ? 200 : 10;

describe('crash safety', () => {
  it(
    `keeps every acknowledged write and a valid data file across ${KILLS} SIGKILLs during a stream of writes`,
    async () => {
      const report = await runCrashHarness({ kills: KILLS });
      expect(report.failures, `seed ${report.seed}`).toEqual([]);
      expect(report.kills).toBe(KILLS);
      // The run must actually have exercised something.
      expect(report.acked).toBeGreaterThan(KILLS);
      expect(report.killsDuringWrites).toBeGreaterThan(0);
    },
    KILLS * 8_000 + 30_000,
  );
});
