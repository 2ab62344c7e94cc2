import type { Db } from '../domain/model.ts';
import type { Delivery } from './model.ts';
import type { DeliveryLedger } from './ledger.ts';
import type { Mailer } from './transport.ts';
import type { Composer } from './compose.ts';
import { backoffMs, classify, describe, isUnknownMailbox } from './classify.ts';

export interface SenderOptions {
  ledger: DeliveryLedger;
  mailer: Mailer;
  composer: Composer;
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
 */
export class Sender {
  private readonly o: SenderOptions;
  private ready: string[] = [];
  private head = 0;
  private readonly waiting = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private armedAt = Infinity;
  private inFlight = 0;
  private stopped = false;
  paused: PauseState | null = null;
  lastError: { delivery: string; error: string; at: string } | null = null;
  private idleWaiters: Array<() => void> = [];

  constructor(o: SenderOptions) {
    this.o = o;
  }

  /** Queues deliveries to send now (or at their next_at). */
  enqueue(ds: readonly Delivery[]): void {
    const now = this.o.now().getTime();
    for (const d of ds) {
      if (d.state !== 'queued') continue;
      if (d.next_at !== null && d.next_at > now) this.later(d.id, d.next_at);
      else this.ready.push(d.id);
    }
    this.pump();
  }

  resume(): void {
    if (!this.paused) return;
    this.o.log(`[outbox] queue resumed (was paused: ${this.paused.reason})`);
    this.paused = null;
    this.pump();
  }

  /** Resolves when nothing is in flight (for shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    // In-flight sends get a few seconds to finish and be recorded; a hung server must not block shutdown
    // (an unrecorded send is resent after the restart: the at-least-once bound).
    if (this.inFlight > 0) {
      await new Promise<void>((r) => {
        this.idleWaiters.push(r);
        setTimeout(r, 5000).unref();
      });
    }
  }

  get pending(): number {
    return this.ready.length - this.head + this.waiting.size;
  }

  private pump(): void {
    while (!this.stopped && !this.paused && this.inFlight < this.o.concurrency && this.head < this.ready.length) {
      const id = this.ready[this.head++]!;
      if (this.head > 4096 && this.head * 2 > this.ready.length) {
        this.ready = this.ready.slice(this.head);
        this.head = 0;
      }
      const d = this.o.ledger.deliveries.get(id);
      if (d?.state !== 'queued') continue;
      this.inFlight++;
      void this.sendOne(d)
        .catch((err: Error) => {
          // Only the ledger's disk writes throw here: without them nothing can be tracked, so stop.
          this.paused ??= { reason: `storage: ${err.message}`, at: this.o.now().toISOString() };
          this.o.log(`[outbox] queue paused: ${err.message}`);
        })
        .finally(() => {
          this.inFlight--;
          if (this.inFlight === 0) for (const r of this.idleWaiters.splice(0)) r();
          this.pump();
        });
    }
  }

  private async sendOne(d: Delivery): Promise<void> {
    const at = () => this.o.now().toISOString();
    const built = await this.o.composer.compose(d, this.o.db());
    if ('skip' in built) {
      await this.o.ledger.save({ ...d, state: 'failed', last_error: `not sent: ${built.skip}`, next_at: null });
      return;
    }
    try {
      await this.o.mailer.send(d.id, built.message);
    } catch (err) {
      await this.failed(d, err as Error);
      return;
    }
    await this.o.ledger.save({ ...d, state: 'sent', attempts: d.attempts + 1, last_error: null, next_at: null, sent_at: at() });
  }

  private async failed(d: Delivery, err: Error): Promise<void> {
    const verdict = classify(err);
    const error = describe(err);
    const attempts = d.attempts + 1;
    this.lastError = { delivery: d.id, error, at: this.o.now().toISOString() };
    if (verdict === 'halt') {
      // Not the message's fault: keep it queued with its attempts as they were, and stop sending.
      if (!this.paused) {
        this.paused = { reason: error, at: this.o.now().toISOString() };
        this.o.log(
          `[outbox] queue paused: ${error}. Fix the mail settings, then resume it (POST /api/admin/deliveries/resume) or restart.`,
        );
      }
      this.ready.splice(this.head, 0, d.id);
      return;
    }
    if (verdict === 'permanent' || attempts >= this.o.maxAttempts) {
      await this.o.ledger.save({ ...d, state: 'failed', attempts, last_error: error, next_at: null });
      if (isUnknownMailbox(err)) await this.o.suppress(d.sub, error);
      return;
    }
    const nextAt = this.o.now().getTime() + backoffMs(attempts, this.o.retryBaseMs, this.o.retryMaxMs);
    await this.o.ledger.save({ ...d, attempts, last_error: error, next_at: nextAt });
    this.later(d.id, nextAt);
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
            this.ready.push(id);
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
