import { z } from 'zod';
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
  /**
   * When it was last tried (sent, refused, or found unsendable), so a failure says when it happened. Absent
   * from lines written before it existed: null, not known.
   */
  last_attempt_at: instant.nullable().default(null),
});
export type Delivery = z.infer<typeof deliverySchema>;

/** A delivery as it is created: queued, never tried. */
export function queuedDelivery(d: Pick<Delivery, 'id' | 'sub' | 'intent' | 'kind' | 'created_at'>): Delivery {
  return { t: 'd', ...d, state: 'queued', attempts: 0, last_error: null, next_at: null, sent_at: null, last_attempt_at: null };
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
