import { ChannelLedger, type ChannelDelivery } from './ledger.ts';
import type { PgTables } from '../pg/tables.ts';
import type { PoolClient } from '../pg/client.ts';
import { retryWrite } from '../pg/retry.ts';
import { LEADER_LOCK_KEY, SESSION_START } from '../pg/leader-lock.ts';
import { replicaGoneSql } from '../pg/replica-sessions.ts';
import type { LeaderSession } from '../leadership.ts';

/** How long a delivery's new state is tried again before the failure is left to the log. */
const SAVE_RETRY_MS = 30_000;
/** Added to a claim's length, for the time between the claim and the post, and clocks a little apart. */
const CLAIM_MARGIN_MS = 5_000;

const COLUMNS =
  'id, channel, event, update_id, component, kind, at, state, attempts, last_error, last_status, next_at, created_at, sent_at, last_attempt_at';

interface Row {
  id: string;
  channel: string;
  event: string;
  update_id: string;
  component: string | null;
  kind: ChannelDelivery['kind'];
  at: string;
  state: ChannelDelivery['state'];
  attempts: number;
  last_error: string | null;
  last_status: number | null;
  next_at: string | null;
  created_at: string;
  sent_at: string | null;
  last_attempt_at: string | null;
}

const deliveryOf = (r: Row): ChannelDelivery => ({
  t: 'c',
  id: r.id,
  channel: r.channel,
  event: r.event,
  update: r.update_id,
  component: r.component,
  kind: r.kind,
  at: r.at,
  state: r.state,
  attempts: r.attempts,
  last_error: r.last_error,
  last_status: r.last_status,
  next_at: r.next_at === null ? null : Number(r.next_at),
  created_at: r.created_at,
  sent_at: r.sent_at,
  last_attempt_at: r.last_attempt_at,
});

/**
 * SQL on channel_deliveries, true when the row is a queued post claimed by a replica other than `$me` (an SQL
 * expression naming this one) that is gone: none of its connections is open, so its process died and will
 * record nothing (src/store/pg/replica-sessions.ts). A live one, even frozen or deposed, keeps them open.
 */
const claimantGoneSql = (me: string): string =>
  `(state = 'queued' AND claimant IS NOT NULL AND claimant <> ${me} AND ${replicaGoneSql('claimant')})`;

/** How far ahead a claim's mark lies: a post's timeout, then its record's retries, then a margin. */
export const claimMarkMs = (postTimeoutMs: number): number => postTimeoutMs + SAVE_RETRY_MS + CLAIM_MARGIN_MS;

/**
 * The channel outbox in PostgreSQL (channel_deliveries, channel_outbox),
 * mirrored in memory. Only the leader writes it (see channels/service.ts);
 * every replica reads it again with `refresh`: the leader when it starts
 * leading (to post what the old leader left), the others now and then (for
 * the counts the console shows). Times are the records' own ISO strings, as
 * in the journal, so both engines compare them the same way.
 */
export class PgChannelLedger extends ChannelLedger {
  private readonly db: PgTables;
  private readonly replica: string;
  private readonly leaderSession: () => LeaderSession | null;
  /** Queued deliveries marked by a replica found gone when last read (claimantGone). */
  private readonly orphans = new Set<string>();
  private closed = false;

  /**
   * `replica`: this process as its connections name it (host:pid), recorded as the claimant of its claims.
   * `leaderSession`: this replica's session holding the lead (Leadership.session).
   */
  constructor(db: PgTables, replica: string, leaderSession: () => LeaderSession | null) {
    super();
    this.db = db;
    this.replica = replica;
    this.leaderSession = leaderSession;
  }

  override claimantGone(id: string): boolean {
    return this.orphans.has(id);
  }

