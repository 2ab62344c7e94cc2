import { randomId } from '../../domain/ids.ts';
import { CONFIRM_TTL_MS, type Subscriber } from './model.ts';

/**
 * How old a pending request may be and still be answered with its own link again (see decideRequest). Half
 * the link's life: the email a retry sends carries a link with at least 24 h left.
 */
export const CONFIRM_REUSE_MS = CONFIRM_TTL_MS / 2;

/**
 * How long after a hard bounce a new subscribe request may lift the suppression and send a confirmation.
 * A bounce is usually right, and whoever types an address may not own it: a day bounds what a stranger
 * (or a script) can make Herald send to a dead mailbox to one bounce a day, which the relay's reputation
 * bears, while someone whose mailbox was full or misconfigured for a while can subscribe again tomorrow.
 */
export const SUPPRESSION_COOL_DOWN_MS = 24 * 3600_000;

/**
 * When a suppressed subscriber was suppressed. A record from before suppressed_at was kept has only its
 * last change, which came at or after the suppression: the cool-down counts from then (never shorter).
 */
export function suppressedSince(s: Pick<Subscriber, 'suppressed_at' | 'updated_at'>): string {
  return s.suppressed_at ?? s.updated_at;
}

/** What a subscribe request did; the HTTP answer is the same whatever happened. */
export interface RequestOutcome {
  subscriber: Subscriber;
  /**
   * True when an email answers the request (a deliverable address): a confirmation for a new, pending or
   * unsubscribed one, a note with its manage link for a confirmed one (see Composer.compose).
   */
  sendMail: boolean;
}

/**
 * A subscribe request decided against the address's current record (both
 * engines): a new address gets a pending record with `seq`; an unsubscribed
 * one is asked again (a new request, whose link revokes the older ones); a
 * pending one is asked again too, but keeps its request time while that is
 * under 24 h old (CONFIRM_REUSE_MS) and the components asked for are the
 * same, so the new email carries the same link and a link already mailed
 * keeps working: a double click or a timed-out retry must not kill the first
 * email's link. Other components make a new request: anyone may send one for
 * any address, and the first email's link, which promised the first choice,
 * must not confirm the stranger's; it stops working, and the new email names
 * the new choice. Past 24 h the request is renewed (a fresh 48 h link), so no
 * email carries a link with less than 24 h left; links are signed over the
 * request time alone, so keeping it needs no new field and both engines and
 * old records read as before. A confirmed one keeps its state, components
 * and confirmation request (whoever typed the address may not own it: its
 * manage link changes the choice), and counts the request, so that each one
 * gets its own email.
 * A suppressed address (it hard-bounced) is sent nothing for a day after the bounce
 * (SUPPRESSION_COOL_DOWN_MS). A request after that lifts the suppression and makes a new request, as
 * for an unsubscribed address: the confirmation tests the address, and only a reader who presses its
 * link gets notices again. That holds for an address that was confirmed too: it becomes pending, with
 * the components just asked for, and gets a confirmation, not the already-subscribed note, whose manage
 * link would have it hear notices again on the strength of one email accepted by a relay.
 * Every answer writes a record and costs the same (no timing tell).
 */
export function decideRequest(
  existing: Subscriber | undefined,
  email: string,
  components: string[],
  now: Date,
  seq: number,
): RequestOutcome {
  const at = now.toISOString();
  if (!existing) {
    return {
      subscriber: {
        t: 's',
        id: randomId(),
        seq,
        email,
        state: 'pending',
        components,
        confirms: 1,
        requested_at: at,
        created_at: at,
        updated_at: at,
        confirmed_at: null,
        unsubscribed_at: null,
        suppressed: null,
        suppressed_at: null,
      },
      sendMail: true,
    };
  }
  if (existing.suppressed !== null) {
    const since = suppressedSince(existing);
    if (now.getTime() - Date.parse(since) < SUPPRESSION_COOL_DOWN_MS) {
      // Still cooling down: nothing is sent. The suppression's time is kept as it was, not as this write's.
      const kept = { ...existing, suppressed_at: since };
      if (existing.state === 'confirmed') return { subscriber: { ...kept, updated_at: at }, sendMail: false };
      return { subscriber: { ...renewed(kept, components, now), confirms: existing.confirms + 1 }, sendMail: false };
    }
    // Lifted: a new request (a fresh link, whatever the state was), which the confirmation email tests.
    const lifted = { ...existing, suppressed: null, suppressed_at: null };
    return {
      subscriber: {
        ...lifted,
        state: 'pending',
        components,
        confirms: existing.confirms + 1,
        requested_at: newRequestTime(existing, now),
        updated_at: at,
      },
      sendMail: true,
    };
  }
  if (existing.state === 'confirmed') {
    return { subscriber: { ...existing, confirms: existing.confirms + 1, updated_at: at }, sendMail: true };
  }
  return { subscriber: { ...renewed(existing, components, now), confirms: existing.confirms + 1 }, sendMail: true };
}

/** A pending or unsubscribed address asked again: pending, the same request while young and unchanged (decideRequest). */
function renewed(existing: Subscriber, components: string[], now: Date): Subscriber {
  const at = now.toISOString();
  const repeat =
    existing.state === 'pending' &&
    now.getTime() - Date.parse(existing.requested_at) < CONFIRM_REUSE_MS &&
    sameChoice(existing.components, components);
  if (repeat) return { ...existing, updated_at: at };
  return { ...existing, state: 'pending', components, requested_at: newRequestTime(existing, now), updated_at: at };
}

/** Whether two component lists are one choice: the same ids, whatever their order or repeats. */
function sameChoice(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return b.every((id) => set.has(id)) && new Set(b).size === set.size;
}

/**
 * A new request's time. Later than the one it replaces even within one millisecond (two clients at once):
 * links are signed over it, and the same time again would leave the older email's link confirming this request.
 */
function newRequestTime(existing: Subscriber, now: Date): string {
  return new Date(Math.max(now.getTime(), Date.parse(existing.requested_at) + 1)).toISOString();
}
