import type { Subscriber } from './model.ts';

/** The component list of a subscriber who wants everything, shared by all of them. */
const NO_COMPONENTS = Object.freeze([]) as unknown as string[];

/**
 * The subscribers in memory, indexed by id, by address and in seq order, sharing what their records
 * repeat; SubscriberBook (subscriber-book.ts) decides the changes and writes them to the journal first.
 */
export class SubscriberMemory {
  protected readonly byId = new Map<string, Subscriber>();
  protected readonly byEmail = new Map<string, string>();
  /**
   * Ids and their seqs in seq order (seq only grows); removed ids stay here and are skipped. Two flat arrays
   * rather than an object per subscriber: at 100,000 subscribers every byte per subscriber is 100 KB.
   */
  protected orderSeq: number[] = [];
  protected orderId: string[] = [];
  /** Recently seen timestamps, for records to share equal ones (see `share`). */
  protected readonly recentAt: string[] = ['', '', '', ''];
  protected recentNext = 0;
  protected nextSeq = 1;

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Subscriber | undefined {
    return this.byId.get(id);
  }

  all(): IterableIterator<Subscriber> {
    return this.byId.values();
  }

  /** Subscribers with seq > cursor, in seq order, at most `limit`. */
  after(cursor: number, limit: number): Subscriber[] {
    let lo = 0;
    let hi = this.orderSeq.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.orderSeq[mid]! <= cursor) lo = mid + 1;
      else hi = mid;
    }
    const out: Subscriber[] = [];
    for (let i = lo; i < this.orderSeq.length && out.length < limit; i++) {
      const s = this.byId.get(this.orderId[i]!);
      if (s && s.seq === this.orderSeq[i]) out.push(s);
    }
    return out;
  }

  /** The highest seq handed out so far. */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  protected apply(s: Subscriber): void {
    this.share(s);
    const old = this.byId.get(s.id);
    if (!old) {
      this.orderSeq.push(s.seq);
      this.orderId.push(s.id);
      if (s.seq >= this.nextSeq) this.nextSeq = s.seq + 1;
    }
    this.byId.set(s.id, s);
    this.byEmail.set(s.email.toLowerCase(), s.id);
  }

  /**
   * Memory: a record read back from disk has its own copy of every string. Equal timestamps (a subscribe
   * writes one instant as requested, created and updated; an import one instant for everyone) are made one
   * string again, and an empty component list is one shared (frozen) array. Subscribers are replaced,
   * never changed in place, so sharing is safe.
   */
  protected share(s: Subscriber): void {
    const at = (v: string): string => {
      const recent = this.recentAt;
      for (let i = 0; i < recent.length; i++) if (recent[i] === v) return recent[i]!;
      recent[this.recentNext] = v;
      this.recentNext = (this.recentNext + 1) % recent.length;
      return v;
    };
    s.requested_at = at(s.requested_at);
    s.created_at = at(s.created_at);
    s.updated_at = at(s.updated_at);
    if (s.confirmed_at !== null) s.confirmed_at = at(s.confirmed_at);
    if (s.unsubscribed_at !== null) s.unsubscribed_at = at(s.unsubscribed_at);
    if (s.components.length === 0) s.components = NO_COMPONENTS;
  }

  /** Replay may meet records out of seq order: sorts the two order arrays together (once, at start). */
  protected sortOrder(): void {
    const seqs = this.orderSeq;
    let sorted = true;
    for (let i = 1; i < seqs.length && sorted; i++) sorted = seqs[i - 1]! <= seqs[i]!;
    if (sorted) return;
    const idx = seqs.map((_, i) => i).sort((a, b) => seqs[a]! - seqs[b]!);
    this.orderSeq = idx.map((i) => seqs[i]!);
    this.orderId = idx.map((i) => this.orderId[i]!);
  }

  protected forget(id: string): void {
    const s = this.byId.get(id);
    if (!s) return;
    this.byId.delete(id);
    if (this.byEmail.get(s.email.toLowerCase()) === id) this.byEmail.delete(s.email.toLowerCase());
  }
}
