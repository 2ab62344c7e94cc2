import { CorruptDataFile } from '../durable-file.ts';
import type { Journal } from '../journal.ts';
import {
  CONFIRM_TTL_MS,
  deliverySchema,
  intentSchema,
  isSubscribedNote,
  metaSchema,
  queuedDelivery,
  type Delivery,
  type DeliveryState,
  type Intent,
} from './model.ts';

export interface IntentCounts {
  queued: number;
  sent: number;
  failed: number;
}

/**
 * The outbox: deliveries and fan-out progress, in memory, backed by the
 * deliveries journal. Only the fan-out and the sender write here, each from
 * one place, so no two changes race for a record.
 *
 * Memory stays proportional to the work left, not to the mail ever sent:
 * a sent delivery leaves only its id (so a fan-out replaying a batch does not
 * create it again) and a count on its notice. Compaction writes intents
 * (with their sent counts), queued and failed deliveries; the ids of sent
 * notices are not needed after it, because fan-out only ever looks at
 * subscribers past a notice's cursor, and every delivery in memory belongs to
 * a subscriber at or before it (deliveries and cursor are applied together).
 * Sent confirmations are the exception: the start-up resume asks for the
 * current confirmation of every pending subscriber of the last 48 hours, so
 * those are kept (as records) while their link still works.
 *
 * Counts stay exact across compaction, which runs inside the journal's flush
 * chain while lines may still wait to be written after it:
 * - Only compaction raises an intent's `archived_sent`. A fan-out step's
 *   intent line carries the value it read before its append, perhaps from
 *   before a compaction: memory keeps its own value, and replay keeps the
 *   highest value any line of that intent carries (it only ever grows).
 * - A sent delivery whose line may not be on disk yet (its append has not
 *   settled) is not archived: compaction writes its sent record instead, so
 *   the line written after the compacted file repeats a state (counted once)
 *   rather than adding a send the archive already counts.
 */
export class DeliveryLedger {
  private readonly journal: Journal;
  /** Queued and failed deliveries. */
  readonly deliveries = new Map<string, Delivery>();
  private sentIds = new Set<string>();
  /** Sent deliveries whose 'sent' line may not be on disk yet (its append has not settled, or failed). */
  private readonly unsettled = new Map<string, Delivery>();
  /**
   * Changes of state whose append failed (a full disk), the latest per id: memory already holds them, and
   * `writeBehind` writes them once it can. Until then a restart would read the state before (and send a
   * sent message again).
   */
  private readonly unwritten = new Map<string, Delivery>();
  /**
   * Sent confirmations kept across compaction while their link works (see the class comment): id → when
   * created (ms). Only that: the id string is the one in sentIds, and the record is rebuilt when written.
   */
  private readonly sentConfirms = new Map<string, number>();
  readonly intents = new Map<string, Intent>();
  /** The incidents and windows the notices are about (Storage.outboxEvents). */
  events(): Set<string> {
    return new Set([...this.intents.values()].map((i) => i.incident));
  }
  private readonly counts = new Map<string, IntentCounts>();
  /** When the outbox was created: notices older than that are history and not sent. */
  epoch: string | null = null;

  constructor(journal: Journal) {
    this.journal = journal;
    journal.replay((raw) => {
      const kind = (raw as { t?: unknown }).t;
      const schema = kind === 'd' ? deliverySchema : kind === 'i' ? intentSchema : kind === 'm' ? metaSchema : null;
      const parsed = schema?.safeParse(raw);
      if (!parsed?.success) throw new CorruptDataFile(journal.file, `unexpected record ${JSON.stringify(raw).slice(0, 80)}`);
      const rec = parsed.data;
      if (rec.t === 'd') this.applyDelivery(rec);
      else if (rec.t === 'i') this.applyIntent(rec);
      else this.epoch = rec.epoch;
    });
  }

  /** Records the outbox's birth on first start. */
  async init(now: Date): Promise<void> {
    if (this.epoch) return;
    this.epoch = now.toISOString();
    await this.journal.append([{ t: 'm', epoch: this.epoch }]);
  }

  close(): Promise<void> {
    return this.journal.close();
  }

  has(id: string): boolean {
    return this.deliveries.has(id) || this.sentIds.has(id);
  }

  countsOf(intent: string): IntentCounts {
    const c = this.counts.get(intent) ?? { queued: 0, sent: 0, failed: 0 };
    return { ...c, sent: c.sent + (this.intents.get(intent)?.archived_sent ?? 0) };
  }

  /**
   * One fan-out step: new deliveries and the intent's progress (cursor, done), in one durable append.
   * The intent's `archived_sent` is compaction's alone: the one in memory is kept.
   */
  async recordFanOut(created: Delivery[], intent: Intent): Promise<void> {
    await this.journal.append([...created, intent]);
    for (const d of created) this.applyDelivery(d);
    this.applyIntent(intent);
  }

  /**
   * Creates a delivery unless one with its id exists (or was sent): decided and
   * made visible at once, so two callers racing for one id create it once.
   * Null when it existed; else resolves once it is on disk.
   */
  create(d: Delivery): Promise<void> | null {
    if (this.has(d.id)) return null;
    return this.save(d);
  }

