import { describe, expect, it } from 'vitest';
import { windowLists } from '../../src/console/window-list.ts';
import { T0, maintenance } from '../helpers/db.ts';

const at = (hours: number) => new Date(T0.getTime() + hours * 3_600_000).toISOString();
const window = (id: string, status: 'scheduled' | 'in_progress' | 'verifying' | 'completed', from: number) =>
  maintenance(id, status, { scheduled_for: at(from), scheduled_until: at(from + 1) });

describe("the console's maintenance list", () => {
  it('running windows first, one started early included, then upcoming soonest first, then past newest first', () => {
    // From the review: ordered by planned start alone, a window started early (planned for +5 h) came after +1 h's.
    const { ahead, past } = windowLists([
      window('MNT-next', 'scheduled', 1),
      window('MNT-later', 'scheduled', 3),
      window('MNT-early', 'in_progress', 5),
      window('MNT-checking', 'verifying', -1),
      window('MNT-old', 'completed', -48),
      window('MNT-yesterday', 'completed', -24),
    ]);
    expect(ahead.map((m) => m.id)).toEqual(['MNT-checking', 'MNT-early', 'MNT-next', 'MNT-later']);
    expect(past.map((m) => m.id)).toEqual(['MNT-yesterday', 'MNT-old']);
  });
});
