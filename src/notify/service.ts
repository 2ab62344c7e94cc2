import type { HeraldCore } from '../herald.ts';
import { Invalid, NotFound, RateLimited } from '../domain/errors.ts';
import { validId } from '../input/ids.ts';
import type { SubscribeInput } from '../input/subscribe.ts';
import type { Delivery, Subscriber } from '../store/mail/model.ts';
import type { OutboxView, Retried, SubscriberStore } from '../store/mail/port.ts';
import type { SubscriberBook } from '../store/mail/subscriber-book.ts';
import type { DeliveryLedger } from '../store/mail/ledger.ts';
import { createMailer, type Mailer } from './transport.ts';
import type { PauseState, Sender } from './sender.ts';
import type { FanOut } from './fanout.ts';
import { openLocalOutbox } from './local-outbox.ts';
import { openSharedOutbox } from './shared-outbox.ts';
import { existingIds } from '../domain/components/following.ts';
import { owedOutbox } from './owed-notices.ts';
import type { SubscribeLimits } from './subscribe-limits.ts';
import { intentsByKey, stillSendable } from './intents.ts';
import type { LeftFailed } from '../store/mail/unreachable.ts';
import { followsNotices } from './follows-notices.ts';
import { unknownComponent } from '../domain/components/unknown.ts';

/** How many failed deliveries one turn of a "retry all" queues again. */
const RETRY_BATCH = 500;

/**
 * What a "retry all" of a notice did: queued again, and left failed because nothing can send them (`left`: a
 * subscriber removed, unsubscribed or suppressed since; the rest, `noticeGone`, when the notice's incident was
 * withdrawn since).
 */
export interface RetriedAll {
  requeued: number;
  left: LeftFailed;
  noticeGone: number;
}

/** This process's sending: paused after a setup error (until resumed), and the last error it met. */
export interface Sending {
  paused: PauseState | null;
  lastError: { delivery: string; error: string; at: string } | null;
  /** Resumes sending; rejects when the resume could not be saved (Unavailable: PostgreSQL out of reach), and the pause then stands. */
  resume(): Promise<void>;
}

/** Email on one storage engine: what openNotify builds the service from. */
export interface MailEngine {
  subscribers: SubscriberStore;
  outbox: OutboxView;
  sending: Sending;
  /** Resolves once requests can be served (on PostgreSQL: the shared link key is read); Herald waits for it at start. */
  opened: Promise<void>;
  /** Resolves once queued deliveries are resumed and the first fan-out pass ran. */
  ready: Promise<void>;
  /**
   * Queues the email answering a subscriber's current request (created once, however often called): a
   * confirmation, or for a confirmed address a note with its manage link.
   */
  queueConfirmation(s: Subscriber): Promise<void>;
  /** A delivery the Comms Lead queued again: send it. */
  requeued(d: Delivery): void;
  /** Runs a fan-out pass now (or after the current one). */
  kick(): Promise<void>;
  /** Counts subscribe requests (per client address, then per address: subscribe-limits.ts), in memory or across replicas. */
  limits: SubscribeLimits;
  /**
   * The periodic housekeeping, run now (the engine's timer runs it; tests call it rather than wait): the
   * retention rule (store/mail/retention.ts), then on the embedded engine the journals' compaction, which
   * takes the erased addresses out of subscribers.jsonl; on PostgreSQL (the leader's timer) also the sweep
   * of ended subscribe-limit windows.
   */
  sweep(): Promise<void>;
  /** The embedded engine's parts, for tests and benchmarks that look inside. */
  local?: { book: SubscriberBook; ledger: DeliveryLedger; sender: Sender; fanout: FanOut };
  close(): Promise<void>;
}

/** Everything email: subscribers, the outbox and its workers. One per Herald. */
export interface Notify extends Omit<MailEngine, 'queueConfirmation' | 'requeued' | 'limits' | 'close'> {
  mailer: Mailer;
  subscribe(input: SubscribeInput, clientIp: string): Promise<void>;
  /** Queues a failed delivery again (see OutboxView.retry: one already queued or sent is said so, not refused). */
  retry(deliveryId: string): Promise<Retried>;
  /**
   * Queues every failed delivery of a notice again, in batches: how many, and how many were left failed because
   * their subscriber was removed. Null when the outbox knows no such notice.
   */
  retryAllFailed(intent: string): Promise<RetriedAll | null>;
}

