import type { Subscriber, SubscriberState } from './model.ts';

/** Why nothing can send a failed delivery to its subscriber as stored now: the codes a refused retry answers with. */
export type Unreachable = 'subscriber_removed' | 'subscriber_unsubscribed' | 'address_suppressed';

/**
 * Whether a failed delivery can be sent again to its subscriber (undefined once removed): not to one removed,
 * unsubscribed since, or whose address is suppressed (its mailbox unknown, or a complaint), whom the sender skips
 * at once as "not sent". Queued again, each such one failed again a moment later with its relay's answer lost,
 * and "Retry all" counted it as queued. One rule for both engines and the console's rows.
 */
export function unreachable(
  s: (Pick<Subscriber, 'suppressed'> & { state: SubscriberState | null }) | undefined | null,
): Unreachable | null {
  // A row of PostgreSQL's LEFT JOIN with no subscriber has a null state.
  if (!s || s.state === null) return 'subscriber_removed';
  if (s.state === 'unsubscribed') return 'subscriber_unsubscribed';
  if (s.suppressed !== null) return 'address_suppressed';
  return null;
}

/** How many of a notice's failed deliveries each reason leaves failed. */
export type LeftFailed = Record<Unreachable, number>;
export const noneLeft = (): LeftFailed => ({ subscriber_removed: 0, subscriber_unsubscribed: 0, address_suppressed: 0 });
