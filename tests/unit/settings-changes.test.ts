import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, settingsInputSchema, type Settings } from '../../src/domain/settings.ts';
import { unsavedChanges } from '../../src/console/settings-changes.ts';

describe('unsavedChanges: what an editor changed in the settings they read, in the form’s words', () => {
  const read: Settings = { ...structuredClone(DEFAULT_SETTINGS), signoff: 'The Acme status team' };
  read.severities[0] = { ...read.severities[0]!, email_every_update: true, postmortem_due_hours: 24 };

  it('nothing changed: nothing listed', () => {
    expect(unsavedChanges(structuredClone(read), read)).toEqual([]);
  });

  it('fields emptied or set, a level edited, added and removed', () => {
    const [first, second, ...rest] = structuredClone(read.severities);
    const mine: Settings = {
      ...read,
      signoff: null,
      severities: [
        { ...first!, email_every_update: !first!.email_every_update, postmortem_due_hours: null },
        ...rest,
        { ...second!, id: 'sev9', label: 'Drill' },
      ],
    };
    expect(unsavedChanges(mine, read)).toEqual([
      'Sign-off: (empty)',
      `Level ${first!.id}, “Every update”: no`,
      `Level ${first!.id}, “Review due (h)”: (empty)`,
      'Level sev9 (Drill): added',
      `Level ${second!.id}: removed`,
    ]);
  });
});

describe('a refused settings save', () => {
  it('lists a level id used twice with the other errors of the same save, not only once they are fixed', () => {
    const [first, second] = DEFAULT_SETTINGS.severities;
    const input = {
      ...DEFAULT_SETTINGS,
      severities: [
        { ...first, update_every_minutes: 0 },
        { ...second, id: first!.id, update_every_minutes: 'abc' },
      ],
    };
    const parsed = settingsInputSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    // Before: only the two numbers; "id "sev1" is used twice" came on the next try.
    expect(parsed.error!.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'severities.0.update_every_minutes',
      'severities.1.id',
      'severities.1.update_every_minutes',
    ]);
  });
});
