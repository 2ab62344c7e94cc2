import { Invalid, NotFound } from '../../domain/errors.ts';
import { confirmationStanding, type Subscriber } from './model.ts';

/**
 * The changes a subscriber's links make (both engines): each returns the new
 * record, or null when there is nothing to change (confirming or
 * unsubscribing twice is fine). A confirmation works only within 48 h of
 * the request, and never after the address unsubscribed.
 */
export function confirmedSubscriber(s: Subscriber, now: Date): Subscriber | null {
  const standing = confirmationStanding(s, now);
  if (standing === 'expired') {
    throw new Invalid('This confirmation link has expired. Subscribe again to get a new one.', 'token', 'expired');
  }
  if (standing === 'unsubscribed') {
    throw new NotFound(
      'This confirmation link is no longer valid: the address was unsubscribed. Subscribe again to get a new one.',
      'token',
    );
  }
  if (standing === 'confirmed') return null;
  // No unsubscription time on a confirmed record: one it came back from would read as if it left since.
  return { ...s, state: 'confirmed', confirmed_at: now.toISOString(), unsubscribed_at: null, updated_at: now.toISOString() };
}

export function unsubscribedSubscriber(s: Subscriber, now: Date): Subscriber | null {
  return s.state === 'unsubscribed'
    ? null
    : { ...s, state: 'unsubscribed', unsubscribed_at: now.toISOString(), updated_at: now.toISOString() };
}

/**
 * A suppression lifted by an admin (who has heard the mailbox works again): the address gets what its
 * state says from the next email on, a confirmed one its notices, with no confirmation asked; null when
 * it was not suppressed (lifting twice changes nothing).
 */
export function unsuppressedSubscriber(s: Subscriber, now: Date): Subscriber | null {
  return s.suppressed === null ? null : { ...s, suppressed: null, suppressed_at: null, updated_at: now.toISOString() };
}

/** The component list replaced (empty = everything). */
export function subscriberWithComponents(s: Subscriber, components: string[], now: Date): Subscriber {
  return { ...s, components, updated_at: now.toISOString() };
}
