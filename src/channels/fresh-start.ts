import type { Channel } from '../domain/channels/model.ts';

type Seen = Pick<Channel, 'state' | 'url' | 'state_at'>;
const seenOf = (c: Channel): Seen => ({ state: c.state, url: c.url, state_at: c.state_at });

/**
 * Whether a channel seen as `before` came back by `now`: active again after a pause or a disable, or given a new
 * URL while active. A new `state_at` on a channel active at both looks is a pause and a resume between them (on
 * PostgreSQL a replica may read only the newest of several changes).
 */
export const cameBack = (before: Seen, now: Seen): boolean =>
  now.state === 'active' && (before.state !== 'active' || before.url !== now.url || before.state_at !== now.state_at);

/**
 * Tells which channels came back since the last look: resumed (paused or disabled before), or given a new URL
 * while active. What waits for such a channel is due at once: the retry delay it waited out was the old
 * receiver's (a resume after the 10th failure would otherwise wait the last backoff, up to minutes).
 */
export function freshStarts(initial: readonly Channel[]): (channels: readonly Channel[]) => string[] {
  let seen = new Map(initial.map((c) => [c.id, seenOf(c)]));
  return (channels) => {
    const back = channels
      .filter((c) => {
        const before = seen.get(c.id);
        return before !== undefined && cameBack(before, c);
      })
      .map((c) => c.id);
    seen = new Map(channels.map((c) => [c.id, seenOf(c)]));
    return back;
  };
}
