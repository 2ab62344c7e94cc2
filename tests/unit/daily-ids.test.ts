import { describe, expect, it } from 'vitest';
import { nextDailyId } from '../../src/domain/ids.ts';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { ctx, db } from '../helpers/db.ts';

const at = (iso: string) => new Date(iso);

describe('nextDailyId: INC-YYYY-MM-DD-N', () => {
  it('starts each UTC day at 1', () => {
    expect(nextDailyId('INC', at('2026-11-22T00:00:00Z'), [])).toBe('INC-2026-11-22-1');
    expect(nextDailyId('INC', at('2026-11-23T00:00:00Z'), ['INC-2026-11-22-1', 'INC-2026-11-22-2'])).toBe('INC-2026-11-23-1');
  });

  it('counts on within a day', () => {
    expect(nextDailyId('INC', at('2026-11-22T18:00:00Z'), ['INC-2026-11-22-1', 'INC-2026-11-22-2'])).toBe('INC-2026-11-22-3');
  });

  it('goes past the highest number after a gap, never reusing a hole', () => {
    expect(nextDailyId('INC', at('2026-11-22T12:00:00Z'), ['INC-2026-11-22-3', 'INC-2026-11-22-1'])).toBe('INC-2026-11-22-4');
  });

  it('compares numbers, not strings (10 after 9)', () => {
    const nine = Array.from({ length: 10 }, (_, i) => `INC-2026-11-22-${i + 1}`);
    expect(nextDailyId('INC', at('2026-11-22T12:00:00Z'), nine)).toBe('INC-2026-11-22-11');
  });

  it('uses the UTC date, whatever the offset of the instant', () => {
    // 23:30 in New York on the 22nd is the 23rd in UTC.
    expect(nextDailyId('INC', at('2026-11-22T23:30:00-05:00'), ['INC-2026-11-22-4'])).toBe('INC-2026-11-23-1');
    expect(nextDailyId('INC', at('2026-11-23T00:59:00+01:00'), ['INC-2026-11-22-4'])).toBe('INC-2026-11-22-5');
  });

  it('ignores other prefixes, other days and malformed suffixes', () => {
    const existing = ['MNT-2026-11-22-7', 'INC-2026-11-21-9', 'INC-2026-11-22-', 'INC-2026-11-22-x', 'XINC-2026-11-22-8'];
    expect(nextDailyId('INC', at('2026-11-22T12:00:00Z'), existing)).toBe('INC-2026-11-22-1');
  });

  it('declareIncident numbers by the (backfilled) start date across days', () => {
    const d = db([{ id: 'api' }]);
    const declare = (minutes: number, started_at?: string) =>
      declareIncident(ctx(d, minutes), { name: 'x', impact: 'minor', status: 'investigating', body: 'x', components: {}, started_at }).id;
    expect(declare(0)).toBe('INC-2026-11-22-1');
    expect(declare(1)).toBe('INC-2026-11-22-2');
    // Backfilled to the day before: that day's own sequence.
    expect(declare(2, '2026-11-21T22:00:00.000Z')).toBe('INC-2026-11-21-1');
    // Fifteen hours later it is the 23rd.
    expect(declare(15 * 60)).toBe('INC-2026-11-23-1');
    expect(declare(15 * 60 + 1)).toBe('INC-2026-11-23-2');
    expect(declare(15 * 60 + 2, '2026-11-22T23:00:00.000Z')).toBe('INC-2026-11-22-3');
  });
});
