import { type Db, findEvent } from '../domain/model.ts';
import type { DeliveryLedger } from '../store/mail/ledger.ts';
import type { SubscriberBook } from '../store/mail/subscriber-book.ts';
import type { Sender } from './sender.ts';
import { deliveryId, queuedDelivery, type Delivery, type Intent } from '../store/mail/model.ts';
import { noticeIntents, reminderCoveredBy } from './intents.ts';
import { Passes } from './passes.ts';
import { wantsMail } from '../store/mail/model.ts';
import { existingIds, noticeComponents } from '../domain/components/following.ts';

export interface FanOutOptions {
  db: () => Db;
  now: () => Date;
  book: SubscriberBook;
  ledger: DeliveryLedger;
  sender: Sender;
  log: (line: string) => void;
  /** Subscribers considered per durable step. */
  batch?: number;
  /** Fan-out waits while more than this many deliveries of the notice wait to be sent (memory stays bounded). */
  maxPending?: number;
}

/**
 * Turns notice intents into deliveries. It walks the subscribers in seq order
 * in batches; each batch's new deliveries and the intent's cursor go to disk
 * in one append before they are handed to the sender, so a restart resumes at
 * the cursor. Deliveries are keyed subscriber + intent and an existing key is
 * never created again, so running twice creates nothing new.
 */
export class FanOut {
  private readonly o: FanOutOptions;
  private readonly passes: Passes;
  private stopped = false;

  constructor(o: FanOutOptions) {
    this.o = o;
    this.passes = new Passes(
      () => this.pass(),
      (err) => o.log(`[outbox] fan-out stopped: ${(err as Error).message}; it resumes on the next change or restart`),
      () => this.stopped,
    );
  }

  /** Stops after the current step (shutdown); the cursor on disk says where to resume. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.passes.current;
  }

  /** Runs (or re-runs after the current run) a pass over every intent. */
  kick(): Promise<void> {
    return this.stopped ? Promise.resolve() : this.passes.run();
  }

  private async pass(): Promise<void> {
    const { ledger } = this.o;
    // Before init the outbox does not know its birth yet, and would take all of history for news.
    if (!ledger.epoch) return;
    const epoch = ledger.epoch;
    for (const notice of noticeIntents(this.o.db())) {
      if (notice.at < epoch) continue;
      if (notice.legacyKey && !ledger.intents.has(notice.key) && reminderCoveredBy(notice, ledger.intents.get(notice.legacyKey))) continue;
      // Withdrawn since this pass listed it, before its fan-out began: nothing to record.
      if (!ledger.intents.has(notice.key) && !findEvent(this.o.db(), notice.incident.id)) continue;
      let intent: Intent = ledger.intents.get(notice.key) ?? {
        t: 'i',
        key: notice.key,
        incident: notice.incident.id,
        update: notice.update.id,
        kind: notice.kind,
        cursor: 0,
        done: false,
        created_at: this.o.now().toISOString(),
        archived_sent: 0,
      };
      if (intent.done) continue;
      const batch = this.o.batch ?? 500;
      const started = Date.now();
      let created = 0;
      const maxPending = this.o.maxPending ?? 1000;
      // Components as of the notice's fan-out: a follower of only deleted ones hears about everything.
      const existing = existingIds(this.o.db());
      // Its components and those taken off it: their followers were told it started.
      const about = noticeComponents(notice.incident);
      let withdrawn = false;
      while (!intent.done) {
        // Run ahead of the sender only so far: the cursor, not a queue in memory, holds the rest. Paced by this
        // notice's own backlog: confirmations (their own lane in the sender) must not hold a notice back.
        while (this.o.sender.pendingFor(notice.key) > maxPending && !this.stopped) await new Promise((r) => setTimeout(r, 10));
        if (this.stopped) return;
        if (!findEvent(this.o.db(), notice.incident.id)) {
          // Withdrawn meanwhile: the rest of the subscribers are owed nothing (each would be queued only to be
          // recorded as failed, 20,000 of them after a drill). Those queued already fail as the README says.
          intent = { ...intent, done: true };
          await ledger.recordFanOut([], intent);
          withdrawn = true;
          break;
        }
        const subs = this.o.book.after(intent.cursor, batch);
        const at = this.o.now().toISOString();
        const fresh: Delivery[] = [];
        for (const s of subs) {
          const id = deliveryId(s.id, notice.key);
          if (!wantsMail(s, about, existing) || ledger.has(id)) continue;
          fresh.push(queuedDelivery({ id, sub: s.id, intent: notice.key, kind: notice.kind, created_at: at }));
        }
        // The progress only: the ledger keeps its own archived_sent (compaction's to change, even during this append).
        intent = { ...intent, cursor: subs.at(-1)?.seq ?? intent.cursor, done: subs.length < batch };
        await ledger.recordFanOut(fresh, intent);
        this.o.sender.enqueue(fresh);
        created += fresh.length;
      }
      this.o.log(
        `[outbox] ${notice.kind} ${notice.key} (${notice.incident.id}): ${created} deliveries queued in ${Date.now() - started} ms${withdrawn ? ', then withdrawn: the fan-out stopped' : ''}`,
      );
    }
  }
}
