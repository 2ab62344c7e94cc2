import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import type { Herald } from '../herald.ts';
import type { VerbContext } from '../domain/context.ts';
import type { IdempotencyRecord } from '../domain/model.ts';
import { Conflict, Invalid } from '../domain/errors.ts';
import { madeUnder, remember } from '../domain/once.ts';

/**
 * Runs an admin change and answers with its JSON, honouring an optional
 * `Idempotency-Key` header so that a retried publish (a timeout, a double
 * click) changes things, and fans out, once:
 * - same key, same request → the first answer again, nothing changes;
 * - same key, another request → 409;
 * The key is recorded in the same durable write as the change itself, so a
 * crash can never leave a change without its key or a key without its change.
 * `verb` returns the response body, computed from the draft in that write.
 */
export async function respondOnce<R>(
  c: Context,
  herald: Herald,
  actor: string,
  status: 200 | 201,
  verb: (ctx: VerbContext) => R,
): Promise<Response> {
  const key = c.req.header('idempotency-key');
  if (key === undefined) return c.json((await herald.run(actor, verb)) as object, status);
  if (!/^[\x21-\x7e]{1,200}$/.test(key)) {
    throw new Invalid('Idempotency-Key must be 1–200 visible ASCII characters.', 'Idempotency-Key');
  }
  const url = new URL(c.req.url);
  const hash = createHash('sha256')
    .update(`${c.req.method} ${url.pathname}\n`)
    .update(await c.req.text())
    .digest('base64url');

  const replay = (record: { request_hash: string; status: number; response: unknown }) => {
    if (record.request_hash !== hash) {
      throw new Conflict('This Idempotency-Key was already used for a different request.', 'idempotency_key_reused', 'Idempotency-Key');
    }
    c.header('Idempotent-Replayed', 'true');
    return c.json(record.response as object, record.status as 200);
  };

  const known = madeUnder(herald.store.data, key);
  if (known) return replay(known);

  type Outcome = { raced: IdempotencyRecord } | { response: R };
  const outcome = await herald.run(actor, (ctx): Outcome => {
    // Checked again inside the write: a concurrent twin may have committed first.
    const raced = madeUnder(ctx.db, key);
    if (raced) return { raced };
    const response = verb(ctx);
    remember(ctx, { key, request_hash: hash, status, response });
    return { response };
  });
  if ('raced' in outcome) return replay(outcome.raced);
  return c.json(outcome.response as object, status);
}
