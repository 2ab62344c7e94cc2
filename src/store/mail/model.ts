import { z } from 'zod';
import { randomId } from '../../domain/ids.ts';
import { Invalid, NotFound } from '../../domain/errors.ts';
import { follows } from '../../domain/components/following.ts';

/**
 * Records of the two notification journals (DATA_DIR/subscribers.jsonl and
 * DATA_DIR/deliveries.jsonl). They live outside herald.json so that adding a
 * subscriber or marking a delivery sent appends one line instead of rewriting
 * everything. Each line is a whole record (the newest line for an id wins).
 */
const instant = z.string();

export const SUBSCRIBER_STATES = ['pending', 'confirmed', 'unsubscribed'] as const;
export type SubscriberState = (typeof SUBSCRIBER_STATES)[number];

export const subscriberSchema = z.object({
  t: z.literal('s'),
  id: z.string().min(1),
  /** Creation order: fan-out walks subscribers by seq and records how far it got. */
  seq: z.number().int(),
  email: z.string().min(3),
  state: z.enum(SUBSCRIBER_STATES),
  /** Component ids; empty means everything. */
  components: z.array(z.string()),
  /**
   * Subscribe requests answered by email so far, each its own delivery: a confirmation, or for a confirmed
   * address a note that it is already subscribed (the confirmation link is signed over `requested_at`, not this).
   */
  confirms: z.number().int(),
  /**
   * When the current confirmation was requested (a retry under 24 h later, for the same components, keeps
   * it: decideRequest); its link, signed over it, expires 48 h later.
   */
  requested_at: instant,
  created_at: instant,
  updated_at: instant,
  confirmed_at: instant.nullable(),
  unsubscribed_at: instant.nullable(),
  /** Set when the address hard-bounced (550 5.1.1): nothing is sent to it until it is lifted (decideRequest, or an admin). */
  suppressed: z.string().nullable(),
  /**
   * When it was suppressed, for the cool-down before a new request may lift it. Absent from lines written
   * before it existed: suppressedSince reads their last change instead.
   */
  suppressed_at: instant.nullable().default(null),
});
export type Subscriber = z.infer<typeof subscriberSchema>;

/** A removed subscriber (admin delete): its later lines are ignored. */
export const removalSchema = z.object({ t: z.literal('x'), id: z.string() });

export const NOTICE_KINDS = ['disruption', 'update', 'restoration', 'maintenance', 'postmortem'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];
export type MailKind = NoticeKind | 'confirm';

export const DELIVERY_STATES = ['queued', 'sent', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export const deliverySchema = z.object({
  t: z.literal('d'),
  /** The idempotency key made file- and Message-ID-safe: `<subscriber>.<update>` etc. */
  id: z.string().min(1),
  sub: z.string(),
  /** The intent (notice) this delivery belongs to; 'confirm' for confirmation mail. */
  intent: z.string(),
  kind: z.enum([...NOTICE_KINDS, 'confirm']),
  state: z.enum(DELIVERY_STATES),
  attempts: z.number().int(),
  last_error: z.string().nullable(),
  /** Epoch ms before which a retry must not start. */
  next_at: z.number().nullable(),
  created_at: instant,
  sent_at: instant.nullable(),
});
export type Delivery = z.infer<typeof deliverySchema>;

/** A delivery as it is created: queued, never tried. */
export function queuedDelivery(d: Pick<Delivery, 'id' | 'sub' | 'intent' | 'kind' | 'created_at'>): Delivery {
  return { t: 'd', ...d, state: 'queued', attempts: 0, last_error: null, next_at: null, sent_at: null };
}

/** One notice to fan out (a notify update, or a maintenance reminder) and how far fan-out got. */
export const intentSchema = z.object({
  t: z.literal('i'),
  key: z.string(),
  incident: z.string(),
  /** The update rendered (for a reminder: the maintenance's latest update at fan-out time). */
  update: z.string(),
  kind: z.enum(NOTICE_KINDS),
  /** Highest subscriber seq already considered. */
  cursor: z.number().int(),
  done: z.boolean(),
  created_at: instant,
  /** Sent deliveries dropped by compaction after the retention period (still counted). */
  archived_sent: z.number().int().default(0),
});
export type Intent = z.infer<typeof intentSchema>;

/** Written once, when the deliveries journal is created: older notices are history, not news. */
export const metaSchema = z.object({ t: z.literal('m'), epoch: instant });

/** The idempotency key of a delivery: one per subscriber per intent. */
export function deliveryId(subscriberId: string, intentKey: string): string {
  return `${subscriberId}.${intentKey.replace(/:/g, '.')}`;
}

/**
 * Whether a subscriber receives a notice about these components: confirmed,
 * not bounced, and following them (domain/components/following.ts).
 */
export function wantsMail(s: Subscriber, componentIds: readonly string[], existing: ReadonlySet<string>): boolean {
  if (s.state !== 'confirmed' || s.suppressed !== null) return false;
  return follows(s.components, componentIds, existing);
}

/** How long a confirmation link works. */
export const CONFIRM_TTL_MS = 48 * 3600_000;

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

/**
 * Where a genuine confirmation link stands, the same for the page's GET and
 * its POST. The link is signed over the request it was sent for, but
 * unsubscribing does not make a new request, so the state is checked too:
 * only a pending subscription is confirmed, an unsubscribed address stays so
 * until it subscribes again (a new request, a new link), and an expired link
 * is expired whatever the state, so it cannot hand out manage links for ever.
 */
export type ConfirmationStanding = 'pending' | 'confirmed' | 'unsubscribed' | 'expired';

export function confirmationStanding(s: Subscriber, now: Date): ConfirmationStanding {
  if (now.getTime() - Date.parse(s.requested_at) > CONFIRM_TTL_MS) return 'expired';
  return s.state;
}

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
  return { ...s, state: 'confirmed', confirmed_at: now.toISOString(), updated_at: now.toISOString() };
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

/**
 * The email answering a subscriber's current request: one per request, so its id names the request. What it
 * is was decided with the request, by the address's state then, and its id says which: a confirmation
 * (`<id>.confirm.<n>`), or for an address already confirmed a note with its manage link
 * (`<id>.subscribed.<n>`; see Composer.compose).
 */
export function confirmationDelivery(s: Pick<Subscriber, 'id' | 'confirms' | 'state'>, at: string): Delivery {
  const what = s.state === 'confirmed' ? 'subscribed' : 'confirm';
  return queuedDelivery({ id: `${s.id}.${what}.${s.confirms}`, sub: s.id, intent: 'confirm', kind: 'confirm', created_at: at });
}

/** Whether a confirmation delivery answers a request of an address already confirmed (confirmationDelivery). */
export const isSubscribedNote = (d: Pick<Delivery, 'id' | 'sub'>): boolean => d.id.startsWith(`${d.sub}.subscribed.`);
