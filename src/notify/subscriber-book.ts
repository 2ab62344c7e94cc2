import { randomId } from '../domain/ids.ts';
import { Invalid, NotFound } from '../domain/errors.ts';
import { CorruptDataFile } from '../store/durable-file.ts';
import type { Journal } from './journal.ts';
import { LinkTokens, type TokenPurpose } from './tokens.ts';
import { removalSchema, subscriberSchema, type Subscriber } from './model.ts';

/** How long a confirmation link works. */
export const CONFIRM_TTL_MS = 48 * 3600_000;

/** What a subscribe request did; the HTTP answer is the same whatever happened. */
export interface RequestOutcome {
  subscriber: Subscriber;
  /** True when a confirmation email is due (new, pending or unsubscribed address). */
  sendConfirm: boolean;
}

/**
 * The subscribers, in memory, backed by an append-only journal. Changes are
 * serialized (one at a time: read, append + fsync, then apply), so memory only
 * ever holds what is on disk and a caller is answered after its record is.
 */
export class SubscriberBook {
  private readonly journal: Journal;
  readonly tokens: LinkTokens;
  private readonly byId = new Map<string, Subscriber>();
  private readonly byEmail = new Map<string, string>();
  /** Ids in seq order (seq only grows); removed ids stay here and are skipped. */
  private readonly order: Array<{ seq: number; id: string }> = [];
  private nextSeq = 1;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(journal: Journal, tokens: LinkTokens) {
    this.journal = journal;
    this.tokens = tokens;
    journal.replay((raw) => {
      const removal = removalSchema.safeParse(raw);
      if (removal.success) {
        this.forget(removal.data.id);
        return;
      }
      const parsed = subscriberSchema.safeParse(raw);
      if (!parsed.success) throw new CorruptDataFile(journal.file, parsed.error.issues[0]?.message ?? 'bad record');
      this.apply(parsed.data);
    });
    this.order.sort((a, b) => a.seq - b.seq);
  }

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
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.order[mid]!.seq <= cursor) lo = mid + 1;
      else hi = mid;
    }
    const out: Subscriber[] = [];
    for (let i = lo; i < this.order.length && out.length < limit; i++) {
      const s = this.byId.get(this.order[i]!.id);
      if (s && s.seq === this.order[i]!.seq) out.push(s);
    }
    return out;
  }

  /** The highest seq handed out so far. */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** A subscribe request: creates, renews or leaves alone; see RequestOutcome. */
  request(email: string, components: string[], now: Date): Promise<RequestOutcome> {
    return this.serial(async () => {
      const at = now.toISOString();
      const existing = this.byId.get(this.byEmail.get(email.toLowerCase()) ?? '');
      let next: Subscriber;
      let sendConfirm = true;
      if (!existing) {
        next = {
          t: 's',
          id: randomId(),
          seq: this.nextSeq,
          email,
          state: 'pending',
          components,
          confirms: 1,
          requested_at: at,
          created_at: at,
          updated_at: at,
          confirmed_at: null,
          unsubscribed_at: null,
          suppressed: null,
        };
      } else if (existing.state === 'confirmed') {
        // Written anyway so that every answer costs the same (no timing tell); nothing changes for them.
        next = { ...existing, updated_at: at };
        sendConfirm = false;
      } else {
        next = { ...existing, state: 'pending', components, confirms: existing.confirms + 1, requested_at: at, updated_at: at };
        sendConfirm = existing.suppressed === null;
      }
      await this.journal.append([next]);
      this.apply(next);
      return { subscriber: next, sendConfirm };
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

  /** Confirms by token: only within 48 h of the request. Confirming twice is fine. */
  confirm(token: string, now: Date): Promise<Subscriber> {
    return this.change('confirm', token, (s) => {
      if (s.state === 'confirmed') return null;
      if (now.getTime() - Date.parse(s.requested_at) > CONFIRM_TTL_MS) {
        throw new Invalid('This confirmation link has expired. Subscribe again to get a new one.', 'token', 'expired');
      }
      return { ...s, state: 'confirmed', confirmed_at: now.toISOString(), updated_at: now.toISOString() };
    });
  }

  /** Unsubscribes by token (idempotent). */
  unsubscribe(token: string, now: Date): Promise<Subscriber> {
    return this.change('unsubscribe', token, (s) =>
      s.state === 'unsubscribed'
        ? null
        : { ...s, state: 'unsubscribed', unsubscribed_at: now.toISOString(), updated_at: now.toISOString() },
    );
  }

  /** Replaces the component list by token (empty = everything). */
  setComponents(token: string, components: string[], now: Date): Promise<Subscriber> {
    return this.change('manage', token, (s) => ({ ...s, components, updated_at: now.toISOString() }));
  }

  /** Stops all mail to an address that hard-bounced. */
  suppress(id: string, reason: string, now: Date): Promise<void> {
    return this.serial(async () => {
      const s = this.byId.get(id);
      if (!s || s.suppressed) return;
      const next = { ...s, suppressed: reason.slice(0, 200), updated_at: now.toISOString() };
      await this.journal.append([next]);
      this.apply(next);
    });
  }

  /** Removes a subscriber for good (admin). Its links stop working. */
  remove(id: string): Promise<void> {
    return this.serial(async () => {
      if (!this.byId.has(id)) throw new NotFound(`No subscriber ${id}.`);
      await this.journal.append([{ t: 'x', id }]);
      this.forget(id);
    });
  }

  /** Rewrites the journal as the live records when it has grown well past them. */
  async compactIfWorthIt(): Promise<void> {
    if (this.journal.lines < 2 * this.byId.size + 1000) return;
    await this.journal.compact(() => [...this.byId.values()]);
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

  private apply(s: Subscriber): void {
    const old = this.byId.get(s.id);
    if (!old) {
      this.order.push({ seq: s.seq, id: s.id });
      if (s.seq >= this.nextSeq) this.nextSeq = s.seq + 1;
    }
    this.byId.set(s.id, s);
    this.byEmail.set(s.email.toLowerCase(), s.id);
  }

  private forget(id: string): void {
    const s = this.byId.get(id);
    if (!s) return;
    this.byId.delete(id);
    if (this.byEmail.get(s.email.toLowerCase()) === id) this.byEmail.delete(s.email.toLowerCase());
  }

  private serial<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => {});
    return run;
  }
}
