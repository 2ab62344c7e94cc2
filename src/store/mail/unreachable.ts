import type { Subscriber, SubscriberState } from './model.ts';

/** Why nothing can send a failed delivery to its subscriber as stored now: the codes a refused retry answers with. */
export type Unreachable = 'subscriber_removed' | 'subscriber_unsubscribed' | 'address_suppressed' | 'subscriber_unfollowed';

/**
 * Whether a subscriber who chose `components` is still told of the notice `intent` (by key): the sender's own rule
 * (compose.ts), which skips one who follows none of its components now as "not sent: subscriber no longer follows
 * its components". True of confirmations, and of a key the document no longer holds (a withdrawal says why).
 */
export type FollowsNotice = (intent: string, components: readonly string[]) => boolean;

/**
 * Whether a failed delivery can be sent again to its subscriber (undefined once removed): not to one removed,
 * unsubscribed since, or whose address is suppressed (its mailbox unknown, or a complaint), whom the sender skips
 * at once as "not sent". Queued again, each such one failed again a moment later with its relay's answer lost,
 * and "Retry all" counted it as queued. One rule for both engines and the console's rows.
 */
export function unreachable(
  s: (Pick<Subscriber, 'suppressed'> & { state: SubscriberState | null; components?: readonly string[] | null }) | undefined | null,
  /** The delivery's notice and whether the subscriber still follows it: a retry's question (see FollowsNotice). */
  notice?: { intent: string; follows: FollowsNotice },
): Unreachable | null {
  // A row of PostgreSQL's LEFT JOIN with no subscriber has a null state.
  if (!s || s.state === null) return 'subscriber_removed';
  if (s.state === 'unsubscribed') return 'subscriber_unsubscribed';
  if (s.suppressed !== null) return 'address_suppressed';
  if (notice && !notice.follows(notice.intent, s.components ?? [])) return 'subscriber_unfollowed';
  return null;
}

/** How many of a notice's failed deliveries each reason leaves failed. */
export type LeftFailed = Record<Unreachable, number>;
export const noneLeft = (): LeftFailed => ({
  subscriber_removed: 0,
  subscriber_unsubscribed: 0,
  address_suppressed: 0,
  subscriber_unfollowed: 0,
});
