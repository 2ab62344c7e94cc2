import { describe, expect, it } from 'vitest';
import { freshStarts } from '../../src/channels/fresh-start.ts';
import type { Channel } from '../../src/domain/channels/model.ts';

const channel = (over: Partial<Channel>): Channel =>
  ({ id: 'chn_a', kind: 'slack', name: 'Ops', url: 'https://hooks.example/a', state: 'active', state_at: null, ...over }) as Channel;

describe('freshStarts', () => {
  it('names a channel resumed, given a new URL, or paused and resumed between two looks; nothing else', () => {
    const look = freshStarts([channel({}), channel({ id: 'chn_b', state: 'paused', state_at: '2026-12-03T10:00:00Z' })]);
    expect(look([channel({}), channel({ id: 'chn_b', state: 'active', state_at: '2026-12-03T10:05:00Z' })])).toEqual(['chn_b']);
    expect(look([channel({}), channel({ id: 'chn_b', state: 'active', state_at: '2026-12-03T10:05:00Z' })]), 'nothing changed').toEqual([]);
    expect(look([channel({ url: 'https://hooks.example/new' }), channel({ id: 'chn_b', state_at: '2026-12-03T10:05:00Z' })])).toEqual([
      'chn_a',
    ]);
    // Only the newest of a pause and a resume read (another replica made both): its state_at moved.
    expect(
      look([
        channel({ url: 'https://hooks.example/new', state_at: '2026-12-03T10:09:00Z' }),
        channel({ id: 'chn_b', state_at: '2026-12-03T10:05:00Z' }),
      ]),
    ).toEqual(['chn_a']);
    // Paused now: not back.
    expect(
      look([
        channel({ url: 'https://hooks.example/new', state: 'paused', state_at: '2026-12-03T10:10:00Z' }),
        channel({ id: 'chn_b', state_at: '2026-12-03T10:05:00Z' }),
      ]),
    ).toEqual([]);
  });
});
