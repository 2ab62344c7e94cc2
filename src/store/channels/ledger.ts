import { z } from 'zod';
import { CorruptDataFile } from '../durable-file.ts';
import type { Journal } from '../journal.ts';

/**
 * The channel outbox: one delivery per (channel, update) (and per component
 * change for webhooks). `since` marks how far planning got: every update
 * written at or after it is (re)considered, and a delivery whose id exists is
 * never made again, so a crash mid-plan makes nothing twice. Kept in
 * DATA_DIR/channel-deliveries.jsonl, an append-only journal like the email
 * outbox's (JournalChannelLedger), or in PostgreSQL, shared by the replicas
 * (PgChannelLedger, pg-ledger.ts). Either way the live deliveries are also
 * in memory, where the worker reads them.
 */
export const CHANNEL_DELIVERY_STATES = ['queued', 'sent', 'failed'] as const;
export type ChannelDeliveryState = (typeof CHANNEL_DELIVERY_STATES)[number];

export const channelDeliverySchema = z.object({
  t: z.literal('c'),
  id: z.string(),
  channel: z.string(),
  /** The incident or maintenance, its update, and the component (a webhook's component change). */
  event: z.string(),
  update: z.string(),
  component: z.string().nullable(),
  kind: z.enum(['declared', 'update', 'resolved', 'maintenance', 'component', 'postmortem']),
  /**
   * The update's created_at (a postmortem's message: its published_at): sent ids older than the planning mark
   * are not needed to dedupe.
   */
  at: z.string(),
  state: z.enum(CHANNEL_DELIVERY_STATES),
  attempts: z.number().int(),
  last_error: z.string().nullable(),
  last_status: z.number().int().nullable(),
  next_at: z.number().nullable(),
  created_at: z.string(),
  sent_at: z.string().nullable(),
  /** When it was last posted (answered or not): absent before it was recorded, and for a post never tried. */
  last_attempt_at: z.string().nullable().optional(),
});
export type ChannelDelivery = z.infer<typeof channelDeliverySchema>;

/**
 * The planning mark. `postmortems_from`: since when this outbox plans postmortem messages (set once, by the
 * first Herald that plans them); a mark without it was written by a Herald that did not (an older one).
 * `sent_before`: per channel, the posts sent that a compaction no longer keeps one by one (absent: none).
 */
const markSchema = z.object({
  t: z.literal('w'),
  since: z.string(),
  postmortems_from: z.string().optional(),
  sent_before: z.record(z.string(), z.number().int().nonnegative()).optional(),
});

/** The outbox's deliveries in memory, and how each engine keeps them. */
export abstract class ChannelLedger {
  /** Queued and failed deliveries, in creation order. */
  readonly deliveries = new Map<string, ChannelDelivery>();
  /** Sent deliveries, until a compaction finds their update before the planning mark. */
  protected readonly sent = new Map<string, ChannelDelivery>();
  since: string | null = null;
  /**
   * Since when postmortems are planned (war rooms hear of one published from then on): set when an outbox is
   * first opened by a Herald that plans them, never moved. A postmortem published before it was published
   * under a Herald that owed the war rooms none (a deploy must not post them late).
   */
  postmortemsFrom: string | null = null;
  private readonly counts = new Map<string, { queued: number; sent: number; failed: number }>();
  /**
   * Per channel, the posts sent that are no longer kept one by one (their update is before the planning mark):
   * still counted, so a channel's sent count never drops at a compaction, a restart, or on another replica.
   */
  protected sentBefore = new Map<string, number>();

