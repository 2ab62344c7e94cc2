import type { PoolClient } from '../pg/client.ts';
import { NotFound } from '../../domain/errors.ts';
import { Busy, BUSY_RETRY_AFTER_SECONDS, MAX_WAITING_REQUESTS } from './busy.ts';
import type { Subscriber, SubscriberState } from './model.ts';
import { decideRequest } from './subscribe-request.ts';
import { confirmedSubscriber, subscriberWithComponents, unsubscribedSubscriber, unsuppressedSubscriber } from './subscriber-links.ts';
import { LinkTokens, type TokenPurpose } from './tokens.ts';
import type { SubscriberStore } from './port.ts';
import type { PgTables } from '../pg/tables.ts';
import { headOf } from '../../domain/text.ts';
import { eraseStaleRows, forgetLimits } from './pg-retention.ts';
import { addressLimitKeys, type LimitKeys, limitKeys } from './limit-keys.ts';

/** A row of mail_subscribers as `pg` returns it. */
interface Row {
  id: string;
  seq: string;
  email: string;
  state: SubscriberState;
  components: string[];
  confirms: number;
  requested_at: Date;
  created_at: Date;
  updated_at: Date;
  confirmed_at: Date | null;
  unsubscribed_at: Date | null;
  suppressed: string | null;
  suppressed_at: Date | null;
}

const COLUMNS =
  'id, seq, email, state, components, confirms, requested_at, created_at, updated_at, confirmed_at, unsubscribed_at, suppressed, suppressed_at';

/**
 * The component rule (domain/components/following.ts, follows) in SQL, given the SQL of the
 * subscriber's components, of the notice's and of the existing components' (text[] parameters). One
 * predicate per row, no index: both statements that use it already walk confirmed subscribers (a batch
 * in seq order, or a count).
 */
export function wantsMailSql(followed: string, notice: string, existing: string): string {
  return `(cardinality(${notice}) = 0 OR ${followed} && ${notice} OR NOT (${followed} && ${existing}))`;
}

export function subscriberOf(r: Row): Subscriber {
  const at = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    t: 's',
    id: r.id,
    seq: Number(r.seq),
    email: r.email,
    state: r.state,
    components: r.components,
    confirms: r.confirms,
    requested_at: r.requested_at.toISOString(),
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
    confirmed_at: at(r.confirmed_at),
    unsubscribed_at: at(r.unsubscribed_at),
    suppressed: r.suppressed,
    suppressed_at: at(r.suppressed_at),
  };
}

/**
 * Subscribers in PostgreSQL (mail_subscribers), shared by the replicas and
 * read per request: memory does not grow with their number. Each change is
 * one transaction that locks the subscriber's row, so two replicas changing
 * one subscriber take turns, and two taking a request for one new address
 * make one subscriber (the address is unique; the loser reads the winner's).
 */
export class PgSubscribers implements SubscriberStore {
  private readonly db: PgTables;
  private readonly tokens: () => LinkTokens;
  /** The keys of the subscribe limits' counters (mail_subscribe_limits), digests keyed by the link key. */
  readonly limitKeys: LimitKeys;
  private waiting = 0;

  /** `tokens` is the shared link key, read once at start (before any request is served). */
  constructor(db: PgTables, tokens: () => LinkTokens) {
    this.db = db;
    this.tokens = tokens;
    this.limitKeys = limitKeys(tokens);
  }

  assertRoom(): void {
    // Requests wait for a pooled connection; past this many, the answer is 503 at once rather than a queue without bound.
    if (this.waiting >= MAX_WAITING_REQUESTS) throw new Busy(BUSY_RETRY_AFTER_SECONDS);
  }

  async request(email: string, components: string[], now: Date) {
    this.assertRoom();
    this.waiting++;
    try {
      return await this.db.tx(async (c) => {
        const key = email.toLowerCase();
        for (;;) {
          const { rows } = await c.query<Row>(`SELECT ${COLUMNS} FROM mail_subscribers WHERE email_key = $1 FOR UPDATE`, [key]);
          const existing = rows[0] ? subscriberOf(rows[0]) : undefined;
          const outcome = decideRequest(existing, email, components, now, 0);
          const s = outcome.subscriber;
          if (existing) {
            await this.write(c, s);
            return outcome;
          }
          // Another replica may insert this address between our SELECT and INSERT: then lock and decide on its row.
          const inserted = await c.query<{ seq: string }>(
            `INSERT INTO mail_subscribers (id, email, email_key, state, components, confirms, requested_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7) ON CONFLICT (email_key) DO NOTHING RETURNING seq`,
            [s.id, s.email, key, s.state, s.components, s.confirms, now],
          );
          if (inserted.rows[0]) return { ...outcome, subscriber: { ...s, seq: Number(inserted.rows[0].seq) } };
        }
      });
    } finally {
      this.waiting--;
    }
  }

  confirm(token: string, now: Date): Promise<Subscriber> {
    return this.change('confirm', token, (s) => confirmedSubscriber(s, now));
  }

  unsubscribe(token: string, now: Date): Promise<Subscriber> {
    return this.change('unsubscribe', token, (s) => unsubscribedSubscriber(s, now));
  }

  setComponents(token: string, components: string[], now: Date): Promise<Subscriber> {
    return this.change('manage', token, (s) => subscriberWithComponents(s, components, now));
  }

  async suppress(id: string, reason: string, now: Date): Promise<void> {
    await this.db.query(
      `UPDATE mail_subscribers SET suppressed = $2, suppressed_at = $3, updated_at = $3 WHERE id = $1 AND suppressed IS NULL`,
      [id, headOf(reason, 200), now],
    );
  }

