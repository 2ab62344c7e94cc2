import { Conflict } from '../../domain/errors.ts';

/**
 * A failed delivery whose subscriber was removed since: nothing can send it (the address is gone), so a retry
 * is refused rather than queued only to fail again as "not sent: subscriber removed". One wording for both engines.
 */
export function subscriberRemoved(id: string): Conflict {
  return new Conflict(`Delivery ${id} is left failed: its subscriber was removed, so nothing can send it.`, 'subscriber_removed');
}

/**
 * A failed delivery of a notice whose incident was withdrawn since: the sender drops it ("incident or update no
 * longer exists"), so a retry is refused rather than queued only to fail again. One wording for both engines.
 */
export function noticeWithdrawn(id: string): Conflict {
  return new Conflict(`Delivery ${id} is left failed: its incident was withdrawn, so nothing can send it.`, 'notice_withdrawn');
}