  /**
   * A delivery changed state (sent, failed, retry scheduled): visible at once, durable when this resolves.
   * Changes whose append failed before ride along (see `unwritten`); one for this id is superseded by it.
   */
  save(d: Delivery): Promise<void> {
    this.applyDelivery(d);
    if (d.state === 'sent') this.unsettled.set(d.id, d);
    this.unwritten.delete(d.id);
    const batch = this.unwritten.size === 0 ? [d] : [...this.unwritten.values(), d];
    const written = this.journal.append(batch);
    written.then(
      () => this.written(batch),
      () => {
        // Unless a later change of this delivery took its place in memory meanwhile (an admin's retry):
        // that one is written, or kept, on its own.
        if ((d.state === 'sent' ? this.unsettled.get(d.id) : this.deliveries.get(d.id)) === d) this.unwritten.set(d.id, d);
      },
    );
    return written;
  }

  /**
   * Writes the changes whose append failed, in one append; rejects (Unavailable) when it fails again.
   * A sent one stayed among the unsettled meanwhile, so compaction kept its record rather than counting
   * it into the archive, and the line written here repeats a state (counted once).
   */
  async writeBehind(): Promise<void> {
    if (this.unwritten.size === 0) return;
    const records = [...this.unwritten.values()];
    await this.journal.append(records);
    this.written(records);
  }

  /** Records now on disk: neither unwritten nor unsettled any more, unless a later change took their place. */
  private written(records: Delivery[]): void {
    for (const d of records) {
      if (this.unwritten.get(d.id) === d) this.unwritten.delete(d.id);
      if (this.unsettled.get(d.id) === d) this.unsettled.delete(d.id);
    }
  }

  /** Deliveries still to send, in the order they were created. */
  queued(): Delivery[] {
    return [...this.deliveries.values()].filter((d) => d.state === 'queued');
  }

  byState(state: Exclude<DeliveryState, 'sent'>, limit: number): Delivery[] {
    const out: Delivery[] = [];
    for (const d of this.deliveries.values()) if (d.state === state && out.length < limit) out.push(d);
    return out;
  }

  /** Rewrites the journal as its live state once it has grown well past it. */
  async compactIfWorthIt(force = false, now = new Date()): Promise<void> {
    const live = this.deliveries.size + this.intents.size + this.sentConfirms.size;
    if (!force && this.journal.lines < 2 * live + 10_000) return;
    await this.journal.compact(() => {
      // Taken inside the flush chain: lines still buffered are written after what this returns.
      const since = now.getTime() - CONFIRM_TTL_MS;
      const kept = new Map<string, Delivery>(this.unsettled);
      for (const [id, created] of this.sentConfirms) {
        if (created <= since) this.sentConfirms.delete(id);
        else if (!kept.has(id)) kept.set(id, sentConfirmation(id, created));
      }
      // Sent deliveries become a number on their intent (see the class comment), but for those written as records.
      const keptPerIntent = new Map<string, number>();
      for (const d of kept.values()) keptPerIntent.set(d.intent, (keptPerIntent.get(d.intent) ?? 0) + 1);
      for (const [key, c] of this.counts) {
        const intent = this.intents.get(key);
        const archived = c.sent - (keptPerIntent.get(key) ?? 0);
        if (!intent || archived <= 0) continue;
        this.intents.set(key, { ...intent, archived_sent: intent.archived_sent + archived });
        c.sent -= archived;
      }
      this.sentIds = new Set(kept.keys());
      return [
        ...(this.epoch ? [{ t: 'm', epoch: this.epoch }] : []),
        ...this.intents.values(),
        ...this.deliveries.values(),
        ...kept.values(),
      ];
    });
  }

  private applyIntent(intent: Intent): void {
    const known = this.intents.get(intent.key);
    // Only compaction raises archived_sent, and it only grows: an older value in a later line is stale.
    this.intents.set(
      intent.key,
      known && known.archived_sent > intent.archived_sent ? { ...intent, archived_sent: known.archived_sent } : intent,
    );
  }

  private applyDelivery(d: Delivery): void {
    const old: DeliveryState | undefined = this.deliveries.get(d.id)?.state ?? (this.sentIds.has(d.id) ? 'sent' : undefined);
    let c = this.counts.get(d.intent);
    if (!c) this.counts.set(d.intent, (c = { queued: 0, sent: 0, failed: 0 }));
    if (old) c[old]--;
    c[d.state]++;
    if (d.state === 'sent') {
      this.deliveries.delete(d.id);
      this.sentIds.add(d.id);
      // Kept for the start-up repair of confirmations (pending addresses only): an already-subscribed note is not asked for.
      if (d.kind === 'confirm' && !isSubscribedNote(d)) this.sentConfirms.set(d.id, Date.parse(d.created_at));
    } else {
      this.deliveries.set(d.id, d);
    }
  }
}

/** A sent confirmation's record as compaction writes it again (the fields anyone reads: id, sub, intent, state, created_at). */
function sentConfirmation(id: string, created: number): Delivery {
  const at = new Date(created).toISOString();
  const sub = id.slice(0, id.lastIndexOf('.confirm.'));
  return {
    ...queuedDelivery({ id, sub, intent: 'confirm', kind: 'confirm', created_at: at }),
    state: 'sent',
    attempts: 1,
    sent_at: at,
    last_attempt_at: at,
  };
}
