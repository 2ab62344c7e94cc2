import { CorruptDataFile } from '../store/durable-file.ts';
import type { Journal } from './journal.ts';
import { deliverySchema, intentSchema, metaSchema, type Delivery, type DeliveryState, type Intent } from './model.ts';

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
 * ones are not needed after it, because fan-out only ever looks at
 * subscribers past a notice's cursor, and every delivery in memory belongs to
 * a subscriber at or before it (deliveries and cursor are applied together).
 */
export class DeliveryLedger {
  private readonly journal: Journal;
  /** Queued and failed deliveries. */
  readonly deliveries = new Map<string, Delivery>();
  private sentIds = new Set<string>();
  readonly intents = new Map<string, Intent>();
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
      else if (rec.t === 'i') this.intents.set(rec.key, rec);
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

  /** One fan-out step: new deliveries and the intent's progress, in one durable append. */
  async recordFanOut(created: Delivery[], intent: Intent): Promise<void> {
    await this.journal.append([...created, intent]);
    for (const d of created) this.applyDelivery(d);
    this.intents.set(intent.key, intent);
  }

  /** A delivery changed state (sent, failed, retry scheduled): visible at once, durable when this resolves. */
  save(d: Delivery): Promise<void> {
    this.applyDelivery(d);
    return this.journal.append([d]);
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
  async compactIfWorthIt(force = false): Promise<void> {
    if (!force && this.journal.lines < 2 * (this.deliveries.size + this.intents.size) + 10_000) return;
    await this.journal.compact(() => {
      // Sent deliveries become a number on their intent (see the class comment).
      for (const [key, c] of this.counts) {
        const intent = this.intents.get(key);
        if (!intent || c.sent === 0) continue;
        this.intents.set(key, { ...intent, archived_sent: intent.archived_sent + c.sent });
        c.sent = 0;
      }
      this.sentIds = new Set();
      return [...(this.epoch ? [{ t: 'm', epoch: this.epoch }] : []), ...this.intents.values(), ...this.deliveries.values()];
    });
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
    } else {
      this.deliveries.set(d.id, d);
    }
  }
}