  /** The planning mark on first start: updates written before the channel outbox existed are history. */
  abstract init(now: Date): Promise<void>;
  /** New deliveries and the new planning mark, written together. */
  abstract plan(created: ChannelDelivery[], since: string): Promise<void>;
  /** A delivery changed (sent, failed, retry scheduled): visible at once, durable when this resolves. */
  abstract save(d: ChannelDelivery): Promise<void>;
  /**
   * Makes these queued deliveries due now (a channel's fresh start: channels/fresh-start.ts): stored first, then in
   * memory, so that a claim made once memory says so finds them due in the table too.
   */
  abstract dueNow(ids: readonly string[]): Promise<void>;
  /**
   * Whether this process may post a queued delivery now (at `now`, ms), a post taking up to
   * `postTimeoutMs`: where replicas share the outbox, a leader marks it first (PgChannelLedger). `takeOver`:
   * a mark not passed yet may be taken from a replica that is gone (false while replicas may be reconnecting).
   */
  abstract claim(d: ChannelDelivery, now: number, postTimeoutMs: number, takeOver?: boolean): Promise<boolean>;
  /** Drops what is no longer needed once it has grown well past what is live. */
  abstract compactIfWorthIt(force?: boolean): Promise<void>;
  /**
   * Reads the stored outbox again (another replica may have changed it), and replaces what is in memory
   * with it if `still()` says so once read (a follower's read that finishes after it started leading
   * must not replace the leader's newer state). Nothing to do for a journal only this process writes.
   */
  abstract refresh(still?: () => boolean): Promise<void>;
  /**
   * Reads one delivery again from the store (another leader may have recorded it since), kept in memory if
   * `still()` says so once read; gone from the store, it is forgotten. Nothing to do for a journal.
   */
  abstract reread(id: string, still?: () => boolean): Promise<void>;
  abstract close(): Promise<void>;

  /**
   * Whether the queued delivery `id` was, as last read, marked by another replica that is gone (its process
   * died, PgChannelLedger): its mark need not be waited for. Never where one process posts.
   */
  claimantGone(_id: string): boolean {
    return false;
  }

  has(id: string): boolean {
    return this.deliveries.has(id) || this.sent.has(id);
  }

  /** Every delivery kept: queued and failed, then the sent ones that still dedupe. */
  kept(): ChannelDelivery[] {
    return [...this.deliveries.values(), ...this.sent.values()];
  }

  queued(): ChannelDelivery[] {
    return [...this.deliveries.values()].filter((d) => d.state === 'queued');
  }

  /**
   * The channel's last error: that of the post tried last among those waiting to be tried again, so shown
   * until that post succeeds. Read from the outbox, so it outlives a restart and every replica reads the same
   * (it was kept in the posting process's memory). A post refused for good is no longer waiting: it is listed
   * with its answer among the channel's failed messages instead (a compaction may forget the posts sent after
   * it, so "until a later post succeeds" could not be told for it).
   */
  lastErrorOf(channel: string): { at: string; error: string } | null {
    let latest: ChannelDelivery | null = null;
    for (const d of this.deliveries.values()) {
      if (d.channel !== channel || d.state !== 'queued' || !d.last_attempt_at || d.last_error === null) continue;
      if (!latest || d.last_attempt_at > latest.last_attempt_at!) latest = d;
    }
    return latest ? { at: latest.last_attempt_at!, error: latest.last_error! } : null;
  }

  /** Queued, failed and sent counts of a channel (sent: every post it was sent), kept as deliveries change. */
  countsOf(channel: string): { queued: number; sent: number; failed: number } {
    const c = this.counts.get(channel) ?? { queued: 0, sent: 0, failed: 0 };
    return { ...c, sent: c.sent + (this.sentBefore.get(channel) ?? 0) };
  }

  /** The incidents and windows the posts kept are about (Storage.outboxEvents). */
  events(): Set<string> {
    return new Set([...this.deliveries.values(), ...this.sent.values()].map((d) => d.event));
  }

  /** The sent posts no longer kept one by one, per channel (for db:export). */
  sentBeforeRecord(): Record<string, number> {
    return Object.fromEntries(this.sentBefore);
  }

  /** Forgets everything in memory (before reading the stored outbox again). */
  protected reset(): void {
    this.deliveries.clear();
    this.sent.clear();
    this.counts.clear();
    this.sentBefore = new Map();
    this.since = null;
    this.postmortemsFrom = null;
  }

  /**
   * Forgets the sent deliveries whose update cannot be planned again (before the mark), counting them in
   * `sentBefore` instead: compaction's, as the stored outbox does, so that a count is the same before and
   * after a restart, and on every replica.
   */
  protected forgetOldSent(): void {
    for (const d of [...this.sent.values()]) if (d.at < (this.since ?? '')) this.forget(d);
  }

  /**
   * Drops a delivery from memory, and from its channel's count: a sent one is gone from the store only once a
   * compaction counted it among the channel's earlier posts (sentBefore), as it is here.
   */
  protected forget(d: ChannelDelivery): void {
    const known = this.deliveries.get(d.id) ?? this.sent.get(d.id);
    if (!known) return;
    this.deliveries.delete(d.id);
    this.sent.delete(d.id);
    const c = this.counts.get(known.channel);
    if (c) c[known.state]--;
    if (known.state === 'sent') this.sentBefore.set(known.channel, (this.sentBefore.get(known.channel) ?? 0) + 1);
  }

