import type { VerbContext } from './context.ts';
import type { Db, IdempotencyRecord } from './model.ts';

/** How long a key is remembered, and how many keys at most. */
const KEEP_MS = 24 * 60 * 60 * 1000;
const KEEP_MAX = 2000;

/**
 * Changes made once under a key (an API Idempotency-Key, a console draft):
 * the key is written into the document in the same write as the change, so a
 * retry, on any replica, finds the change it would repeat. A write whose
 * outcome was never confirmed (PostgreSQL cut off at COMMIT) is safe to try
 * again only this way: the retry's write reads the committed document and
 * finds the key there if the first one landed.
 */
export function madeUnder(db: Db, key: string): IdempotencyRecord | undefined {
  return db.idempotency.find((r) => r.key === key);
}

/** Records `key` with the answer to give again; keys older than a day, and beyond the newest 2,000, are forgotten. */
export function remember(ctx: VerbContext, record: Omit<IdempotencyRecord, 'at'>): void {
  const cutoff = ctx.now.getTime() - KEEP_MS;
  ctx.db.idempotency = ctx.db.idempotency.filter((r) => Date.parse(r.at) >= cutoff).slice(-(KEEP_MAX - 1));
  ctx.db.idempotency.push({ ...record, at: ctx.now.toISOString() });
}
