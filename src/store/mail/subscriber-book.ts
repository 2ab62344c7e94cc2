import { NotFound } from '../../domain/errors.ts';
import { CorruptDataFile } from '../durable-file.ts';
import type { Journal } from '../journal.ts';
import { LinkTokens, type TokenPurpose } from './tokens.ts';
import { headOf } from '../../domain/text.ts';
import { removalSchema, subscriberSchema, type Subscriber } from './model.ts';
import { decideRequest, type RequestOutcome } from './subscribe-request.ts';
import { confirmedSubscriber, subscriberWithComponents, unsubscribedSubscriber, unsuppressedSubscriber } from './subscriber-links.ts';
import { Busy, BUSY_RETRY_AFTER_SECONDS, MAX_WAITING_REQUESTS } from './busy.ts';
import { SubscriberMemory } from './subscriber-memory.ts';

/** Records written per group append at most (a bigger backlog is several appends, one after the other). */
const MAX_GROUP = 1_000;

interface WaitingRequest {
  email: string;
  components: string[];
  now: Date;
  resolve: (o: RequestOutcome) => void;
  reject: (err: unknown) => void;
}

/**
 * The subscribers, in memory, backed by an append-only journal. Changes are
 * serialized (one change, or one group of subscribe requests, at a time:
 * decide against memory, append + fsync, then apply), so memory only ever
 * holds what is on disk and a caller is answered after its record is.
 */
export class SubscriberBook extends SubscriberMemory {
  private readonly journal: Journal;
  readonly tokens: LinkTokens;
  private tail: Promise<unknown> = Promise.resolve();
  /** Subscribe requests waiting for the next group append (see `request`). */
  private requests: WaitingRequest[] = [];
  private groupScheduled = false;
  /** Requests of the group being written now. */
  private writing = 0;
  private readonly maxWaiting: number;
  /**
   * A removal (often an erasure request) since the journal was last rewritten: the file still holds the
   * removed address in earlier lines, so the next compaction runs whatever the journal's size.
   */
  private holdsRemoved = false;

  constructor(journal: Journal, tokens: LinkTokens, opts: { maxWaiting?: number } = {}) {
    super();
    this.journal = journal;
    this.tokens = tokens;
    this.maxWaiting = opts.maxWaiting ?? MAX_WAITING_REQUESTS;
    journal.replay((raw) => {
      const removal = removalSchema.safeParse(raw);
      if (removal.success) {
        this.forget(removal.data.id);
        this.holdsRemoved = true;
        return;
      }
      const parsed = subscriberSchema.safeParse(raw);
      if (!parsed.success) throw new CorruptDataFile(journal.file, parsed.error.issues[0]?.message ?? 'bad record');
      this.apply(parsed.data);
    });
    this.sortOrder();
  }

  /**
   * A subscribe request: creates, renews or leaves alone; see RequestOutcome.
   * Requests are group-committed: those that arrive while an append is being
   * written wait, then are decided together against memory, in arrival order
   * (a second request for an address sees the first's outcome, as if they ran
   * one after the other), written in one append, and applied once it is on
   * disk. Every request writes its record (a confirmed address too), so every
   * answer waits for the same durable append whatever the address's state. A
   * failed append rejects the whole group with the storage error and leaves
   * memory as it was. Past `maxWaiting` requests waiting, a request is refused
   * at once (Busy: 503 with Retry-After) rather than queued without bound.
   */
  request(email: string, components: string[], now: Date): Promise<RequestOutcome> {
    if (this.waitingRequests >= this.maxWaiting) return Promise.reject(new Busy(BUSY_RETRY_AFTER_SECONDS));
    return new Promise<RequestOutcome>((resolve, reject) => {
      this.requests.push({ email, components, now, resolve, reject });
      // One group job in the chain at a time: it takes every request waiting when it starts.
      if (!this.groupScheduled) {
        this.groupScheduled = true;
        void this.serial(() => this.requestGroup());
      }
    });
  }

  /** Subscribe requests waiting for their append, or being written: what `maxWaiting` bounds. */
  get waitingRequests(): number {
    return this.requests.length + this.writing;
  }

  /** Throws Busy when a subscribe request would be refused now (checked before a request is counted anywhere). */
  assertRoom(): void {
    if (this.waitingRequests >= this.maxWaiting) throw new Busy(BUSY_RETRY_AFTER_SECONDS);
  }

  private async requestGroup(): Promise<void> {
    this.groupScheduled = false;
    const group = this.requests.splice(0, MAX_GROUP);
    // More than one append's worth waiting: the rest is the next job in the chain.
    if (this.requests.length > 0) {
      this.groupScheduled = true;
      void this.serial(() => this.requestGroup());
    }
    if (group.length === 0) return;
    this.writing += group.length;
    let outcomes: RequestOutcome[];
    try {
      outcomes = this.decide(group);
      await this.journal.append(outcomes.map((o) => o.subscriber));
    } catch (err) {
      // Nothing of the group was applied: memory is as it was, and every request is told.
      for (const r of group) r.reject(err);
      return;
    } finally {
      this.writing -= group.length;
    }
    for (const o of outcomes) this.apply(o.subscriber);
    for (let i = 0; i < group.length; i++) group[i]!.resolve(outcomes[i]!);
  }

