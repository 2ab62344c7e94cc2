import { incident, maintenance } from '../helpers/db.ts';
import { describe, expect, it } from 'vitest';
import { historyPage, HISTORY_PAGE_SIZE } from '../../src/domain/history.ts';
import { dbSchema, emptyDb } from '../../src/domain/model.ts';
import { generateHistory } from '../fixtures/generate-incidents.ts';

const NOW = new Date('2026-11-23T12:00:00.000Z');

describe('history pagination over 5,000 generated incidents', () => {
  const db = generateHistory(5000, NOW);

  it('the generated file is a valid data file', () => {
    expect(dbSchema.safeParse(db).success).toBe(true);
  });

  it('walks every incident once, newest first, 20 a page, then refuses the page past the end', () => {
    const first = historyPage(db, { timeZone: 'UTC' })!;
    expect(first.page).toBe(1);
    expect(first.pageCount).toBe(Math.ceil(5000 / HISTORY_PAGE_SIZE));
    expect(first.newerPage).toBeNull();
    expect(first.olderPage).toBe(2);
    const seen: string[] = [];
    let last = Infinity;
    for (let p = 1; p <= first.pageCount; p++) {
      const view = historyPage(db, { page: String(p), timeZone: 'UTC' })!;
      const entries = view.groups.flatMap((g) => g.entries);
      expect(entries.length).toBe(p < first.pageCount ? HISTORY_PAGE_SIZE : 5000 - (first.pageCount - 1) * HISTORY_PAGE_SIZE);
      for (const e of entries) {
        const t = Date.parse(e.started_at);
        expect(t).toBeLessThanOrEqual(last);
        last = t;
        seen.push(e.id);
      }
      // Every group is one month, and the entries in it started in that month.
      for (const g of view.groups) for (const e of g.entries) expect(e.started_at.slice(0, 7)).toBe(g.month);
    }
    expect(new Set(seen).size).toBe(5000);
    expect(historyPage(db, { page: String(first.pageCount + 1), timeZone: 'UTC' })).toBeNull();
  });

  it('filters by month, with its own pages', () => {
    const first = historyPage(db, { timeZone: 'UTC' })!;
    const busiest = [...first.months].sort((a, b) => b.count - a.count)[0]!;
    expect(first.months.reduce((n, m) => n + m.count, 0)).toBe(5000);
    const view = historyPage(db, { month: busiest.month, timeZone: 'UTC' })!;
    expect(view.total).toBe(busiest.count);
    expect(view.groups).toHaveLength(1);
    expect(view.groups[0]!.month).toBe(busiest.month);
    if (view.pageCount > 1) expect(view.olderPage).toBe(2);
    const months = first.months.map((m) => m.month);
    expect(months).toEqual([...months].sort().reverse());
  });

  it('a month before the history or after this one, and malformed queries, are not found', () => {
    expect(historyPage(db, { month: '1999-01', timeZone: 'UTC' })).toBeNull();
    expect(historyPage(db, { month: '2026-12', timeZone: 'UTC', now: NOW })).toBeNull();
    for (const q of [{ page: '0' }, { page: '-1' }, { page: 'x' }, { page: '1.5' }, { month: '2026-13' }, { month: '2026-1' }]) {
      expect(historyPage(db, q)).toBeNull();
    }
  });

  it('a quiet month within the history, or this month with nothing yet, is a page that says so (not a 404)', () => {
    const base = db.incidents[0]!;
    const sparse = generateHistory(0, NOW);
    sparse.incidents.push({ ...base, id: 'INC-2026-08-10-1', started_at: '2026-08-10T10:00:00.000Z' });
    sparse.incidents.push({ ...base, id: 'INC-2026-06-10-1', started_at: '2026-06-10T10:00:00.000Z' });
    for (const month of ['2026-07', '2026-09', '2026-11']) {
      // Before: null (a 404 "No such history page") for a month the history spans but nothing happened in.
      const view = historyPage(sparse, { month, timeZone: 'UTC', now: NOW });
      expect(view).toMatchObject({ month, total: 0, groups: [], page: 1, pageCount: 1 });
      expect(view!.months.map((m) => m.month)).toEqual(['2026-08', '2026-06']);
      expect(historyPage(sparse, { month, page: '2', timeZone: 'UTC', now: NOW })).toBeNull();
    }
    for (const month of ['2026-05', '2026-12']) expect(historyPage(sparse, { month, timeZone: 'UTC', now: NOW })).toBeNull();
    // With no history at all, this month alone; this month is read in the page's time zone (Tokyo is in December).
    const empty = generateHistory(0, NOW);
    expect(historyPage(empty, { month: '2026-11', timeZone: 'UTC', now: NOW })).toMatchObject({ total: 0 });
    expect(historyPage(empty, { month: '2026-10', timeZone: 'UTC', now: NOW })).toBeNull();
    const lateNov = new Date('2026-11-30T20:00:00.000Z');
    expect(historyPage(empty, { month: '2026-12', timeZone: 'Asia/Tokyo', now: lateNov })).toMatchObject({ total: 0 });
  });

  it('groups months in the page time zone', () => {
    const tiny = generateHistory(0, NOW);
    const base = db.incidents[0]!;
    // 23:30 UTC on 31 Oct is already November in Berlin.
    tiny.incidents.push({ ...base, id: 'INC-2026-10-31-1', started_at: '2026-10-31T23:30:00.000Z' });
    expect(historyPage(tiny, { timeZone: 'UTC' })!.groups[0]!.month).toBe('2026-10');
    expect(historyPage(tiny, { timeZone: 'Europe/Berlin' })!.groups[0]!.month).toBe('2026-11');
  });
});

describe('what the history lists', () => {
  it('leaves out windows still to come and cancelled ones, keeps running and completed ones', () => {
    const db = generateHistory(0, NOW);
    const mnt = (id: string, status: 'scheduled' | 'in_progress' | 'completed', cancelled: boolean) =>
      maintenance(id, status, { started_at: NOW.toISOString(), cancelled_at: cancelled ? NOW.toISOString() : null });
    db.maintenances.push(
      mnt('MNT-a', 'scheduled', false),
      mnt('MNT-b', 'in_progress', false),
      mnt('MNT-c', 'completed', false),
      mnt('MNT-d', 'completed', true),
    );
    const ids = historyPage(db)!.groups.flatMap((g) => g.entries.map((e) => e.id));
    expect(ids.sort()).toEqual(['MNT-b', 'MNT-c']);
  });
});

describe('history order', () => {
  it('among incidents that started at the same instant, the one recorded last comes first, from the tenth of a day on too', () => {
    // From a review: ids compared as strings put INC-…-11 and -10 after -2.
    const db = emptyDb('page', NOW.toISOString());
    db.incidents = Array.from({ length: 11 }, (_, i) => incident(`INC-2026-11-20-${i + 1}`, 'minor', 'resolved'));
    const ids = historyPage(db, { timeZone: 'UTC' })!.groups.flatMap((g) => g.entries.map((e) => e.id));
    expect(ids).toEqual(Array.from({ length: 11 }, (_, i) => `INC-2026-11-20-${11 - i}`));
  });
});
