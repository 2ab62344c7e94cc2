import { describe, expect, it } from 'vitest';
import { copyStaleAt, DURATION_REFRESH_MS } from '../../src/snapshot/copy-ages.ts';
import { db, incident, maintenance, T0 } from '../helpers/db.ts';

// T0 is 09:00 UTC on 22 Nov 2026: 17:00 in Singapore (UTC+8), whose next midnight is 16:00 UTC.
const at = (iso: string) => new Date(iso);
const iso = (t: number) => new Date(t).toISOString();
const SG_MIDNIGHT = at('2026-11-22T16:00:00.000Z');

describe('copyStaleAt: when time alone changes what the static copy says', () => {
  it('with nothing under way: at local midnight in the site zone (the uptime bars move a day)', () => {
    expect(copyStaleAt(db(), T0, 'Asia/Singapore')).toEqual(SG_MIDNIGHT);
    expect(copyStaleAt(db(), T0, 'UTC')).toEqual(at('2026-11-23T00:00:00.000Z'));
  });

  it("an open incident's estimate: from the page minute it reads '(passed)', sooner than the duration refresh", () => {
    const d = db();
    d.incidents.push(incident('INC-1', 'major', 'investigating', { eta: iso(T0.getTime() + 80_000) }));
    // 09:01:20 reads passed once the pages' clock reaches 09:02:00.
    expect(copyStaleAt(d, T0, 'UTC')).toEqual(at('2026-11-22T09:02:00.000Z'));
  });

  it('an open incident with no estimate, or one passed already: its durations, every DURATION_REFRESH_MS', () => {
    const d = db();
    d.incidents.push(incident('INC-1', 'major', 'investigating', { eta: iso(T0.getTime() - 60_000) }));
    expect(copyStaleAt(d, T0, 'UTC')).toEqual(new Date(T0.getTime() + DURATION_REFRESH_MS));
  });

  it('a running window: its scheduled end passing, then its durations; a window still to start: its start', () => {
    const running = db();
    running.maintenances.push(maintenance('M1', 'in_progress', { scheduled_until: iso(T0.getTime() + 120_000) }));
    expect(copyStaleAt(running, T0, 'UTC')).toEqual(at('2026-11-22T09:02:00.000Z'));
    expect(copyStaleAt(running, at('2026-11-22T09:02:00.000Z'), 'UTC')).toEqual(at('2026-11-22T09:07:00.000Z'));
    const later = db();
    later.maintenances.push(
      maintenance('M2', 'scheduled', { scheduled_for: '2026-11-22T12:00:00.000Z', scheduled_until: '2026-11-22T13:00:00.000Z' }),
    );
    expect(copyStaleAt(later, T0, 'UTC')).toEqual(at('2026-11-22T12:00:00.000Z'));
  });

  it('a resolved incident: when it leaves "Recently resolved", 24 h after it was resolved', () => {
    const d = db();
    d.incidents.push(incident('INC-1', 'minor', 'resolved', { resolved_at: '2026-11-21T20:30:10.000Z' }));
    expect(copyStaleAt(d, T0, 'UTC')).toEqual(at('2026-11-22T20:31:00.000Z'));
  });

  it('ignores what has settled: completed and cancelled windows, moments already gone', () => {
    const d = db();
    d.maintenances.push(maintenance('M1', 'completed'));
    d.maintenances.push(maintenance('M2', 'completed', { cancelled_at: T0.toISOString(), resolved_at: null }));
    d.incidents.push(incident('INC-1', 'minor', 'resolved', { resolved_at: '2026-11-01T00:00:00.000Z' }));
    expect(copyStaleAt(d, T0, 'Asia/Singapore')).toEqual(SG_MIDNIGHT);
  });
});
