import type { Db } from '../domain/model.ts';
import type { Delivery, Subscriber } from '../store/mail/model.ts';
import type { DeliveryLedger } from '../store/mail/ledger.ts';
import type { Mailer } from './transport.ts';
import type { Composer } from './compose.ts';
import { backoffMs, classify, describe, isHeld, isUnknownMailbox } from './classify.ts';
import { WaitingDeliveries } from './waiting-deliveries.ts';
import { outcome } from './delivery-outcome.ts';

export interface SenderOptions {
  ledger: DeliveryLedger;
  mailer: Mailer;
  composer: Composer;
  /** The subscriber a delivery is for, as stored now. */
  subscriber: (id: string) => Subscriber | undefined;
  db: () => Db;
  now: () => Date;
  log: (line: string) => void;
  /** Messages in flight at once (the pool's connections are kept busy, memory stays bounded). */
  concurrency: number;
  retryBaseMs: number;
  retryMaxMs: number;
  maxAttempts: number;
  /** Called when an address hard-bounced. */
  suppress: (subscriberId: string, reason: string) => Promise<void>;
}

export interface PauseState {
  reason: string;
  at: string;
}

/**
 * Sends queued deliveries with bounded concurrency. Each outcome is saved to
 * the ledger after the server accepted (or refused) the message; a crash in
 * between leaves the delivery queued, so it is sent again after the restart
 * with the same Message-ID (at-least-once). A 'halt' verdict pauses the whole
 * queue until `resume()` (or a restart): the problem is the setup, not the message.
 *
 * A delivery id is held at most once, whoever enqueues it and however often:
 * waiting (waiting-deliveries.ts) or in flight; so one delivery is never sent
 * twice at once.
 */
export class Sender {
  private readonly o: SenderOptions;
  private readonly held = new WaitingDeliveries();
  /** Retries waiting for their time: id → when. */
  private readonly waiting = new Map<string, number>();
  private readonly inFlight = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private armedAt = Infinity;
  private stopped = false;
  paused: PauseState | null = null;
  lastError: { delivery: string; error: string; at: string } | null = null;
  private idleWaiters: Array<() => void> = [];

  constructor(o: SenderOptions) {
    this.o = o;
  }

  /** Queues deliveries to send now (or at their next_at); one already held (queued, waiting, in flight) is left as it is. */
  enqueue(ds: readonly Delivery[]): void {
    const now = this.o.now().getTime();
    for (const d of ds) {
      if (d.state !== 'queued' || this.held.has(d.id) || this.inFlight.has(d.id)) continue;
      this.held.hold(d);
      if (d.next_at !== null && d.next_at > now) this.later(d.id, d.next_at);
      else this.held.queue(d.id);
    }
    this.pump();
  }

  /**
   * Resumes sending, once what the pause left in memory only (outcomes whose append failed on a full disk)
   * is written: rejects (Unavailable) if it still cannot be, and the pause stands. Deliveries whose retry
   * was being recorded when the pause came are in no lane, and are queued again.
   */
  async resume(): Promise<void> {
    if (!this.paused) return;
    await this.o.ledger.writeBehind();
    if (!this.paused) return;
    this.o.log(`[outbox] queue resumed (was paused: ${this.paused.reason})`);
    this.paused = null;
    this.enqueue(this.o.ledger.queued());
  }

  /** Resolves when nothing is in flight (for shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    // What the SMTP thread holds but has not begun goes back unattempted, for the restart: begun at a slow relay's
    // pace until the wait below ran out, the messages then on the wire were cut, some accepted, and sent again.
    if (this.inFlight.size > 0) this.o.mailer.hold();
    // In-flight sends get a few seconds to finish and be recorded; a hung server must not block shutdown
    // (an unrecorded send is resent after the restart: the at-least-once bound).
    if (this.inFlight.size > 0) {
      await new Promise<void>((r) => {
        this.idleWaiters.push(r);
        setTimeout(r, 5000).unref();
      });
    }
  }

  /** Deliveries waiting to be sent (now or at a retry time), not counting those in flight. */
  get pending(): number {
    return this.held.size;
  }

  /** Deliveries waiting to be sent and those being sent: what the deliveries page counts as waiting. */
  get unsent(): number {
    // One put back (a paused queue) is held again a moment before it leaves the in-flight set: counted once.
    let sending = 0;
    for (const id of this.inFlight) if (!this.held.has(id)) sending++;
    return this.held.size + sending;
  }