/**
 * Opens email on the storage engine Herald runs on (DATA_DIR's journals, or
 * PostgreSQL's tables shared by the replicas) and registers its shutdown.
 * Without `workers` nothing is fanned out or sent (see OpenOptions).
 */
export function openNotify(herald: HeraldCore, workers = true): Notify {
  const followsNow = () => followsNotices(herald.store.data);
  const mailer = createMailer(herald.config);
  const mail = herald.storage.openMail();
  const engine =
    mail.engine === 'postgres' ? openSharedOutbox(herald, mail, mailer, workers) : openLocalOutbox(herald, mail, mailer, workers);
  herald.onClose(() => engine.close());
  const { queueConfirmation, requeued, limits, close: _close, ...exposed } = engine;
  return {
    ...exposed,
    outbox: owedOutbox(engine.outbox, () => herald.store.data),
    mailer,

    async subscribe(input, clientIp) {
      // A request that could not even wait for the disk (too many already do) is refused first, counted nowhere.
      engine.subscribers.assertRoom();
      const clientWait = await limits.client(clientIp);
      if (clientWait > 0) throw new RateLimited(clientWait);
      // An address is counted only once its sender passed the per-IP limit (a flood from one client cannot use
      // up or reset the counters of addresses it does not own), and only for a request that can be answered with
      // an email: an old form naming a deleted component must not lock its owner's retry out.
      const known = existingIds(herald.store.data);
      const unknown = input.components.find((c) => !known.has(c));
      if (unknown !== undefined) throw new Invalid(unknownComponent(herald.store.data, unknown, false), 'components');
      const addressWait = await limits.address(input.email);
      if (addressWait > 0) throw new RateLimited(addressWait);
      // The answer waits for one durable write, whatever the address's state (no timing tell); the email is
      // queued after the reply. A confirmation lost here is rebuilt at start; an already-subscribed note is
      // not (nothing records that it was due), and asking again sends one.
      const { subscriber, sendMail } = await engine.subscribers.request(input.email, [...new Set(input.components)], herald.now());
      if (sendMail)
        setImmediate(
          () =>
            void queueConfirmation(subscriber).catch((e: Error) =>
              herald.log(`[outbox] the email answering ${subscriber.id}'s request was not queued: ${e.message}`),
            ),
        );
    },

    async retryAllFailed(intent) {
      if ((await engine.outbox.begun([intent])).size === 0) return null;
      // The failures as they stand now: one that fails again while this runs is not taken up twice.
      const { ids, left } = await engine.outbox.failedIds(intent, followsNow());
      // Its incident withdrawn since: the sender would drop each again at once, as "no longer exists".
      if (!stillSendable(intentsByKey(herald.store.data), intent)) return { requeued: 0, left, noticeGone: ids.length };
      let n = 0;
      for (let i = 0; i < ids.length; i += RETRY_BATCH) {
        const batch = await engine.outbox.retryFailed(ids.slice(i, i + RETRY_BATCH), followsNow());
        for (const d of batch) requeued(d);
        n += batch.length;
        // Lets requests in between batches: 10,000 failures are 20 short turns, not one long one.
        await new Promise((r) => setImmediate(r));
      }
      // A delivery whose subscriber was removed (or unsubscribed) between the look-up and its batch is left failed, not counted here.
      return { requeued: n, left, noticeGone: 0 };
    },

    async retry(id) {
      // An id no delivery can have (a NUL byte) is not looked up: it is nobody's, on either engine.
      if (!validId(id)) throw new NotFound('No delivery has that id.');
      const again = await engine.outbox.retry(id, (d) => stillSendable(intentsByKey(herald.store.data), d.intent), followsNow());
      if ('requeued' in again) requeued(again.requeued);
      return again;
    },
  };
}
