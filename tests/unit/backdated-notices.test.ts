import { describe, expect, it } from 'vitest';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { postUpdate } from '../../src/domain/incidents/post-update.ts';
import type { Db } from '../../src/domain/model.ts';
import { ctx, db } from '../helpers/db.ts';

/**
 * An update dated a few minutes back (`display_at`, more than a minute before now) on an incident still open.
 * It tells of the past for those who heard the incident start (no "Impact raised" for it, as README says), but
 * it does not silence what others have heard nothing of: found by a review of who is emailed, where a SEV-3
 * raised to SEV-1 by such an update was never emailed to anyone (its restoration neither), while the war-room
 * channels were told at once, and the followers of a component it brought in first heard of it from
 * "Service restored".
 */
const minutesBack = (d: Db, now: number, back: number) => new Date(ctx(d, now).now.getTime() - back * 60_000).toISOString();
const components = () =>
  db([
    { id: 'search', name: 'Search' },
    { id: 'email', name: 'Email' },
  ]);

describe('an update dated a few minutes back, on an open incident', () => {
  it('re-grading a SEV-3 nobody heard of to a SEV-1 is its disruption notice; the resolution then emails too', () => {
    const d = components();
    const inc = declareIncident(ctx(d, 30), {
      name: 'Search slow',
      severity: 'sev3',
      status: 'investigating',
      body: 'Slow.',
      components: { search: 'degraded_performance' },
      started_at: minutesBack(d, 30, 30),
    });
    expect(inc.updates[0]!.notify).toBe(false);
    postUpdate(ctx(d, 31), inc.id, {
      status: 'identified',
      body: 'Now a full outage.',
      severity: 'sev1',
      components: { search: 'major_outage' },
      display_at: minutesBack(d, 31, 10),
    });
    // Before: false, and so every later update, the resolution included: nobody was ever emailed.
    expect(inc.updates.at(-1)!.notify).toBe(true);
    postUpdate(ctx(d, 40), inc.id, { status: 'resolved', body: 'Fixed.', components: { search: 'operational' } });
    expect(inc.updates.at(-1)!.notify).toBe(true);
  });

  it('bringing trouble to another component emails its followers; a raise of the impact told of the past still does not', () => {
    const d = components();
    const inc = declareIncident(ctx(d, 20), {
      name: 'Email delays',
      severity: 'sev2',
      status: 'investigating',
      body: 'Delays.',
      components: { email: 'partial_outage' },
      started_at: minutesBack(d, 20, 20),
    });
    expect(inc.updates[0]!.notify).toBe(true);
    postUpdate(ctx(d, 21), inc.id, {
      status: 'identified',
      body: 'Search has been failing too.',
      components: { search: 'major_outage' },
      display_at: minutesBack(d, 21, 5),
    });
    // Before: false; Search's followers first heard of it from "Service restored".
    expect(inc.updates.at(-1)!.notify).toBe(true);
    postUpdate(ctx(d, 22), inc.id, {
      status: 'identified',
      body: 'Worse than we said.',
      severity: 'sev1',
      display_at: minutesBack(d, 22, 5),
    });
    expect(inc.updates.at(-1)!.notify).toBe(false);
  });
});

describe('a raise of the impact', () => {
  it('is emailed above what subscribers last read, not above a lowering they were not told of', () => {
    const d = components();
    const inc = declareIncident(ctx(d, 0), {
      name: 'Search down',
      severity: 'sev2',
      status: 'investigating',
      body: 'Down.',
      components: { search: 'partial_outage' },
    });
    const regrade = (minutes: number, severity: string) =>
      postUpdate(ctx(d, minutes), inc.id, { status: 'identified', body: 'b', severity }).update;
    expect(inc.updates[0]!.notify).toBe(true);
    // Told: "Impact raised to Critical".
    expect(regrade(10, 'sev1').notify).toBe(true);
    // Lowered to a level that emails nothing by itself: not emailed, as the rules say.
    expect(regrade(20, 'sev3').notify).toBe(false);
    // Before: emailed as "Impact raised to Major" to readers whose last email said Critical.
    expect(regrade(30, 'sev2').notify).toBe(false);
    // Above Critical there is nothing; back to Critical is no news either, and a fresh raise from a told Major is.
    expect(regrade(40, 'sev1').notify).toBe(false);
  });
});
