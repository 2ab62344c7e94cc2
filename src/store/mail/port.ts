import type { Delivery, Intent, Subscriber, SubscriberState } from './model.ts';
import type { RequestOutcome } from './subscribe-request.ts';
import type { TokenPurpose } from './tokens.ts';
import type { IntentCounts } from './ledger.ts';
import type { FollowsNotice, LeftFailed, Unreachable } from './unreachable.ts';

/**
 * The mail part of the storage port: subscribers and what the outbox holds,
 * the same on both engines. The embedded engine keeps them in DATA_DIR's
 * journals and in memory (embedded.ts); PostgreSQL keeps them in tables
 * shared by every replica, and reads them per request (pg-subscribers.ts,
 * pg-outbox.ts). Everything is async, because on PostgreSQL it is a query.
 */
export interface SubscriberStore {
  /** A subscribe request: creates, renews or leaves alone (see RequestOutcome). */
  request(email: string, components: string[], now: Date): Promise<RequestOutcome>;
  /** Throws Busy (503) when a subscribe request would have to wait for too many others. */
  assertRoom(): void;
  confirm(token: string, now: Date): Promise<Subscriber>;
  unsubscribe(token: string, now: Date): Promise<Subscriber>;
  setComponents(token: string, components: string[], now: Date): Promise<Subscriber>;
  /** Stops all mail to an address that hard-bounced. */
  suppress(id: string, reason: string, now: Date): Promise<void>;
  /**
   * Lifts a suppression (admin): the subscriber as it was before and as it is now, the same record when it
   * was not suppressed. NotFound when there is none.
   */
  unsuppress(id: string, now: Date): Promise<{ before: Subscriber; after: Subscriber }>;
  /** Removes a subscriber for good; NotFound when there is none. */
  remove(id: string): Promise<void>;
  get(id: string): Promise<Subscriber | undefined>;
  /** The subscriber a link token belongs to, if it is genuine for that purpose. */
  resolve(purpose: TokenPurpose, token: string): Promise<Subscriber | null>;
  link(purpose: TokenPurpose, s: Subscriber): string;
  /**
   * Whether a token is a genuine unsubscribe link, whether or not its subscriber is still stored: one
   * removed since (by the retention rule, or the admin) gets no more email, and its old emails' links say so.
   */
  vouchesUnsubscribe(token: string): boolean;
  /** The console's and the admin API's list: newest first, filtered, one page of it, with the totals. */
  search(query: SubscriberSearch): Promise<SubscriberPage>;
  /**
   * How many confirmed, deliverable subscribers a notice about these components reaches, given the
   * components that exist (wantsMail: a follower of only deleted components hears about everything).
   */
  countRecipients(componentIds: readonly string[], existingIds: readonly string[]): Promise<number>;
}

export interface SubscriberSearch {
  /** Part of the address, lower case ('' for any). */
  q: string;
  state: SubscriberState | null;
  offset: number;
  limit: number;
}

export interface SubscriberPage {
  rows: Subscriber[];
  /** How many match the query. */
  total: number;
  /** Every subscriber by state, whatever the query. */
  counts: Record<SubscriberState, number>;
}

/** A notice being or having been fanned out, with its deliveries by state. */
export type NoticeProgress = Intent & IntentCounts;

/** A failed delivery with the address it was for (null once the subscriber is removed). */
export interface FailedDelivery {
  delivery: Delivery;
  email: string | null;
  /**
   * Why nothing can send it again now (its subscriber removed, unsubscribed, or suppressed), or null. Whether its
   * subscriber still follows its notice is the notify layer's to add (owed-notices.ts), from `components`.
   */
  unreachable: Unreachable | null;
  /** The components its subscriber follows now (null once removed). */
  components: readonly string[] | null;
}

/**
 * The outbox at one moment: the newest notices, the confirmations, the newest failures (with the address
 * they were for) and how many there are in all, and how many deliveries wait to be sent (now or at a retry time).
 */
export interface OutboxOverview {
  notices: NoticeProgress[];
  confirmations: IntentCounts;
  failed: FailedDelivery[];
  failedTotal: number;
  waiting: number;
}

/** A notice's failed deliveries as a "retry all" finds them (OutboxView.failedIds). */
export interface FailedIds {
  ids: string[];
  /** The failed ones nothing can send to their subscriber now, by reason (unreachable.ts). */
  left: LeftFailed;
}

/** Which failures to list: those whose address contains `q` (lower case; '' for all), newest first, one page. */
export interface FailureQuery {
  q: string;
  offset: number;
  limit: number;
}

/** One page of failures, and how many match in all. */
export interface FailurePage {
  rows: FailedDelivery[];
  total: number;
}

/** What a retry did: queued the delivery again, or found it already queued or sent. */
export type Retried = { requeued: Delivery } | { already: 'queued' | 'sent' };

/** What the console and the admin API read of the outbox, and the one change they make. */
export interface OutboxView {
  /** The newest notices first, at most `limit` (the dashboard's). */
  notices(limit: number): Promise<NoticeProgress[]>;
  /**
   * These notices (intent keys), however old: what an incident's page says of its own notices, which a busy
   * outbox may have pushed out of the newest `limit`. A key the outbox has not begun is left out.
   */
  noticesOf(keys: readonly string[]): Promise<NoticeProgress[]>;
  /** Every notice about one incident or window (by id), oldest first: what a withdrawn incident's page says was emailed. */
  noticesAbout(incident: string): Promise<NoticeProgress[]>;
  /** The outbox as of one moment, so that the counts and the list of failures agree. */
  overview(limits: { notices: number; failed: number }): Promise<OutboxOverview>;
  /** How many deliveries wait to be sent, those being sent included: the overview's `waiting`, read alone. */
  waiting(): Promise<number>;
  /**
   * The ids of a notice's failed deliveries (by intent key) that can be sent to their subscriber now, oldest
   * first: what a "retry all" takes on; and how many failed ones nothing can send (unreachable.ts), by reason.
   */
  failedIds(intent: string, follows: FollowsNotice): Promise<FailedIds>;
  /**
   * Queues again those of `ids` still failed that can still be sent to their subscriber (one removed,
   * unsubscribed or suppressed meanwhile, or who chose other components, is left failed), and returns them. Called with the ids failedIds gave, a batch
   * at a time, so a notice with 10,000 failures never holds the event loop (or a transaction) for all of
   * them, and a delivery that fails again meanwhile is not taken up twice by the same retry.
   */
  retryFailed(ids: string[], follows: FollowsNotice): Promise<Delivery[]>;
  /** Failed deliveries, newest first, searched by address in the store (not in a page of them). */
  failures(query: FailureQuery): Promise<FailurePage>;
  /** When the outbox began (null before its start): notices owed since then are news. Written once, never changed. */
  began(): Promise<string | null>;
  /** Which of these notices (intent keys) the outbox has begun to fan out. */
  begun(keys: readonly string[]): Promise<Set<string>>;
  /**
   * Queues a failed delivery again. One already queued (a retry clicked twice) or sent is left as it is and
   * said so: a repeated retry is no error. NotFound when there is none (on the embedded engine also a sent
   * one whose id compaction has dropped). `sendable` says whether the delivery's notice can still be sent (its
   * incident not withdrawn since); one that cannot is refused, as one of a removed subscriber is.
   */
  retry(id: string, sendable: (d: Delivery) => boolean, follows: FollowsNotice): Promise<Retried>;
}
