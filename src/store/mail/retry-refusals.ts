import { Conflict } from '../../domain/errors.ts';
import type { Unreachable } from './unreachable.ts';

const WHY: Record<Unreachable, string> = {
  subscriber_removed: 'its subscriber was removed',
  subscriber_unsubscribed: 'its subscriber unsubscribed since',
  address_suppressed: 'its address is suppressed (lift the suppression on the Subscribers page first)',
  subscriber_unfollowed: 'its subscriber chose other components since, none of those the notice is about',
};

/**
 * A failed delivery nothing can send to its subscriber now (unreachable.ts): a retry is refused, with the reason
 * as its code, rather than queued only to fail again as "not sent: …". One wording for both engines.
 */
export function unreachableRefusal(id: string, why: Unreachable): Conflict {
  return new Conflict(`Delivery ${id} is left failed: ${WHY[why]}, so nothing can send it.`, why);
}

/**
 * A failed delivery of a notice whose incident was withdrawn since: the sender drops it ("incident or update no
 * longer exists"), so a retry is refused rather than queued only to fail again. One wording for both engines.
 */
export function noticeWithdrawn(id: string): Conflict {
  return new Conflict(`Delivery ${id} is left failed: its incident was withdrawn, so nothing can send it.`, 'notice_withdrawn');
}