  /** Decides a group of requests against memory without changing it: each one sees those before it. */
  private decide(group: readonly WaitingRequest[]): RequestOutcome[] {
    const staged = new Map<string, Subscriber>();
    let seq = this.nextSeq;
    return group.map(({ email, components, now }) => {
      const key = email.toLowerCase();
      const existing = staged.get(key) ?? this.byId.get(this.byEmail.get(key) ?? '');
      const outcome = decideRequest(existing, email, components, now, existing ? 0 : seq++);
      const next = outcome.subscriber;
      staged.set(key, next);
      return outcome;
    });
  }

  /** The subscriber a token belongs to, if the token is genuine for that purpose. */
  resolve(purpose: TokenPurpose, token: string): Subscriber | null {
    const id = LinkTokens.subjectId(token);
    const s = id ? this.byId.get(id) : undefined;
    return s && this.tokens.verify(purpose, token, s) ? s : null;
  }

  link(purpose: TokenPurpose, s: Subscriber): string {
    return this.tokens.issue(purpose, s);
  }

  /** Confirms by token: only within 48 h of the request, and not once the address unsubscribed. Confirming twice is fine. */
  confirm(token: string, now: Date): Promise<Subscriber> {
    return this.change('confirm', token, (s) => confirmedSubscriber(s, now));
  }

  /** Unsubscribes by token (idempotent). */
  unsubscribe(token: string, now: Date): Promise<Subscriber> {
    return this.change('unsubscribe', token, (s) => unsubscribedSubscriber(s, now));
  }

  /** Replaces the component list by token (empty = everything). */
  setComponents(token: string, components: string[], now: Date): Promise<Subscriber> {
    return this.change('manage', token, (s) => subscriberWithComponents(s, components, now));
  }

  /** Stops all mail to an address that hard-bounced. */
  suppress(id: string, reason: string, now: Date): Promise<void> {
    return this.serial(async () => {
      const s = this.byId.get(id);
      if (!s || s.suppressed) return;
      const at = now.toISOString();
      const next = { ...s, suppressed: headOf(reason, 200), suppressed_at: at, updated_at: at };
      await this.journal.append([next]);
      this.apply(next);
    });
  }

  /** Lifts a suppression (admin); see SubscriberStore.unsuppress. */
  unsuppress(id: string, now: Date): Promise<{ before: Subscriber; after: Subscriber }> {
    return this.serial(async () => {
      const s = this.byId.get(id);
      if (!s) throw new NotFound(`No subscriber ${id}.`);
      const next = unsuppressedSubscriber(s, now);
      if (!next) return { before: s, after: s };
      await this.journal.append([next]);
      this.apply(next);
      return { before: s, after: next };
    });
  }

  /** Removes a subscriber for good (admin). Its links stop working. */
  remove(id: string): Promise<void> {
    return this.serial(async () => {
      if (!this.byId.has(id)) throw new NotFound(`No subscriber ${id}.`);
      await this.drop([id]);
    });
  }

  /**
   * Removes for good every subscriber `pick` chooses (the retention rule: store/mail/retention.ts), as
   * `remove` does, in one append; their ids. Chosen in the chain of changes, so a request that renewed a
   * subscriber since the caller looked is seen.
   */
  removeWhere(pick: (s: Subscriber) => boolean): Promise<string[]> {
    return this.serial(async () => {
      const ids: string[] = [];
      for (const s of this.byId.values()) if (pick(s)) ids.push(s.id);
      if (ids.length > 0) await this.drop(ids);
      return ids;
    });
  }

  /** Removal lines, then memory; the file holds the addresses until the next compaction (`holdsRemoved`). */
  private async drop(ids: string[]): Promise<void> {
    await this.journal.append(ids.map((id) => ({ t: 'x', id })));
    for (const id of ids) this.forget(id);
    this.holdsRemoved = true;
  }

  /**
   * Rewrites the journal as the live subscribers once it has grown well past them, or holds a removed
   * subscriber's address (the outbox's compactor calls this every minute). In the chain of
   * changes, like them: a change's lines reach the disk before it is applied to memory, so a compaction
   * taken between the two would write memory without them over the file that has them.
   */
  compactIfWorthIt(force = false): Promise<void> {
    return this.serial(async () => {
      if (!force && !this.holdsRemoved && this.journal.lines < 2 * this.byId.size + 1000) return;
      await this.journal.compact(() => [...this.byId.values()]);
      this.holdsRemoved = false;
    });
  }

  async close(): Promise<void> {
    await this.tail;
    await this.journal.close();
  }

  private change(purpose: TokenPurpose, token: string, fn: (s: Subscriber) => Subscriber | null): Promise<Subscriber> {
    return this.serial(async () => {
      const s = this.resolve(purpose, token);
      if (!s) throw new NotFound('This link is not valid (it may have been replaced or removed).', 'token');
      const next = fn(s);
      if (!next) return s;
      await this.journal.append([next]);
      this.apply(next);
      return next;
    });
  }

  private serial<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => {});
    return run;
  }
}
