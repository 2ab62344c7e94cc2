import type { Channel } from '../domain/channels/model.ts';

/**
 * Tells which channels came back since the last look: resumed (paused or disabled before), or given a new URL
 * while active. What waits for such a channel is due at once: the retry delay it waited out was the old
 * receiver's (a resume after the 10th failure would otherwise wait the last backoff, up to minutes).
 */
export function freshStarts(initial: readonly Channel[]): (channels: readonly Channel[]) => string[] {
  let seen = new Map(initial.map((c) => [c.id, { state: c.state, url: c.url }]));
  return (channels) => {
    const back = channels
      .filter((c) => {
        const before = seen.get(c.id);
        return before !== undefined && c.state === 'active' && (before.state !== 'active' || before.url !== c.url);
      })
      .map((c) => c.id);
    seen = new Map(channels.map((c) => [c.id, { state: c.state, url: c.url }]));
    return back;
  };
}
