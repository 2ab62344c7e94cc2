import { describe, expect, it } from 'vitest';
import { cadenceText, everyText, morePostmortemsText, overdueAlert } from '../../src/domain/words.ts';

/** How a level's cadence and late-notice delay read in templates, notices and the console. */
describe('cadence words', () => {
  // From a hunt: settings take 1 minute as the least, and templates read "at least every 1 minutes".
  it('say one minute in the singular', () => {
    expect(cadenceText(1)).toBe('1 minute');
    expect(everyText(1)).toBe('every minute');
  });

  it.each([
    [15, '15 minutes', 'every 15 minutes'],
    [60, '1 hour', 'every hour'],
    [240, '4 hours', 'every 4 hours'],
    [1440, '1 day', 'every day'],
    [2880, '2 days', 'every 2 days'],
    // Before: "within 7 days" in the Identified and Monitoring templates, "every week" in the others.
    [10080, '1 week', 'every week'],
    [20160, '2 weeks', 'every 2 weeks'],
  ])('%i minutes read "%s", "%s"', (minutes, within, every) => {
    expect(cadenceText(minutes)).toBe(within);
    expect(everyText(minutes)).toBe(every);
  });
});

describe("the dashboard's overdue alert", () => {
  it('names each incident whose update is overdue, and says nothing when none is', () => {
    expect(overdueAlert([])).toBeNull();
    expect(overdueAlert(['Search down'])).toBe('An update to “Search down” is overdue.');
    expect(overdueAlert(['Search down', 'Checkout errors'])).toBe('2 updates are overdue: “Search down” and “Checkout errors”.');
    expect(overdueAlert(['A', 'B', 'C'])).toBe('3 updates are overdue: “A”, “B” and “C”.');
  });
});

describe("the dashboard's line below the postmortems it lists", () => {
  it('counts the rest, and is none when it lists them all', () => {
    expect(morePostmortemsText(0)).toBeNull();
    expect(morePostmortemsText(1)).toBe('and 1 more postmortem owed');
    expect(morePostmortemsText(1299)).toBe('and 1,299 more postmortems owed');
  });
});
