import type { HeraldCore } from '../herald.ts';
import type { Delivery } from '../store/mail/model.ts';
import type { Claimed } from '../store/mail/pg-claims.ts';
import type { SharedMail } from '../store/mail/open.ts';
import type { Mailer } from './transport.ts';
import { type Composer, INTENT_GONE, NOT_FOLLOWED } from './compose.ts';
import { type BatchOptions, sendClaimed } from './claimed-batch.ts';
import type { OutageGrace } from './outage-grace.ts';
import { backoffMs, classify, describe, isHeld, isUnknownMailbox } from './classify.ts';
import { outcome } from './delivery-outcome.ts';
import type { Sending } from './service.ts';
import { caughtUp } from '../store/document-store.ts';

/** Deliveries one replica claims at a time: with outcomes recorded as they come, small enough to finish well inside a lease. */
const MAX_CLAIM = 256;

/** What the shared outbox (shared-outbox.ts) shares with this replica's sending. */
export interface SendingContext {
  herald: HeraldCore;
  mail: SharedMail;
  mailer: Mailer;
  sending: Sending;
  /** Made once the link key is read; null until then. */
  composer: () => Composer | null;
  replica: string;
  leaseMs: number;
  /** Sends at once (the mailer's window). */
  concurrency: number;
  /** Fed by the shared outbox's poll: whether a gone replica's claims may be taken over. */
  grace: OutageGrace;
  /** Writes this replica's own pause (see shared-outbox.ts). */
  ownWrite: (write: () => Promise<void>) => Promise<void>;
  stopped: () => boolean;
}

/**
 * This replica's sending from the shared outbox: it claims due deliveries a batch at a time, sends them and
 * records what became of each, the queue paused on every replica at a mail setup error. Returns the drain,
 * which runs until nothing is due or sending stops.
 */
export function sharedSending(ctx: SendingContext): () => Promise<void> {
  const { herald, mailer, sending, composer, replica, leaseMs, concurrency, grace, ownWrite, stopped } = ctx;
  const { config: cfg, log, now } = herald;
  const { subscribers, outbox } = ctx.mail;

  /** What became of one claimed delivery: its new record, or null when it stays queued (sending paused, or the document unreadable). */
  const sendOne = async ({ delivery: d, subscriber }: Claimed): Promise<Delivery | null> => {
    let built = await composer()!.compose(d, subscriber, herald.store.data);
    if ('skip' in built && (built.skip === INTENT_GONE || built.skip === NOT_FOLLOWED)) {
      // The leader fanned out a notice this replica's copy of the document may not hold yet: another replica's
      // change arrives a moment after its commit (a notification, then a read), seconds on a busy machine. Read
      // it now before calling the incident gone, or its components not followed (a component just created and
      // chosen); if it cannot be read, the delivery stays queued.
      const current = await caughtUp(herald.store);
      if (!current) return null;
      built = await composer()!.compose(d, subscriber, herald.store.data);
    }
    // Paused while its message was being made: the mailer's hold came too early to give it back.
    if (sending.paused) return null;
    if ('skip' in built) return outcome.skipped(d, built.skip, now().toISOString());
    try {
      await mailer.send(d.id, built.message, { urgent: d.kind === 'confirm' });
      // Mail goes out again: a failure before this one no longer says why mail waits.
      sending.lastError = null;
      return outcome.sent(d, now().toISOString());
    } catch (e) {
      const err = e as Error;
      // Given back unattempted by the paused mailer: it stays queued as it was.
      if (isHeld(err)) return null;
      const error = describe(err);
      const attempts = d.attempts + 1;
      const tried = now().toISOString();
      sending.lastError = { delivery: d.id, error, at: tried };
      const verdict = classify(err);
      if (verdict === 'halt') {
        // Held on every halt, paused or not: the SMTP thread gives back what it is handed until then.
        mailer.hold();
        if (!sending.paused) {
          sending.paused = { reason: error, at: now().toISOString() };
          log(
            `[outbox] queue paused on every replica: ${error}. Fix the mail settings (or wait for the relay's sending limit to reset), then resume it (POST /api/admin/deliveries/resume).`,
          );
          await ownWrite(() => outbox.pause(error, now())).catch(() => {});
        }
        return null;
      }
      if (verdict === 'permanent' || attempts >= cfg.MAIL_MAX_ATTEMPTS) {
        if (isUnknownMailbox(err)) await subscribers.suppress(d.sub, error, now()).catch(() => {});
        return outcome.failed(d, attempts, error, tried);
      }
      return outcome.retry(d, attempts, error, tried, now().getTime() + backoffMs(attempts, cfg.MAIL_RETRY_BASE_MS, cfg.MAIL_RETRY_MAX_MS));
    }
  };

  /** Claims, sends and records batches (src/notify/claimed-batch.ts) until nothing is due or sending stops. */
  const batch: BatchOptions = {
    outbox,
    replica,
    leaseMs,
    concurrency,
    stopped,
    paused: () => sending.paused !== null,
    sendOne,
  };
  const drain = async (): Promise<void> => {
    while (!stopped() && !sending.paused && composer()) {
      const claimed = await outbox.claim(
        replica,
        Math.min(concurrency * 2, MAX_CLAIM),
        leaseMs,
        now().getTime(),
        grace.takeOver(Date.now()),
      );
      if (claimed.length === 0) return;
      await sendClaimed(claimed, batch);
    }
  };
  return drain;
}