  /**
   * Marks a queued delivery as being posted by this leader, for as long as a post and its record may take
   * (its next_at moves there), provided this replica's session still holds the lead. A replica that takes
   * over the lead meanwhile reads the mark and waits for it to pass, by when the old leader has recorded
   * the post (and it is not made twice), or died (and it is made again: at least once). Anything else (the
   * lead lost, the delivery marked by another or no longer queued) takes the stored row into memory and
   * answers false.
   *
   * The claim records this replica as the claimant. A mark whose claimant is gone (its process died: a crash,
   * a kill, a deploy) is not waited for, if `takeOver`: that replica will record nothing, and the post is made
   * again at once. Not a mark of this very replica (a post it may still be making), nor when `takeOver` is
   * false: right after PostgreSQL was away every replica is reconnecting, and a live claimant not back yet
   * looks gone (channels/service.ts holds off for that).
   */
  async claim(d: ChannelDelivery, now: number, postTimeoutMs: number, takeOver = false): Promise<boolean> {
    const until = now + claimMarkMs(postTimeoutMs);
    const session = this.leaderSession();
    const { rows } = await this.db.query<Row & { claimed: boolean }>(
      // A single bigint advisory key shows in pg_locks as classid (its high 32 bits) and objid (its low ones). The
      // session is its pid and its start: a pid freed by the old leader's end may be given to the new one's.
      `WITH claimed AS (
         UPDATE channel_deliveries SET next_at = $2, claimant = $8
          WHERE id = $1 AND state = 'queued' AND (COALESCE(next_at, 0) <= $3 OR ($9 AND ${claimantGoneSql('$8')}))
            AND EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                         WHERE l.locktype = 'advisory' AND l.classid = $4 AND l.objid = $5 AND l.objsubid = 1
                           AND l.pid = $6 AND ${SESSION_START} = $7::bigint AND l.granted)
          RETURNING ${COLUMNS})
       SELECT ${COLUMNS}, true AS claimed FROM claimed
       UNION ALL
       SELECT ${COLUMNS}, false AS claimed FROM channel_deliveries WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM claimed)`,
      [
        d.id,
        until,
        now,
        Math.floor(LEADER_LOCK_KEY / 2 ** 32),
        LEADER_LOCK_KEY % 2 ** 32,
        session?.pid ?? -1,
        session?.started ?? null,
        this.replica,
        takeOver,
      ],
    );
    const row = rows[0];
    // Claimed now (by this replica), or refused: either way, whether its claimant is gone is read again.
    this.orphans.delete(d.id);
    // As stored: a claim after a takeover carries on from the old leader's attempts, not this copy's.
    if (row) this.apply(deliveryOf(row));
    // Gone from the table (compacted once recorded as sent, or replaced by an import): nothing to post.
    else this.forget(d);
    return row?.claimed === true;
  }

  async init(now: Date): Promise<void> {
    await this.db.query('INSERT INTO channel_outbox (one, since) VALUES (true, $1) ON CONFLICT (one) DO NOTHING', [now.toISOString()]);
    // Once: the first Herald that plans postmortems (an older replica's mark leaves it as it is).
    await this.db.query('UPDATE channel_outbox SET postmortems_from = $1 WHERE postmortems_from IS NULL', [now.toISOString()]);
    await this.refresh();
  }

  async refresh(still: () => boolean = () => true): Promise<void> {
    // Only a leader claims: a follower's read (every few seconds, for the console's counts) asks nothing of claimants.
    const leading = this.leaderSession() !== null;
    // One snapshot: a compaction committed between two of its reads would count the posts it moved twice.
    const { since, postmortems_from, sent_before, deliveries, orphans } = await this.db.snapshot(async (c) => ({
      ...(await PgChannelLedger.read(c)),
      orphans: leading
        ? (
            await c.query<{ id: string }>(`SELECT id FROM channel_deliveries WHERE state <> 'sent' AND ${claimantGoneSql('$1')}`, [
              this.replica,
            ])
          ).rows.map((r) => r.id)
        : [],
    }));
    if (!still()) return;
    this.reset();
    this.orphans.clear();
    for (const id of orphans) this.orphans.add(id);
    this.since = since;
    this.postmortemsFrom = postmortems_from;
    this.sentBefore = new Map(Object.entries(sent_before));
    for (const d of deliveries) this.apply(d);
  }

  async reread(id: string, still: () => boolean = () => true): Promise<void> {
    const { rows } = await this.db.query<Row & { claimant_gone: boolean }>(
      `SELECT ${COLUMNS}, ${claimantGoneSql('$2')} AS claimant_gone FROM channel_deliveries WHERE id = $1`,
      [id, this.replica],
    );
    if (!still()) return;
    const row = rows[0];
    if (row?.claimant_gone) this.orphans.add(id);
    else this.orphans.delete(id);
    if (row) this.apply(deliveryOf(row));
    else {
      // Gone from the table (compacted once recorded as sent, or replaced by an import): nothing to post.
      const known = this.deliveries.get(id);
      if (known) this.forget(known);
    }
  }

