import type { ChannelDelivery, ChannelLedger } from '../store/channels/ledger.ts';

/** How often a leader reads again a post another leader may still be making. */
export const IN_DOUBT_RECHECK_MS = 2_000;

/**
 * Posts another leader may have in flight: queued deliveries whose wait (next_at) this leader read from the
 * shared outbox, at a takeover or a claim refused, rather than set itself. Such a next_at may be the old
 * leader's mark (up to CHANNEL_TIMEOUT_MS plus 35 s ahead: PgChannelLedger.claim), and the old leader, still
 * alive, usually records the post within a second or so. Sleeping until the mark passes would hold the
 * channel's later posts that long for nothing, so the channel reads that one row again every few seconds and
 * moves on as soon as it changed (recorded sent or failed, or a retry time set). A mark that passes unchanged
 * is truly in doubt: the post is claimed and made again, as before (at least once). So is one whose claimant
 * that read finds gone (ChannelLedger.claimantGone: its process died), at once rather than at the mark.
 */
export class InDoubt {
  /** Delivery id → the next_at read from the outbox (the mark waited on). */
  private readonly marks = new Map<string, number>();
  private readonly markMs: number;
  private readonly recheckMs: number;

  /** `markMs`: how far ahead a claim's mark lies (claimMarkMs); a wait further off is a retry time, no mark. */
  constructor(markMs: number, recheckMs = IN_DOUBT_RECHECK_MS) {
    this.markMs = markMs;
    this.recheckMs = recheckMs;
  }

  /** Notes the deliveries just read from the outbox that wait for a time this leader did not set. */
  note(ds: Iterable<ChannelDelivery | undefined>, now: number): void {
    for (const d of ds) {
      if (d?.state === 'queued' && d.next_at !== null && d.next_at > now && d.next_at <= now + this.markMs) this.marks.set(d.id, d.next_at);
    }
  }

  /** How long a channel whose next post `d` is due in `wait` ms sleeps before it looks again. */
  delay(d: ChannelDelivery, wait: number): number {
    return this.marks.get(d.id) === d.next_at ? Math.min(wait, this.recheckMs) : wait;
  }

  /**
   * Reads `id` again if it waits on another leader's mark (`still`: see ChannelLedger.reread); forgets it
   * once the row changed: its outcome is recorded, and what it waits for now is a retry time.
   */
  async recheck(id: string, ledger: ChannelLedger, still: () => boolean): Promise<void> {
    const mark = this.marks.get(id);
    if (mark === undefined) return;
    await ledger.reread(id, still);
    const d = ledger.deliveries.get(id);
    if (d?.state !== 'queued' || d.next_at !== mark) this.marks.delete(id);
  }

  /** This leader claimed it (its mark is now its own). */
  forget(id: string): void {
    this.marks.delete(id);
  }

  clear(): void {
    this.marks.clear();
  }
}