  unsuppress(id: string, now: Date): Promise<{ before: Subscriber; after: Subscriber }> {
    return this.db.tx(async (c) => {
      const { rows } = await c.query<Row>(`SELECT ${COLUMNS} FROM mail_subscribers WHERE id = $1 FOR UPDATE`, [id]);
      if (!rows[0]) throw new NotFound(`No subscriber ${id}.`);
      const s = subscriberOf(rows[0]);
      const next = unsuppressedSubscriber(s, now);
      if (!next) return { before: s, after: s };
      await this.write(c, next);
      return { before: s, after: next };
    });
  }

  async remove(id: string): Promise<void> {
    // The address's subscribe-limit counters go with it: a removal is for good (an erasure request), not in a day.
    const keys = (emails: string[]) => addressLimitKeys(this.limitKeys, emails);
    const removed = await this.db.tx(async (c) => {
      const { rows } = await c.query<{ email: string }>('DELETE FROM mail_subscribers WHERE id = $1 RETURNING email', [id]);
      await forgetLimits(c, keys(rows.map((r) => r.email)));
      return rows.length;
    });
    if (!removed) throw new NotFound(`No subscriber ${id}.`);
  }

  async get(id: string): Promise<Subscriber | undefined> {
    const { rows } = await this.db.query<Row>(`SELECT ${COLUMNS} FROM mail_subscribers WHERE id = $1`, [id]);
    return rows[0] ? subscriberOf(rows[0]) : undefined;
  }

  async resolve(purpose: TokenPurpose, token: string): Promise<Subscriber | null> {
    const id = LinkTokens.subjectId(token);
    const s = id ? await this.get(id) : undefined;
    return s && this.tokens().verify(purpose, token, s) ? s : null;
  }

  link(purpose: TokenPurpose, s: Subscriber): string {
    return this.tokens().issue(purpose, s);
  }

  vouchesUnsubscribe(token: string): boolean {
    return this.tokens().vouches('unsubscribe', token);
  }

  /** The retention rule (pg-retention.ts), run by the leader's sweep; the ids erased. */
  eraseStale(now: Date): Promise<string[]> {
    return eraseStaleRows(this.db, now, (emails) => addressLimitKeys(this.limitKeys, emails));
  }

  async search({ q, state, offset, limit }: { q: string; state: SubscriberState | null; offset: number; limit: number }) {
    // strpos, not LIKE: the query is the Comms Lead's text, with no wildcards of its own.
    const where = `($1 = '' OR strpos(email_key, $1) > 0) AND ($2::text IS NULL OR state = $2)`;
    const [page, totals] = await Promise.all([
      this.db.query<Row & { total: string }>(
        `SELECT ${COLUMNS}, count(*) OVER () AS total FROM mail_subscribers WHERE ${where} ORDER BY seq DESC OFFSET $3 LIMIT $4`,
        [q, state, offset, limit],
      ),
      this.db.query<{ state: SubscriberState; n: string }>('SELECT state, count(*) AS n FROM mail_subscribers GROUP BY state'),
    ]);
    const counts: Record<SubscriberState, number> = { pending: 0, confirmed: 0, unsubscribed: 0 };
    for (const r of totals.rows) counts[r.state] = Number(r.n);
    let total = Number(page.rows[0]?.total ?? 0);
    if (page.rows.length === 0 && offset > 0) {
      const { rows } = await this.db.query<{ n: string }>(`SELECT count(*) AS n FROM mail_subscribers WHERE ${where}`, [q, state]);
      total = Number(rows[0]!.n);
    }
    return { rows: page.rows.map(subscriberOf), total, counts };
  }

  async countRecipients(componentIds: readonly string[], existingIds: readonly string[]): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM mail_subscribers WHERE state = 'confirmed' AND suppressed IS NULL AND ${wantsMailSql('components', '$1::text[]', '$2::text[]')}`,
      [componentIds, existingIds],
    );
    return Number(rows[0]!.n);
  }

  /** A change by link token: the row locked, decided, written; null from `fn` means nothing to change. */
  private async change(purpose: TokenPurpose, token: string, fn: (s: Subscriber) => Subscriber | null): Promise<Subscriber> {
    const id = LinkTokens.subjectId(token);
    const invalid = () => new NotFound('This link is not valid (it may have been replaced or removed).', 'token');
    if (!id) throw invalid();
    return this.db.tx(async (c) => {
      const { rows } = await c.query<Row>(`SELECT ${COLUMNS} FROM mail_subscribers WHERE id = $1 FOR UPDATE`, [id]);
      const s = rows[0] ? subscriberOf(rows[0]) : undefined;
      if (!s || !this.tokens().verify(purpose, token, s)) throw invalid();
      const next = fn(s);
      if (!next) return s;
      await this.write(c, next);
      return next;
    });
  }

  private async write(c: PoolClient, s: Subscriber): Promise<void> {
    await c.query(
      `UPDATE mail_subscribers SET state = $2, components = $3, confirms = $4, requested_at = $5, updated_at = $6,
         confirmed_at = $7, unsubscribed_at = $8, suppressed = $9, suppressed_at = $10 WHERE id = $1`,
      [
        s.id,
        s.state,
        s.components,
        s.confirms,
        s.requested_at,
        s.updated_at,
        s.confirmed_at,
        s.unsubscribed_at,
        s.suppressed,
        s.suppressed_at,
      ],
    );
  }
}