  /**
   * The planning mark and the deliveries kept (sent ones only while their update may be planned again, to
   * dedupe), and per channel the sent posts not read one by one: rows before the mark, and those compacted.
   */
  static async read(c: PoolClient): Promise<{
    since: string | null;
    postmortems_from: string | null;
    sent_before: Record<string, number>;
    deliveries: ChannelDelivery[];
  }> {
    const mark = await c.query<{ since: string; postmortems_from: string | null }>('SELECT since, postmortems_from FROM channel_outbox');
    const since = mark.rows[0]?.since ?? null;
    const postmortems_from = mark.rows[0]?.postmortems_from ?? null;
    const { rows } = await c.query<Row>(`SELECT ${COLUMNS} FROM channel_deliveries WHERE state <> 'sent' OR at >= $1 ORDER BY ord`, [
      since ?? '',
    ]);
    const before = await c.query<{ channel: string; n: string }>(
      `SELECT channel, sum(n) AS n FROM (
         SELECT channel, count(*) AS n FROM channel_deliveries WHERE state = 'sent' AND at < $1 GROUP BY channel
         UNION ALL SELECT channel, sent FROM channel_sent_before) counted
       GROUP BY channel`,
      [since ?? ''],
    );
    const sent_before = Object.fromEntries(before.rows.map((r) => [r.channel, Number(r.n)]));
    return { since, postmortems_from, sent_before, deliveries: rows.map(deliveryOf) };
  }

  /** One delivery, unless its id exists; whether this call made it. */
  static async insert(c: PoolClient, d: ChannelDelivery): Promise<boolean> {
    const { rowCount } = await c.query(
      `INSERT INTO channel_deliveries (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (id) DO NOTHING`,
      values(d),
    );
    return rowCount === 1;
  }

  async plan(created: ChannelDelivery[], since: string): Promise<void> {
    if (created.length === 0 && since <= (this.since ?? '')) return;
    // What this call made, and the rows that existed as they are stored: another leader's (one whose plan
    // landed after this one read the outbox), or this one's own from a commit whose answer was lost. Left
    // out of memory, they would be posted by no one.
    const known: ChannelDelivery[] = [];
    await this.db.tx(async (c) => {
      const existed: string[] = [];
      for (const d of created) {
        if (await PgChannelLedger.insert(c, d)) known.push(d);
        else existed.push(d.id);
      }
      if (existed.length > 0) {
        const { rows } = await c.query<Row>(`SELECT ${COLUMNS} FROM channel_deliveries WHERE id = ANY($1::text[])`, [existed]);
        known.push(...rows.map(deliveryOf));
      }
      await c.query('UPDATE channel_outbox SET since = $1 WHERE since < $1', [since]);
    });
    for (const d of known) this.apply(d);
    if (since > (this.since ?? '')) this.since = since;
  }

  /**
   * Memory first (this leader posts on from it), then the table, tried again while PostgreSQL fails for a
   * moment: a post left queued there would be posted again by the next leader, and the other replicas
   * would count it queued meanwhile. The channel waits for it (its posts go out one at a time). The outcome
   * recorded, the claim is over: a claimant gone later is no reason to post it again before its retry time. A
   * deposed leader's record leaves the new leader's claim as it is.
   */
  async save(d: ChannelDelivery): Promise<void> {
    this.apply(d);
    await retryWrite(
      () =>
        this.db.query(
          // A post recorded as sent stays sent (a deposed leader finishing a post must not queue it again).
          `UPDATE channel_deliveries SET state = $2, attempts = $3, last_error = $4, last_status = $5, next_at = $6, sent_at = $7,
           last_attempt_at = $8, claimant = CASE WHEN claimant = $9 THEN NULL ELSE claimant END WHERE id = $1 AND state <> 'sent'`,
          [d.id, d.state, d.attempts, d.last_error, d.last_status, d.next_at, d.sent_at, d.last_attempt_at ?? null, this.replica],
        ),
      { forMs: SAVE_RETRY_MS, stopped: () => this.closed },
    );
  }

  async dueNow(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const { rows } = await this.db.query<Row>(
      `UPDATE channel_deliveries SET next_at = NULL WHERE id = ANY($1::text[]) AND state = 'queued' RETURNING ${COLUMNS}`,
      [ids],
    );
    for (const r of rows) this.apply(deliveryOf(r));
  }

  async compactIfWorthIt(): Promise<void> {
    // Sent rows whose update is before the mark dedupe nothing any more: counted per channel, in the same statement.
    await this.db.query(
      `WITH gone AS (DELETE FROM channel_deliveries WHERE state = 'sent' AND at < (SELECT since FROM channel_outbox) RETURNING channel)
       INSERT INTO channel_sent_before (channel, sent) SELECT channel, count(*) FROM gone GROUP BY channel
       ON CONFLICT (channel) DO UPDATE SET sent = channel_sent_before.sent + EXCLUDED.sent`,
    );
    this.forgetOldSent();
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

const values = (d: ChannelDelivery) => [
  d.id,
  d.channel,
  d.event,
  d.update,
  d.component,
  d.kind,
  d.at,
  d.state,
  d.attempts,
  d.last_error,
  d.last_status,
  d.next_at,
  d.created_at,
  d.sent_at,
  d.last_attempt_at ?? null,
];
