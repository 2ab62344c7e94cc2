import type pg from 'pg';
import type { DeliveryState, SubscriberState } from './model.ts';
import type { IntentCounts } from './ledger.ts';
import type { FailurePage, FailureQuery, NoticeProgress } from './port.ts';
import { DELIVERY_COLUMNS, deliveryOf, type DeliveryRow, intentOf, type IntentRow } from './pg-rows.ts';
import { unreachable } from './unreachable.ts';

/** What runs a statement: the tables (each statement on its own) or the client of one transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

const INTENT_COLUMNS = 'key, incident, update_id, kind, cursor, done, created_at, archived_sent';

/**
 * What the console and the admin API read of the shared outbox. Each read
 * takes what runs it, so the overview can make all of them in one snapshot.
 */
export async function readNotices(q: Queryable, limit: number): Promise<NoticeProgress[]> {
  const { rows } = await q.query<IntentRow>(
    `SELECT ${INTENT_COLUMNS} FROM mail_intents WHERE key <> 'confirm' ORDER BY ord DESC LIMIT $1`,
    [limit],
  );
  return withCounts(q, rows);
}

/** The notices of these keys, whatever their age. */
export async function readNoticesOf(q: Queryable, keys: readonly string[]): Promise<NoticeProgress[]> {
  if (keys.length === 0) return [];
  const { rows } = await q.query<IntentRow>(`SELECT ${INTENT_COLUMNS} FROM mail_intents WHERE key = ANY($1::text[]) AND key <> 'confirm'`, [
    keys,
  ]);
  return withCounts(q, rows);
}

/** Every notice about one incident or window, oldest first. */
export async function readNoticesAbout(q: Queryable, incident: string): Promise<NoticeProgress[]> {
  const { rows } = await q.query<IntentRow>(
    `SELECT ${INTENT_COLUMNS} FROM mail_intents WHERE incident = $1 AND key <> 'confirm' ORDER BY ord`,
    [incident],
  );
  return withCounts(q, rows);
}

async function withCounts(q: Queryable, rows: IntentRow[]): Promise<NoticeProgress[]> {
  const counts = await countsOf(
    q,
    rows.map((r) => r.key),
  );
  return rows.map((r) => {
    const c = counts.get(r.key) ?? { queued: 0, sent: 0, failed: 0 };
    return { ...intentOf(r), ...c, sent: c.sent + r.archived_sent };
  });
}

export async function readConfirmations(q: Queryable): Promise<IntentCounts> {
  const c = (await countsOf(q, ['confirm'])).get('confirm') ?? { queued: 0, sent: 0, failed: 0 };
  // Confirmations sent before an import are a count on a 'confirm' row of their own (see transfer.ts).
  const { rows } = await q.query<{ archived_sent: number }>(`SELECT archived_sent FROM mail_intents WHERE key = 'confirm'`);
  return { ...c, sent: c.sent + (rows[0]?.archived_sent ?? 0) };
}

/**
 * Failed deliveries with their address, newest first, those whose address contains `q` (lower case; ''
 * for all), and how many match. `position` rather than LIKE: a `%` or `_` typed is a character, not a pattern.
 */
export async function readFailed(q: Queryable, { q: text, offset, limit }: FailureQuery): Promise<FailurePage> {
  const where = `d.state = 'failed' AND ($1 = '' OR position($1 in lower(s.email)) > 0)`;
  const from = 'mail_deliveries d LEFT JOIN mail_subscribers s ON s.id = d.sub';
  const { rows } = await q.query<
    DeliveryRow & { email: string | null; sub_state: SubscriberState | null; suppressed: string | null; components: string[] | null }
  >(
    `SELECT ${DELIVERY_COLUMNS.split(', ')
      .map((c) => `d.${c}`)
      .join(
        ', ',
      )}, s.email, s.state AS sub_state, s.suppressed, s.components FROM ${from} WHERE ${where} ORDER BY d.ord DESC LIMIT $2 OFFSET $3`,
    [text, limit, offset],
  );
  const counted = await q.query<{ n: string }>(`SELECT count(*) AS n FROM ${from} WHERE ${where}`, [text]);
  return {
    rows: rows.map((r) => ({
      delivery: deliveryOf(r),
      email: r.email,
      unreachable: unreachable({ state: r.sub_state, suppressed: r.suppressed }),
      components: r.components,
    })),
    total: Number(counted.rows[0]!.n),
  };
}

export async function countWaiting(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ n: string }>(`SELECT count(*) AS n FROM mail_deliveries WHERE state = 'queued'`);
  return Number(rows[0]!.n);
}

async function countsOf(q: Queryable, keys: string[]): Promise<Map<string, IntentCounts>> {
  const out = new Map<string, IntentCounts>();
  if (keys.length === 0) return out;
  const { rows } = await q.query<{ intent: string; state: DeliveryState; n: string }>(
    'SELECT intent, state, count(*) AS n FROM mail_deliveries WHERE intent = ANY($1::text[]) GROUP BY intent, state',
    [keys],
  );
  for (const r of rows) {
    let c = out.get(r.intent);
    if (!c) out.set(r.intent, (c = { queued: 0, sent: 0, failed: 0 }));
    c[r.state] = Number(r.n);
  }
  return out;
}
