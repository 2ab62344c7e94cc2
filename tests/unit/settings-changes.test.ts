import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../../src/domain/settings.ts';
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
