import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Unavailable } from '../../domain/errors.ts';
import { Journal } from '../journal.ts';
import { removeStaleTempFiles } from '../durable-file.ts';
import type { Pool } from '../pg/client.ts';
import { PgTables } from '../pg/tables.ts';
import { sharedSecret } from '../pg/secrets.ts';
import { LinkTokens } from './tokens.ts';
import { SubscriberBook } from './subscriber-book.ts';
import { DeliveryLedger } from './ledger.ts';
import { PgSubscribers } from './pg-subscribers.ts';
import { PgOutbox } from './pg-outbox.ts';

/** Subscribers and the email outbox as the embedded engine keeps them: journals in DATA_DIR, live state in memory. */
export interface EmbeddedMail {
  engine: 'embedded';
  book: SubscriberBook;
  ledger: DeliveryLedger;
}

/** Subscribers and the email outbox in PostgreSQL, shared by the replicas. */
export interface SharedMail {
  engine: 'postgres';
  subscribers: PgSubscribers;
  outbox: PgOutbox;
  /** The link key every replica signs with, read (or made) once: resolves before Herald serves. */
  tokens: Promise<LinkTokens>;
}

export type MailStorage = EmbeddedMail | SharedMail;

/**
 * Opens DATA_DIR/subscribers.jsonl, deliveries.jsonl and subscribers.key
 * (synchronously: once, at start). A compaction killed midway leaves its
 * temp file; the DATA_DIR lock says none is being written now.
 */
export function openEmbeddedMail(dataDir: string): EmbeddedMail {
  const subscribersFile = join(dataDir, 'subscribers.jsonl');
  const deliveriesFile = join(dataDir, 'deliveries.jsonl');
  for (const f of [subscribersFile, deliveriesFile]) removeStaleTempFiles(f);
  return {
    engine: 'embedded',
    book: new SubscriberBook(new Journal(subscribersFile), LinkTokens.open(dataDir)),
    // A fan-out records each outcome as the SMTP thread reports it, a few at a time: flushed as they came, a notice
    // to 30,000 took 4,025 writes with O_DSYNC (bench:fanout), thread-pool CPU and disk taken from subscribes.
    // Flushes 10 ms apart took 721; a send is recorded up to 10 ms later.
    ledger: new DeliveryLedger(new Journal(deliveriesFile, { spacingMs: 10 })),
  };
}

export function openSharedMail(pool: Pool, log: (line: string) => void): SharedMail {
  const db = new PgTables(pool, 'subscribers and deliveries', log);
  let loaded: LinkTokens | null = null;
  const tokens = sharedSecret(pool, 'link-key', () => randomBytes(32).toString('base64')).then((key) => {
    loaded = new LinkTokens(Buffer.from(key.value, 'base64'));
    return loaded;
  });
  const linkKey = (): LinkTokens => {
    if (!loaded) throw new Unavailable('Herald is still starting; try again in a moment.', 'starting', 1);
    return loaded;
  };
  return { engine: 'postgres', subscribers: new PgSubscribers(db, linkKey), outbox: new PgOutbox(db), tokens };
}
