import { describe, expect, it } from 'vitest';
import { formatDateTime, formatTime, zoneLabel, zoneName } from '../../src/domain/time-text.ts';

const WINTER = '2026-01-15T12:00:00.000Z';
const SUMMER = '2026-07-15T12:00:00.000Z';

describe('times as customers read them', () => {
  // Each row by hand: the zone as people there write it, winter and summer; an offset where English has no name.
  it.each([
    ['UTC', '15 Jan 2026, 12:00 UTC', '15 Jul 2026, 12:00 UTC'],
    ['America/New_York', '15 Jan 2026, 07:00 EST', '15 Jul 2026, 08:00 EDT'],
    ['America/Los_Angeles', '15 Jan 2026, 04:00 PST', '15 Jul 2026, 05:00 PDT'],
    ['America/St_Johns', '15 Jan 2026, 08:30 NST', '15 Jul 2026, 09:30 NDT'],
    ['Europe/London', '15 Jan 2026, 12:00 GMT', '15 Jul 2026, 13:00 BST'],
    ['Europe/Dublin', '15 Jan 2026, 12:00 GMT', '15 Jul 2026, 13:00 IST'],
    ['Europe/Berlin', '15 Jan 2026, 13:00 CET', '15 Jul 2026, 14:00 CEST'],
    ['Asia/Kolkata', '15 Jan 2026, 17:30 IST', '15 Jul 2026, 17:30 IST'],
    ['Australia/Sydney', '15 Jan 2026, 23:00 AEDT', '15 Jul 2026, 22:00 AEST'],
    ['Pacific/Auckland', '16 Jan 2026, 01:00 NZDT', '16 Jul 2026, 00:00 NZST'],
    ['Africa/Johannesburg', '15 Jan 2026, 14:00 SAST', '15 Jul 2026, 14:00 SAST'],
    ['Asia/Tokyo', '15 Jan 2026, 21:00 GMT+9', '15 Jul 2026, 21:00 GMT+9'],
    ['America/Sao_Paulo', '15 Jan 2026, 09:00 GMT-3', '15 Jul 2026, 09:00 GMT-3'],
  ])('%s', (zone, winter, summer) => {
    expect(formatDateTime(WINTER, zone)).toBe(winter);
    expect(formatDateTime(SUMMER, zone)).toBe(summer);
    expect(formatTime(SUMMER, zone)).toBe(summer.split(', ')[1]);
  });

  it('names the hour that repeats when the clocks go back by the side of the change it is on', () => {
    // 1 Nov 2026, 01:30 happens twice in New York: first as EDT (05:30Z), then as EST (06:30Z).
    expect(formatTime('2026-11-01T05:30:00.000Z', 'America/New_York')).toBe('01:30 EDT');
    expect(formatTime('2026-11-01T06:30:00.000Z', 'America/New_York')).toBe('01:30 EST');
    expect(zoneName(new Date('2026-11-01T05:30:00.000Z'), 'America/New_York')).toBe('EDT');
  });
});

describe('the page zone as footers name it', () => {
  it('gives an Etc/GMT±N zone as the offset it is, as the times beside it write it (IANA counts those the other way round), any other by its name', () => {
    expect(zoneLabel('Etc/GMT+12')).toBe('GMT-12');
    expect(zoneLabel('Etc/GMT-14')).toBe('GMT+14');
    expect(zoneLabel('Etc/GMT+5')).toBe('GMT-5');
    for (const tz of ['Etc/GMT', 'Etc/GMT+0', 'Etc/UTC', 'UTC', 'Europe/London', 'America/New_York']) expect(zoneLabel(tz)).toBe(tz);
  });
});
