import type { HeraldCore } from '../herald.ts';
import type { EmbeddedMail } from '../store/mail/open.ts';
import { embeddedOutbox, embeddedSubscribers } from '../store/mail/embedded.ts';
import { CONFIRM_TTL_MS, confirmationDelivery, type Subscriber } from '../store/mail/model.ts';
import { eraseStaleEmbedded } from '../store/mail/retention.ts';
import { WindowLimiter } from '../http/rate-limit.ts';
import type { Mailer } from './transport.ts';
import { Composer } from './compose.ts';
import { Sender } from './sender.ts';
import { FanOut } from './fanout.ts';
import type { MailEngine } from './service.ts';
import { subscribeLimits } from './subscribe-limits.ts';
import { limitKeys } from '../store/mail/limit-keys.ts';

/**
 * Email on the embedded engine: the subscriber book and the delivery ledger
 * (src/store/mail, journals in DATA_DIR), the fan-out and the sender in this
 * process, and subscribe limits in its memory.
 */
export function openLocalOutbox(herald: HeraldCore, mail: EmbeddedMail, mailer: Mailer, workers = true): MailEngine {
  const cfg = herald.config;
  const log = herald.log;
  const { book, ledger } = mail;
  const sender = new Sender({
    ledger,
    mailer,
    composer: new Composer(cfg, book.tokens),
    subscriber: (id) => book.get(id),
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
  const limiters = {
    ip: new WindowLimiter({ limit: cfg.SUBSCRIBE_LIMIT_PER_IP, windowMs, whenFull: 'evict-open' }),
    address: new WindowLimiter({ limit: cfg.SUBSCRIBE_LIMIT_PER_ADDRESS, windowMs, whenFull: 'evict' }),
    day: new WindowLimiter({ limit: cfg.SUBSCRIBE_LIMIT_PER_ADDRESS_PER_DAY, windowMs: 86_400_000, whenFull: 'evict' }),
  };

  /** The confirmation email of a subscriber's current request: one delivery per request, created once. */
  const queueConfirmation = async (s: Subscriber): Promise<void> => {
    const d = confirmationDelivery(s, herald.now().toISOString());
    // Checked and marked in one step (no await between): the start-up resume and a new request cannot both create it.
    const created = ledger.create(d);
    if (!created) return;
    await created;
    sender.enqueue([d]);
  };

  const ready = (async () => {
    await ledger.init(herald.now());
    // Reading only (see OpenOptions.workers): what is queued stays queued for the service.
    if (!workers) return;
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
  // Awaited by whoever needs it (tests, shutdown); a failure here (a full disk) must not end the process.
  ready.catch((e: Error) => log(`[outbox] not started: ${e.message}`));
  const unwatch = workers ? herald.store.onChange(() => void fanout.kick()) : () => {};
  const sweep = async (): Promise<void> => {
    const failed = (e: Error) => log(`[outbox] compaction failed: ${e.message}`);
    // Erased first: the book's compaction right after rewrites subscribers.jsonl without their addresses.
    await eraseStaleEmbedded(book, ledger, herald.now()).then(
      (ids) => {
        if (ids.length === 0) return;
        void mailer.forget(ids);
        log(`[outbox] erased ${ids.length} subscriber(s) past retention (never confirmed, or unsubscribed long ago)`);
      },
      (e: Error) => log(`[outbox] retention failed: ${e.message}`),
    );
    await Promise.all([book.compactIfWorthIt().catch(failed), ledger.compactIfWorthIt(false, herald.now()).catch(failed)]);
  };
  const compactor = setInterval(() => {
    if (workers) void sweep();
  }, 60_000);
  compactor.unref();

  return {
    subscribers: embeddedSubscribers(book),
    outbox: embeddedOutbox(ledger, book, () => sender.unsent),
    sending: sender,
    opened: Promise.resolve(),
    ready,
    queueConfirmation,
    sweep,
    requeued: (d) => sender.enqueue([d]),
    kick: () => fanout.kick(),
    limits: subscribeLimits(
      cfg,
      limitKeys(() => book.tokens),
      ({ kind, key }) => limiters[kind].hit(key),
    ),
    local: { book, ledger, sender, fanout },
    async close() {
      unwatch();
      clearInterval(compactor);
      await fanout.stop();
      await ready.catch(() => {});
      await sender.stop();
      mailer.close();
      // Outcomes a full disk refused, written now if it has room again: else a restart sends them again.
      await ledger.writeBehind().catch((e: Error) => log(`[outbox] ${e.message} Unrecorded outcomes are sent again after the restart.`));
      await book.close();
      await ledger.close();
    },
  };
}
