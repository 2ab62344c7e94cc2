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
export function madeUnder(db: Db, key: string, now: Date): IdempotencyRecord | undefined {
  // A key older than a day is forgotten whether or not a later keyed write has pruned it yet: a script that
  // reuses its keys (an alert's id) is answered anew after a day, as README says, not with a stale replay or a
  // 409 for the other body it now sends.
  const cutoff = now.getTime() - KEEP_MS;
  return db.idempotency.find((r) => r.key === key && Date.parse(r.at) >= cutoff);
}

/** Records `key` with the answer to give again; keys older than a day, and beyond the newest 2,000, are forgotten. */
export function remember(ctx: VerbContext, record: Omit<IdempotencyRecord, 'at'>): void {
  const cutoff = ctx.now.getTime() - KEEP_MS;
  // An earlier record of the same key (forgotten, by its age) gives way to this one.
  ctx.db.idempotency = ctx.db.idempotency.filter((r) => Date.parse(r.at) >= cutoff && r.key !== record.key).slice(-(KEEP_MAX - 1));
  ctx.db.idempotency.push({ ...record, at: ctx.now.toISOString() });
}
