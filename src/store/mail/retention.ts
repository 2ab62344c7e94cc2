import { CONFIRM_TTL_MS, type Subscriber } from './model.ts';
import type { SubscriberBook } from './subscriber-book.ts';
import type { DeliveryLedger } from './ledger.ts';

/**
 * How long Herald keeps addresses nobody is mailing (data minimisation: anyone can type a stranger's
 * address into the subscribe form). A pending address is kept while its confirmation link works and a
 * week more, so that someone who clicks a day late is told the link expired (and can ask again) rather
 * than that it is unknown; then it is erased.
 */
export const PENDING_GRACE_MS = 7 * 24 * 3600_000;

/**
 * An unsubscribed address is kept 30 days: long enough for the Comms Lead to see who left and for a
 * resubscribe to find the old record, short enough not to keep a list of people who asked to be
 * forgotten. Its unsubscribe link still answers "you are unsubscribed" afterwards (the link is checked
 * against the key, not the record: see SubscriberStore.vouchesUnsubscribe).
 */
export const UNSUBSCRIBED_RETENTION_MS = 30 * 24 * 3600_000;

/** The instants before which a pending request, or an unsubscription, is old enough to be erased. */
export function retentionCutoffs(now: Date): { requestedBefore: Date; unsubscribedBefore: Date } {
  return {
    requestedBefore: new Date(now.getTime() - CONFIRM_TTL_MS - PENDING_GRACE_MS),
    unsubscribedBefore: new Date(now.getTime() - UNSUBSCRIBED_RETENTION_MS),
  };
}

/**
 * Whether the retention rule erases this subscriber now (both engines: pg-retention.ts says the same in
 * SQL). A confirmed address is kept, bounced or not: it asked for mail. An unsubscribed record without
 * `unsubscribed_at` (none is written so, but an import could) counts from its last change.
 */
export function pastRetention(s: Subscriber, now: Date): boolean {
  const { requestedBefore, unsubscribedBefore } = retentionCutoffs(now);
  if (s.state === 'pending') return Date.parse(s.requested_at) < requestedBefore.getTime();
  if (s.state === 'unsubscribed') return Date.parse(s.unsubscribed_at ?? s.updated_at) < unsubscribedBefore.getTime();
  return false;
}

/**
 * The retention rule on the embedded engine: removes (as the admin's removal does) every subscriber past
 * retention that no queued delivery still needs; their ids. A queued delivery is one the sender holds or
 * will take (a confirmation waiting out a relay's outage, say): it is let go first, then the next pass
 * erases. Failed ones do not hold an address back (they may wait for a retry for ever), and hold none
 * themselves: a delivery names its subscriber by id, and its error has any address written `<address>`.
 */
export function eraseStaleEmbedded(book: SubscriberBook, ledger: DeliveryLedger, now: Date): Promise<string[]> {
  let held: Set<string> | null = null;
  return book.removeWhere((s) => {
    if (!pastRetention(s, now)) return false;
    // Read in the chain, when the first candidate is met: the queued deliveries as they are then.
    held ??= new Set(ledger.queued().map((d) => d.sub));
    return !held.has(s.id);
  });
}