  protected apply(d: ChannelDelivery): void {
    const before = this.deliveries.get(d.id)?.state ?? (this.sent.has(d.id) ? 'sent' : null);
    let c = this.counts.get(d.channel);
    if (!c) this.counts.set(d.channel, (c = { queued: 0, sent: 0, failed: 0 }));
    if (before) c[before]--;
    c[d.state]++;
    if (d.state === 'sent') {
      this.deliveries.delete(d.id);
      this.sent.set(d.id, d);
    } else {
      this.sent.delete(d.id);
      this.deliveries.set(d.id, d);
    }
  }
}

/** The embedded engine's channel outbox: DATA_DIR/channel-deliveries.jsonl. */
export class JournalChannelLedger extends ChannelLedger {
  private readonly journal: Journal;

  constructor(journal: Journal) {
    super();
    this.journal = journal;
    journal.replay((raw) => {
      const t = (raw as { t?: unknown }).t;
      const parsed = (t === 'c' ? channelDeliverySchema : t === 'w' ? markSchema : null)?.safeParse(raw);
      if (!parsed?.success) throw new CorruptDataFile(journal.file, `unexpected record ${JSON.stringify(raw).slice(0, 80)}`);
      if (parsed.data.t === 'w') {
        this.since = parsed.data.since;
        if (parsed.data.sent_before) this.sentBefore = new Map(Object.entries(parsed.data.sent_before));
        // The newest mark tells: one without it was written by an older Herald, which planned no postmortems.
        this.postmortemsFrom = parsed.data.postmortems_from ?? null;
      } else this.apply(parsed.data);
    });
  }

  async init(now: Date): Promise<void> {
    if (this.since && this.postmortemsFrom) return;
    this.since ??= now.toISOString();
    this.postmortemsFrom = now.toISOString();
    await this.journal.append([this.mark(this.since)]);
  }

  /**
   * A planning mark. Only a compaction's (`counted`) carries `sent_before`: written in the same file as the
   * sent records it no longer holds, it can neither be lost without them nor kept with them. A plan's mark,
   * appended, carries none, and replay keeps the last count read.
   */
  private mark(since: string, counted = false) {
    return {
      t: 'w' as const,
      since,
      ...(this.postmortemsFrom ? { postmortems_from: this.postmortemsFrom } : {}),
      ...(counted && this.sentBefore.size > 0 ? { sent_before: this.sentBeforeRecord() } : {}),
    };
  }

  async plan(created: ChannelDelivery[], since: string): Promise<void> {
    const mark = since > (this.since ?? '') ? [this.mark(since)] : [];
    if (created.length === 0 && mark.length === 0) return;
    await this.journal.append([...created, ...mark]);
    for (const d of created) this.apply(d);
    if (mark.length) this.since = since;
  }

  save(d: ChannelDelivery): Promise<void> {
    this.apply(d);
    return this.journal.append([d]);
  }

  async refresh(): Promise<void> {}

  async reread(): Promise<void> {}

  async dueNow(ids: readonly string[]): Promise<void> {
    const due = ids.flatMap((id) => {
      const d = this.deliveries.get(id);
      return d?.state === 'queued' ? [{ ...d, next_at: null }] : [];
    });
    if (due.length === 0) return;
    await this.journal.append(due);
    for (const d of due) this.apply(d);
  }

  /** One process posts from this journal: nothing to mark (a crash mid-post posts again at the restart). */
  async claim(): Promise<boolean> {
    return true;
  }

  close(): Promise<void> {
    return this.journal.close();
  }

  async compactIfWorthIt(force = false): Promise<void> {
    if (!force && this.journal.lines < 2 * this.deliveries.size + 10_000) return;
    // A compaction that is not written (a full disk) leaves the file with those records and no count of
    // them, which a restart reads as it should; memory counts them the same either way.
    await this.journal.compact(() => {
      // A sent record is only needed while its update may still be planned again (at or after the mark).
      this.forgetOldSent();
      return [...(this.since ? [this.mark(this.since, true)] : []), ...this.deliveries.values(), ...this.sent.values()];
    });
  }
}
