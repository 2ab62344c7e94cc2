import { join } from 'node:path';
import type { HeraldCore } from '../herald.ts';
import { Conflict, Invalid, NotFound, RateLimited } from '../domain/errors.ts';
import { Journal } from '../store/journal.ts';
import { LinkTokens } from '../store/mail/tokens.ts';
import { CONFIRM_TTL_MS, SubscriberBook } from '../store/mail/subscriber-book.ts';
import { DeliveryLedger } from '../store/mail/ledger.ts';
import { createMailer, type Mailer } from './transport.ts';
import { Composer } from './compose.ts';
import { Sender } from './sender.ts';
import { FanOut } from './fanout.ts';
import { WindowLimiter } from '../http/rate-limit.ts';
import { wants } from './intents.ts';
import type { SubscribeInput } from '../input/subscribe.ts';
import { queuedDelivery, type Delivery, type Subscriber } from '../store/mail/model.ts';
import { removeStaleTempFiles } from '../store/durable-file.ts';

/** Everything email: the subscriber book, the outbox and its worker. One per Herald. */
export interface Notify {
  book: SubscriberBook;
  ledger: DeliveryLedger;
  sender: Sender;
  fanout: FanOut;
  mailer: Mailer;
  /** Resolves once queued deliveries are resumed and the first fan-out pass ran. */
  ready: Promise<void>;
  subscribe(input: SubscribeInput, clientIp: string): Promise<void>;
  countRecipients(componentIds: readonly string[]): number;
  retry(deliveryId: string): Promise<Delivery>;
}

/**
 * Opens DATA_DIR/subscribers.jsonl and deliveries.jsonl (synchronously: once,
 * at start), starts the worker and registers its shutdown on the Herald.
 */
export function openNotify(herald: HeraldCore): Notify {
  const cfg = herald.config;
  const log = herald.log;
  const subscribersFile = join(cfg.dataDir, 'subscribers.jsonl');
  const deliveriesFile = join(cfg.dataDir, 'deliveries.jsonl');
  // A compaction killed midway leaves its temp file; the DATA_DIR lock says none is being written now.
  for (const f of [subscribersFile, deliveriesFile]) removeStaleTempFiles(f);
  const book = new SubscriberBook(new Journal(subscribersFile), LinkTokens.open(cfg.dataDir));
  const ledger = new DeliveryLedger(new Journal(deliveriesFile));
  const mailer = createMailer(cfg);
  const composer = new Composer(cfg, book);
  const sender = new Sender({
    ledger,
    mailer,
    composer,
    log,
    db: () => herald.store.data,
    now: herald.now,
    concurrency: mailer.window ?? 4,
    retryBaseMs: cfg.MAIL_RETRY_BASE_MS,
    retryMaxMs: cfg.MAIL_RETRY_MAX_MS,
    maxAttempts: cfg.MAIL_MAX_ATTEMPTS,
    suppress: (id, reason) => book.suppress(id, reason, herald.now()),
  });
  const fanout = new FanOut({ db: () => herald.store.data, now: herald.now, book, ledger, sender, log });
  const windowMs = cfg.SUBSCRIBE_LIMIT_WINDOW_SECONDS * 1000;
  // Neither refuses new keys once full (see WhenFull): a long outage brings more new addresses (and
  // IPs) per window than they keep. A flooding IP stays counted; an address's counter may be forgotten
  // when it is the oldest, which lets it through a little early.
  const perIp = new WindowLimiter({ limit: cfg.SUBSCRIBE_LIMIT_PER_IP, windowMs, whenFull: 'evict-open' });
  const perAddress = new WindowLimiter({ limit: cfg.SUBSCRIBE_LIMIT_PER_ADDRESS, windowMs, whenFull: 'evict' });

  /** The confirmation email of a subscriber's current request: one delivery per request, created once. */
  const queueConfirmation = async (s: Subscriber): Promise<void> => {
    const d = queuedDelivery({
      id: `${s.id}.confirm.${s.confirms}`,
      sub: s.id,
      intent: 'confirm',
      kind: 'confirm',
      created_at: herald.now().toISOString(),
    });
    // Checked and marked in one step (no await between): the start-up resume and a new request cannot both create it.
    const created = ledger.create(d);
    if (!created) return;
    await created;
    sender.enqueue([d]);
  };

  const ready = (async () => {
    await ledger.init(herald.now());
    sender.enqueue(ledger.queued());
    // A confirmation lost between the subscriber's record and its delivery (a crash, a full disk) is made again.
    const since = herald.now().getTime() - CONFIRM_TTL_MS;
    // All made in one pass and written together (one group commit), not one fsync after another.
    const resumed: Array<Promise<void>> = [];
    for (const s of book.all()) {
      if (s.state === 'pending' && s.suppressed === null && Date.parse(s.requested_at) > since) resumed.push(queueConfirmation(s));
    }
    await Promise.all(resumed);
    await fanout.kick();
  })();
  const unwatch = herald.store.onChange(() => void fanout.kick());
  const compactor = setInterval(() => {
    void book.compactIfWorthIt().catch((e: Error) => log(`[outbox] compaction failed: ${e.message}`));
    void ledger.compactIfWorthIt(false, herald.now()).catch((e: Error) => log(`[outbox] compaction failed: ${e.message}`));
  }, 60_000);
  compactor.unref();

  const notify: Notify = {
    book,
    ledger,
    sender,
    fanout,
    mailer,
    ready,

    async subscribe(input, clientIp) {
      // An address is counted only once its sender passed the per-IP limit: a flood from
      // one client cannot use up (or reset) the counters of addresses it does not own.
      // A request that could not even wait for the disk (too many already do) is refused first, counted nowhere.
      book.assertRoom();
      const ipWait = perIp.hit(`ip:${clientIp}`);
      if (ipWait > 0) throw new RateLimited(ipWait);
      const addressWait = perAddress.hit(input.email.toLowerCase());
      if (addressWait > 0) throw new RateLimited(addressWait);
      const known = new Set(herald.store.data.components.map((c) => c.id));
      const unknown = input.components.find((c) => !known.has(c));
      if (unknown !== undefined) throw new Invalid(`Unknown component ${unknown}.`, 'components');
      // The answer waits for one durable append, whatever the address's state (no timing tell);
      // the confirmation is queued after the reply (and rebuilt at start if that is lost).
      const { subscriber, sendConfirm } = await book.request(input.email, [...new Set(input.components)], herald.now());
      if (sendConfirm)
        setImmediate(
          () =>
            void queueConfirmation(subscriber).catch((e: Error) =>
              log(`[outbox] confirmation for ${subscriber.id} not queued yet: ${e.message}`),
            ),
        );
    },

    countRecipients(componentIds) {
      let n = 0;
      for (const s of book.all()) if (wants(s, componentIds)) n++;
      return n;
    },

    async retry(id) {
      const d = ledger.deliveries.get(id);
      if (!d) throw new NotFound(`No delivery ${id}.`);
      if (d.state !== 'failed') throw new Conflict(`Delivery ${id} is ${d.state}; only failed deliveries can be retried.`);
      const again: Delivery = { ...d, state: 'queued', attempts: 0, next_at: null };
      await ledger.save(again);
      sender.enqueue([again]);
      return again;
    },
  };
  herald.onClose(async () => {
    unwatch();
    clearInterval(compactor);
    await fanout.stop();
    await ready.catch(() => {});
    await sender.stop();
    mailer.close();
    await book.close();
    await ledger.close();
  });
  return notify;
}
