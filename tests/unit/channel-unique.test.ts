import { describe, expect, it } from 'vitest';
import { createChannel, editChannel } from '../../src/domain/channels/manage.ts';
import { Conflict } from '../../src/domain/errors.ts';
import { ctx, db } from '../helpers/db.ts';

/** Two channels of one kind on one URL with overlapping scopes would post their messages twice (manage.ts checkUnique). */
describe('a channel on a URL another channel of its kind posts to', () => {
  const URL = 'https://hooks.slack.com/services/T/B/X';

  it('is refused on overlapping components, allowed on components apart', () => {
    const d = db([{ id: 'api' }, { id: 'web' }]);
    createChannel(ctx(d), { kind: 'slack', name: 'API room', url: URL, components: ['api'] });
    expect(() => createChannel(ctx(d), { kind: 'slack', name: 'All', url: URL })).toThrow(Conflict);
    const web = createChannel(ctx(d), { kind: 'slack', name: 'Web room', url: URL, components: ['web'] });
    expect(() => editChannel(ctx(d), web.id, { components: ['web', 'api'] })).toThrow(Conflict);
  });

  it('two that shared one before the check can still be edited with their scope as it is (the console sends it with every edit)', () => {
    const d = db([{ id: 'api' }]);
    const a = createChannel(ctx(d), { kind: 'slack', name: 'A', url: URL, components: ['api'] });
    const b = createChannel(ctx(d), { kind: 'slack', name: 'B', url: 'https://hooks.slack.com/services/T/B/Y', components: ['api'] });
    b.url = URL; // as stored by a version before the check
    expect(editChannel(ctx(d), b.id, { name: 'B renamed', components: ['api'], min_impact: null }).name).toBe('B renamed');
    expect(editChannel(ctx(d), a.id, { name: 'A renamed', components: ['api'] }).name).toBe('A renamed');
  });
});
