import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PoolClient } from '../pg/client.ts';
import { Journal } from '../journal.ts';
import { writeFileDurably } from '../durable-file.ts';
import { CONFIRM_TTL_MS, confirmationDelivery, type Delivery, type Intent, type Subscriber } from './model.ts';
import { DeliveryLedger } from './ledger.ts';
import { SubscriberBook } from './subscriber-book.ts';
import { LinkTokens } from './tokens.ts';
import { subscriberOf } from './pg-subscribers.ts';
import { DELIVERY_COLUMNS, deliveryOf, type DeliveryRow, intentOf, type IntentRow } from './pg-rows.ts';

/**
 * The mail part of `db:import` / `db:export` (src/store/transfer.ts):
 * subscribers, the link key (so links already mailed keep working), the
 * outbox's birth, each notice's fan-out progress with its sent count, the
 * deliveries still queued or failed, and the confirmations sent within the
 * last 48 h (so a start on the other engine does not send them again).
 * Sent notices travel as counts: fan-out only looks past a notice's cursor.
 */
export interface MailData {
  subscribers: Subscriber[];
  /** DATA_DIR/subscribers.key's text (base64 of the key), or null when there is none. */
  linkKey: string | null;
  epoch: string | null;
  /** `archived_sent` holds every sent delivery of the notice. */
  intents: Intent[];
  /** Confirmation emails sent, beyond those in `deliveries`. */
  confirmationsSent: number;
  deliveries: Delivery[];
}

export const MAIL_FILES = ['subscribers.jsonl', 'deliveries.jsonl', 'subscribers.key'] as const;

/** Reads DATA_DIR's mail journals as Herald would at start (the caller holds the folder's lock). */
export function readEmbeddedMail(dataDir: string, now: Date): MailData {
  const keyFile = join(dataDir, 'subscribers.key');
  const linkKey = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : null;
  // Only read: no link is made or checked here, so any key will do for the book.
  const book = new SubscriberBook(new Journal(join(dataDir, 'subscribers.jsonl')), new LinkTokens(Buffer.alloc(32)));
  const ledger = new DeliveryLedger(new Journal(join(dataDir, 'deliveries.jsonl')));
  const subscribers = [...book.all()].sort((a, b) => a.seq - b.seq);
  const intents = [...ledger.intents.values()].map((i) => ({ ...i, archived_sent: ledger.countsOf(i.key).sent }));
  const deliveries = [
    ...ledger.deliveries.values(),
    ...sentConfirmations(subscribers, (id) => ledger.has(id) && !ledger.deliveries.has(id), now),
  ];
  const confirmationsSent = ledger.countsOf('confirm').sent - deliveries.filter((d) => d.kind === 'confirm' && d.state === 'sent').length;
  return { subscribers, linkKey, epoch: ledger.epoch, intents, deliveries, confirmationsSent };
}

/** The current confirmation of each pending subscriber of the last 48 h that was sent. */
function sentConfirmations(subscribers: Subscriber[], sent: (id: string) => boolean, now: Date): Delivery[] {
  const since = now.getTime() - CONFIRM_TTL_MS;
  return subscribers
    .filter((s) => s.state === 'pending' && Date.parse(s.requested_at) > since)
    .map((s) => confirmationDelivery(s, s.requested_at))
    .filter((d) => sent(d.id))
    .map((d) => ({ ...d, state: 'sent' as const, attempts: 1, sent_at: d.created_at, last_attempt_at: d.created_at }));
}

/** Whether the database already holds subscribers or an outbox (an import over them needs --force). */
export async function databaseHasMail(client: PoolClient): Promise<boolean> {
  const { rows } = await client.query<{ n: string }>(
    'SELECT (SELECT count(*) FROM mail_subscribers) + (SELECT count(*) FROM mail_deliveries) + (SELECT count(*) FROM mail_intents) AS n',
  );
  return Number(rows[0]!.n) > 0;
}

const CHUNK = 1000;

