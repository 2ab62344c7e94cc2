import { describe, expect, it } from 'vitest';
import { addDays, localDate, startOfDay, wallClock } from '../../src/domain/zoned-days.ts';

/** The page's days (uptime cells, history months) start at local midnight, or where there is none, at the change. */
describe('startOfDay', () => {
  it('is local midnight across DST changes: 23- and 25-hour days, 30-minute shifts, no DST', () => {
    const length = (tz: string, y: number, m: number, d: number) =>
      (startOfDay(addDays({ year: y, month: m, day: d }, 1), tz) - startOfDay({ year: y, month: m, day: d }, tz)) / 3_600_000;
    expect(length('Europe/Berlin', 2026, 3, 29)).toBe(23);
    expect(length('Europe/Berlin', 2026, 10, 25)).toBe(25);
    expect(length('Australia/Lord_Howe', 2026, 4, 5)).toBe(24.5);
    expect(length('Asia/Kolkata', 2026, 3, 29)).toBe(24);
    expect(new Date(startOfDay({ year: 2026, month: 3, day: 29 }, 'Europe/Berlin')).toISOString()).toBe('2026-03-28T23:00:00.000Z');
  });

  it('where midnight does not exist (clocks go from 23:59:59 to 01:00), the day starts at the change', () => {
    // America/Santiago on 6 Sep 2026, Atlantic/Azores on 29 Mar 2026: before, 23:00 of the day before.
    for (const [tz, day, iso] of [
      ['America/Santiago', { year: 2026, month: 9, day: 6 }, '2026-09-06T04:00:00.000Z'],
      ['Atlantic/Azores', { year: 2026, month: 3, day: 29 }, '2026-03-29T01:00:00.000Z'],
    ] as const) {
      const start = startOfDay(day, tz);
      expect(new Date(start).toISOString(), tz).toBe(iso);
      expect(localDate(start, tz)).toEqual(day);
      expect(localDate(start - 1, tz)).toEqual(addDays(day, -1));
      expect(wallClock(start, tz)).toMatchObject({ hour: 1, minute: 0 });
    }
  });

  // Zones whose rules are odd (changes at midnight, 30- and 45-minute offsets, half-hour shifts, the date line),
  // beside common ones: every zone takes ten seconds, which the run of all of them found nothing more in.
  const ZONES = [
    'America/Santiago',
    'America/Havana',
    'Atlantic/Azores',
    'America/Asuncion',
    'America/Scoresbysund',
    'Asia/Beirut',
    'Africa/Cairo',
    'Asia/Tehran',
    'Australia/Lord_Howe',
    'Pacific/Chatham',
    'Pacific/Apia',
    'Pacific/Kiritimati',
    'Asia/Kathmandu',
    'Europe/Berlin',
    'America/New_York',
    'Asia/Kolkata',
    'UTC',
  ];

  it('every day of two years starts on its own date, the instant before on the day before', () => {
    const wrong: string[] = [];
    for (const tz of ZONES) {
      let d = { year: 2026, month: 1, day: 1 };
      for (let i = 0; i < 730; i++, d = addDays(d, 1)) {
        const start = startOfDay(d, tz);
        const on = localDate(start, tz);
        const before = localDate(start - 1, tz);
        if (on.day !== d.day || before.day === d.day) wrong.push(`${tz} ${d.year}-${d.month}-${d.day}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