  /** Deliveries of one intent (a notice's key, or 'confirm') waiting to be sent. */
  pendingFor(intent: string): number {
    return this.held.pendingFor(intent);
  }

  private pump(): void {
    while (!this.stopped && !this.paused && this.inFlight.size < this.o.concurrency) {
      const id = this.held.take();
      if (id === undefined) break;
      const d = this.o.ledger.deliveries.get(id);
      if (d?.state !== 'queued' || this.inFlight.has(id)) continue;
      this.inFlight.add(id);
      void this.sendOne(d)
        .catch((err: Error) => {
          // Only the ledger's disk writes throw here: without them nothing can be tracked, so stop.
          this.paused ??= { reason: `storage: ${err.message}`, at: this.o.now().toISOString() };
          this.o.log(`[outbox] queue paused: ${err.message}`);
        })
        .finally(() => {
          this.inFlight.delete(id);
          if (this.inFlight.size === 0) for (const r of this.idleWaiters.splice(0)) r();
          this.pump();
        });
    }
  }

  private async sendOne(d: Delivery): Promise<void> {
    const at = () => this.o.now().toISOString();
    const built = await this.o.composer.compose(d, this.o.subscriber(d.sub), this.o.db());
    if (this.paused) {
      // Paused while its message was being made: the mailer's hold came too early to give it back.
      this.putBack(d);
      return;
    }
    if ('skip' in built) {
      await this.o.ledger.save(outcome.skipped(d, built.skip, at()));
      return;
    }
    try {
      await this.o.mailer.send(d.id, built.message, { urgent: d.kind === 'confirm' });
    } catch (err) {
      await this.failed(d, err as Error);
      return;
    }
    await this.o.ledger.save(outcome.sent(d, at()));
    // Mail goes out again: a failure before this one no longer says why mail waits (the deliveries page showed it
    // for as long as any fan-out ran, minutes after the relay was fixed).
    this.lastError = null;
  }

  private async failed(d: Delivery, err: Error): Promise<void> {
    if (isHeld(err)) {
      // Given back unattempted by the paused mailer: queued as it was, for the resume.
      this.putBack(d);
      return;
    }
    const verdict = classify(err);
    const error = describe(err);
    const attempts = d.attempts + 1;
    const tried = this.o.now().toISOString();
    this.lastError = { delivery: d.id, error, at: tried };
    if (verdict === 'halt') {
      // Not the message's fault: keep it queued with its attempts as they were, and stop sending.
      // Held on every halt, paused or not: the SMTP thread gives back what it is handed until then.
      this.o.mailer.hold();
      if (!this.paused) {
        this.paused = { reason: error, at: this.o.now().toISOString() };
        this.o.log(
          `[outbox] queue paused: ${error}. Fix the mail settings (or wait for the relay's sending limit to reset), then resume it (POST /api/admin/deliveries/resume) or restart.`,
        );
      }
      this.putBack(d);
      return;
    }
    if (verdict === 'permanent' || attempts >= this.o.maxAttempts) {
      await this.o.ledger.save(outcome.failed(d, attempts, error, tried));
      if (isUnknownMailbox(err)) await this.o.suppress(d.sub, error);
      return;
    }
    const nextAt = this.o.now().getTime() + backoffMs(attempts, this.o.retryBaseMs, this.o.retryMaxMs);
    await this.o.ledger.save(outcome.retry(d, attempts, error, tried, nextAt));
    this.held.hold(d);
    this.later(d.id, nextAt);
  }

  /** A delivery the paused queue did not send: first in its lane again, for the resume. */
  private putBack(d: Delivery): void {
    this.held.putBack(d);
  }

  private later(id: string, at: number): void {
    this.waiting.set(id, at);
    if (this.timer === null || at < this.armedAt) this.arm(at);
  }

  // One timer for every waiting retry; a fire moves all due ones and re-arms
  // for the next, at most every 50 ms, so a mass retry costs a scan per tick.
  private arm(at: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        const now = this.o.now().getTime();
        let soonest = Infinity;
        for (const [id, t] of this.waiting) {
          if (t <= now) {
            this.waiting.delete(id);
            this.held.queue(id);
          } else if (t < soonest) soonest = t;
        }
        this.pump();
        if (soonest !== Infinity) this.arm(Math.max(soonest, now + 50));
      },
      Math.max(0, at - this.o.now().getTime()),
    );
    this.timer.unref();
  }
}