/** Writes `mail` into the mail tables, replacing what they hold (inside the caller's transaction). */
export async function writeMailTables(client: PoolClient, mail: MailData): Promise<void> {
  await client.query('TRUNCATE mail_subscribers, mail_deliveries, mail_intents, mail_outbox RESTART IDENTITY');
  for (let i = 0; i < mail.subscribers.length; i += CHUNK) {
    const part = mail.subscribers.slice(i, i + CHUNK);
    const col = <K extends keyof Subscriber>(k: K) => part.map((s) => s[k]);
    await client.query(
      `INSERT INTO mail_subscribers (id, seq, email, email_key, state, components, confirms, requested_at, created_at, updated_at,
         confirmed_at, unsubscribed_at, suppressed, suppressed_at)
       SELECT id, seq, email, lower(email), state, ARRAY(SELECT jsonb_array_elements_text(components)), confirms, requested_at,
         created_at, updated_at, confirmed_at, unsubscribed_at, suppressed, suppressed_at
       FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::jsonb[], $6::int[], $7::timestamptz[], $8::timestamptz[],
         $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::text[], $13::timestamptz[])
         AS s(id, seq, email, state, components, confirms, requested_at, created_at, updated_at, confirmed_at, unsubscribed_at,
           suppressed, suppressed_at)`,
      [
        col('id'),
        col('seq'),
        col('email'),
        col('state'),
        part.map((s) => JSON.stringify(s.components)),
        col('confirms'),
        col('requested_at'),
        col('created_at'),
        col('updated_at'),
        col('confirmed_at'),
        col('unsubscribed_at'),
        col('suppressed'),
        col('suppressed_at'),
      ],
    );
  }
  // New subscribers continue after the imported ones, so fan-out cursors stay right.
  await client.query(
    `SELECT setval(pg_get_serial_sequence('mail_subscribers', 'seq'), greatest(coalesce(max(seq), 0), 1)) FROM mail_subscribers`,
  );
  if (mail.epoch) await client.query('INSERT INTO mail_outbox (one, epoch) VALUES (true, $1)', [mail.epoch]);
  for (const i of mail.intents) {
    await client.query(
      `INSERT INTO mail_intents (key, incident, update_id, kind, cursor, done, created_at, archived_sent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [i.key, i.incident, i.update, i.kind, i.cursor, i.done, i.created_at, i.archived_sent],
    );
  }
  if (mail.confirmationsSent > 0) {
    await client.query(
      `INSERT INTO mail_intents (key, incident, update_id, kind, created_at, done, archived_sent) VALUES ('confirm', '', '', 'confirm', now(), true, $1)`,
      [mail.confirmationsSent],
    );
  }
  for (let i = 0; i < mail.deliveries.length; i += CHUNK) {
    const part = mail.deliveries.slice(i, i + CHUNK);
    const col = <K extends keyof Delivery>(k: K) => part.map((d) => d[k]);
    await client.query(
      `INSERT INTO mail_deliveries (id, sub, intent, kind, state, attempts, last_error, next_at, created_at, sent_at, last_attempt_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::bigint[],
         $9::timestamptz[], $10::timestamptz[], $11::timestamptz[])`,
      [
        col('id'),
        col('sub'),
        col('intent'),
        col('kind'),
        col('state'),
        col('attempts'),
        col('last_error'),
        col('next_at'),
        col('created_at'),
        col('sent_at'),
        col('last_attempt_at'),
      ],
    );
  }
  if (mail.linkKey !== null) {
    await client.query(
      `INSERT INTO herald_secrets (name, value) VALUES ('link-key', $1) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`,
      [mail.linkKey],
    );
  }
}

/** Reads the mail tables as the embedded engine's records (inside the caller's transaction, for one consistent view). */
export async function readMailTables(client: PoolClient, now: Date): Promise<MailData> {
  const subs = await client.query(`SELECT * FROM mail_subscribers ORDER BY seq`);
  const subscribers = subs.rows.map((r) => subscriberOf(r));
  const key = await client.query<{ value: string }>(`SELECT value FROM herald_secrets WHERE name = 'link-key'`);
  const outbox = await client.query<{ epoch: Date }>('SELECT epoch FROM mail_outbox');
  const intents = await client.query<IntentRow & { sent: string }>(
    `SELECT i.*, i.archived_sent + (SELECT count(*) FROM mail_deliveries d WHERE d.intent = i.key AND d.state = 'sent') AS sent
     FROM mail_intents i WHERE key <> 'confirm' ORDER BY ord`,
  );
  const kept = await client.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM mail_deliveries
     WHERE state <> 'sent' OR (kind = 'confirm' AND created_at > $1) ORDER BY ord`,
    [new Date(now.getTime() - CONFIRM_TTL_MS)],
  );
  return {
    subscribers,
    linkKey: key.rows[0]?.value ?? null,
    epoch: outbox.rows[0]?.epoch.toISOString() ?? null,
    // The embedded engine counts confirmations by their records only: older ones are not carried back.
    confirmationsSent: 0,
    // Sent deliveries travel as the notice's count (see above).
    intents: intents.rows.map((r) => ({ ...intentOf(r), archived_sent: Number(r.sent) })),
    deliveries: kept.rows.map(deliveryOf),
  };
}

/** Writes `mail` into `dir` as the embedded engine's journals and link key (each file whole, or not at all). */
export async function writeMailFiles(dir: string, mail: MailData): Promise<void> {
  const lines = (records: readonly object[]) => records.map((r) => `${JSON.stringify(r)}\n`).join('');
  await writeFileDurably(join(dir, 'subscribers.jsonl'), lines(mail.subscribers));
  const meta = mail.epoch ? [{ t: 'm', epoch: mail.epoch }] : [];
  await writeFileDurably(join(dir, 'deliveries.jsonl'), lines([...meta, ...mail.intents, ...mail.deliveries]));
  if (mail.linkKey !== null) await writeFileDurably(join(dir, 'subscribers.key'), mail.linkKey);
}
