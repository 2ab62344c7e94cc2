import type { WriteHealth } from '../write-health.ts';
import { join } from 'node:path';
import { Journal } from '../journal.ts';
import { removeStaleTempFiles } from '../durable-file.ts';
import { LinkTokens } from './tokens.ts';
import { SubscriberBook } from './subscriber-book.ts';
import { DeliveryLedger } from './ledger.ts';
import type { PgSubscribers } from './pg-subscribers.ts';
import type { PgOutbox } from './pg-outbox.ts';

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
export function openEmbeddedMail(dataDir: string, writes?: WriteHealth): EmbeddedMail {
  const subscribersFile = join(dataDir, 'subscribers.jsonl');
  const deliveriesFile = join(dataDir, 'deliveries.jsonl');
  for (const f of [subscribersFile, deliveriesFile]) removeStaleTempFiles(f);
  return {
    engine: 'embedded',
    book: new SubscriberBook(new Journal(subscribersFile, { writes }), LinkTokens.open(dataDir)),
    // A fan-out records each outcome as the SMTP thread reports it, a few at a time: flushed as they came, a notice
    // to 30,000 took 4,025 writes with O_DSYNC (bench:fanout), thread-pool CPU and disk taken from subscribes.
    // Flushes 10 ms apart took 721; a send is recorded up to 10 ms later.
    ledger: new DeliveryLedger(new Journal(deliveriesFile, { spacingMs: 10, writes })),
  };
}
