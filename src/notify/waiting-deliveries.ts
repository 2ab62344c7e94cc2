import type { Delivery } from '../store/mail/model.ts';

/** Confirmations and notices wait in their own lanes and take turns, so neither can starve the other. */
type Lane = 'confirm' | 'notice';
const laneOf = (d: Delivery): Lane => (d.kind === 'confirm' ? 'confirm' : 'notice');

/** A FIFO of delivery ids that shifts in O(1) (an array read from `head`, trimmed now and then). */
class IdQueue {
  private items: string[] = [];
  private head = 0;
  /** Sort keys of the ids put back since the last shift: they lead the queue, oldest first. */
  private back: string[] = [];
  get length(): number {
    return this.items.length - this.head;
  }
  push(id: string): void {
    this.items.push(id);
  }
  /**
   * Puts an id back ahead of everything waiting (a delivery a paused queue did not send). Ids come back in
   * the order their sends ended, not the order they were taken: `key` (the delivery's creation time) puts
   * them back in the order they were made, so a notice's update never goes out before the notice.
   */
  putBack(id: string, key: string): void {
    let at = this.back.length;
    while (at > 0 && this.back[at - 1]! > key) at--;
    this.back.splice(at, 0, key);
    this.items.splice(this.head + at, 0, id);
  }
  shift(): string | undefined {
    if (this.back.length > 0) this.back = [];
    if (this.head >= this.items.length) return undefined;
    const id = this.items[this.head++]!;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return id;
  }
}

/**
 * The deliveries waiting to be sent: in a lane, or held for a retry's time (`hold` without `queue`). Each id
 * is held at most once. Confirmations and notices have their own lanes and take turns (`take`): a flood of
 * subscribes does not hold a notice back, nor a notice's 100,000 deliveries the confirmations. Counts are
 * kept per intent, for the fan-out to pace each notice by its own backlog.
 */
export class WaitingDeliveries {
  private readonly lanes: Record<Lane, IdQueue> = { confirm: new IdQueue(), notice: new IdQueue() };
  /** The lane that had the last turn. */
  private lastLane: Lane = 'notice';
  /** Every id waiting in a lane or for a retry, with its intent. */
  private readonly held = new Map<string, { intent: string; lane: Lane }>();
  private readonly byIntent = new Map<string, number>();

  get size(): number {
    return this.held.size;
  }

  has(id: string): boolean {
    return this.held.has(id);
  }

  /** Deliveries of one intent (a notice's key, or 'confirm') waiting. */
  pendingFor(intent: string): number {
    return this.byIntent.get(intent) ?? 0;
  }

  /** Holds a delivery; `queue` puts it in its lane (at once, or when its retry is due). */
  hold(d: Delivery): void {
    this.held.set(d.id, { intent: d.intent, lane: laneOf(d) });
    this.byIntent.set(d.intent, (this.byIntent.get(d.intent) ?? 0) + 1);
  }

  /** Puts a held delivery at the end of its lane. */
  queue(id: string): void {
    this.lanes[this.held.get(id)?.lane ?? 'notice'].push(id);
  }

  /** Holds a delivery a paused queue did not send, first in its lane again, for the resume. */
  putBack(d: Delivery): void {
    this.hold(d);
    this.lanes[laneOf(d)].putBack(d.id, d.created_at);
  }

  /** The next id to send, the lanes taking turns; it is no longer held. */
  take(): string | undefined {
    const other: Lane = this.lastLane === 'notice' ? 'confirm' : 'notice';
    for (const lane of [other, this.lastLane]) {
      const id = this.lanes[lane].shift();
      if (id !== undefined) {
        this.lastLane = lane;
        this.release(id);
        return id;
      }
    }
    return undefined;
  }

  private release(id: string): void {
    const h = this.held.get(id);
    if (!h) return;
    this.held.delete(id);
    const n = (this.byIntent.get(h.intent) ?? 1) - 1;
    if (n > 0) this.byIntent.set(h.intent, n);
    else this.byIntent.delete(h.intent);
  }
}
