import { describe, expect, it } from 'vitest';
import { componentCreateSchema, incidentCreateSchema, updateCreateSchema } from '../../src/input/schemas.ts';
import { DEFAULT_SETTINGS, settingsInputSchema } from '../../src/domain/settings.ts';
import { channelCreateSchema } from '../../src/input/channels.ts';
import { maintenanceCreateSchema } from '../../src/input/schemas.ts';

describe('a body over its length limit', () => {
  it('is refused for its length alone: not read by marked for its depth as well (slower than linear on some text)', () => {
    const long = '>'.repeat(50_000);
    const result = updateCreateSchema.safeParse({ status: 'identified', body: long });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.message)).toEqual(['body must be at most 20000 characters (this has 50000)']);
    const deep = updateCreateSchema.safeParse({ status: 'identified', body: '>'.repeat(3_000) });
    expect(deep.error!.issues.map((i) => i.message)).toEqual([expect.stringMatching(/too deeply/)]);
  });
});

describe('request times are stored in one form', () => {
  it('an offset time is stored as the same instant in UTC, so stored times sort as strings', () => {
    const declared = incidentCreateSchema.parse({
      name: 'Backfilled',
      impact: 'minor',
      body: 'x',
      started_at: '2026-11-20T10:00:00+02:00',
    });
    expect(declared.started_at).toBe('2026-11-20T08:00:00.000Z');
    const update = updateCreateSchema.parse({ status: 'resolved', body: 'x', display_at: '2026-11-20T07:30:00-05:00' });
    expect(update.display_at).toBe('2026-11-20T12:30:00.000Z');
    const window = maintenanceCreateSchema.parse({
      name: 'DB',
      body: 'x',
      components: ['database'],
      scheduled_for: '2026-11-30T03:00:00+01:00',
      scheduled_until: '2026-11-30T04:00:00+01:00',
    });
    expect([window.scheduled_for, window.scheduled_until]).toEqual(['2026-11-30T02:00:00.000Z', '2026-11-30T03:00:00.000Z']);
  });

  it('a time without a zone is refused, naming the field', () => {
    const r = incidentCreateSchema.safeParse({ name: 'x', impact: 'minor', body: 'x', started_at: '2026-11-20T10:00:00' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['started_at']);
  });

  it('seconds may be left out, as ISO 8601 allows (people typing a time by hand often do)', () => {
    const declared = incidentCreateSchema.parse({
      name: 'Backfilled',
      impact: 'minor',
      body: 'x',
      started_at: '2026-11-20T10:05+02:00',
    });
    expect(declared.started_at).toBe('2026-11-20T08:05:00.000Z');
    const r = incidentCreateSchema.safeParse({ name: 'x', impact: 'minor', body: 'x', started_at: '2026-11-20 10:05' });
    expect(r.error?.issues.map((i) => [i.path, i.message])).toEqual([
      [['started_at'], 'must be an ISO 8601 date-time with a zone, e.g. 2026-11-30T02:00:00Z or 2026-11-30T03:00+01:00'],
    ]);
    const n = incidentCreateSchema.safeParse({ name: 'x', impact: 'minor', body: 'x', started_at: 5 });
    expect(n.error?.issues[0]?.message).toMatch(/^must be an ISO 8601 date-time/);
  });
});

// From a review: with the console's maxlength gone, a component's description and group were refused with zod's
// own "Too big: expected string to have <=1000 characters", and the settings and channels without the length.
describe('every text over its limit is refused with its length', () => {
  const messages = (r: { success: boolean; error?: { issues: Array<{ message: string }> } }) => r.error?.issues.map((i) => i.message);
  it('a component, the settings, a channel', () => {
    expect(messages(componentCreateSchema.safeParse({ name: 'X', description: 'd'.repeat(1001), group: 'g'.repeat(201) }))).toEqual([
      'description must be at most 1000 characters (this has 1001)',
      'group must be at most 200 characters (this has 201)',
    ]);
    const settings = settingsInputSchema.safeParse({ ...DEFAULT_SETTINGS, audience: 'a'.repeat(130), signoff: 's'.repeat(130) });
    expect(messages(settings)).toEqual(
      expect.arrayContaining([
        'audience must be at most 120 characters (this has 130)',
        'signoff must be at most 120 characters (this has 130)',
      ]),
    );
    const channel = channelCreateSchema(true).safeParse({
      kind: 'slack',
      name: 'n'.repeat(101),
      url: `https://hooks.slack.com/${'x'.repeat(2000)}`,
    });
    expect(messages(channel)).toEqual(
      expect.arrayContaining([
        'name must be at most 100 characters (this has 101)',
        expect.stringMatching(/^url must be at most 2000 characters \(this has \d+\)$/),
      ]),
    );
  });
});
