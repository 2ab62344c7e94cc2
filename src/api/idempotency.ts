import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import type { Herald } from '../herald.ts';
import type { VerbContext } from '../domain/context.ts';
import { findEvent, type EventRecord, type IdempotencyRecord } from '../domain/model.ts';
import { Conflict, Invalid, NotFound } from '../domain/errors.ts';
import { madeUnder, remember } from '../domain/once.ts';
import { adminEventJson } from './admin/shape.ts';

/** What a write answers: a JSON body, or none for 204 (stored as null, replayed as no body). */
type AnswerStatus = 200 | 201 | 204;

/** The request's Idempotency-Key, checked, or undefined when it sent none. */
function idempotencyKey(c: Context): string | undefined {
  const key = c.req.header('idempotency-key');
  if (key !== undefined && !/^[\x21-\x7e]{1,200}$/.test(key)) {
    throw new Invalid('Idempotency-Key must be 1–200 visible ASCII characters.', 'Idempotency-Key');
  }
  return key;
}

/** Method, path and body: what "the same request" means for a key (a query such as `?force=true` is part of the path's meaning too). */
async function requestHash(c: Context): Promise<string> {
  const url = new URL(c.req.url);
  return createHash('sha256')
    .update(`${c.req.method} ${url.pathname}${url.search}\n`)
    .update(await c.req.text())
    .digest('base64url');
}

function answer(c: Context, status: number, response: unknown): Response {
  // A 204 may carry no body at all (not even `null`): Response refuses one.
  return status === 204 ? c.body(null, 204) : c.json(response as object, status as 200);
}

function replay(
  c: Context,
  herald: Herald,
  record: Pick<IdempotencyRecord, 'request_hash' | 'status' | 'response' | 'event'>,
  hash: string,
): Response {
  if (record.request_hash !== hash) {
    throw new Conflict('This Idempotency-Key was already used for a different request.', 'idempotency_key_reused', 'Idempotency-Key');
  }
  let response = record.response;
  if (record.event !== undefined) {
    const event = findEvent(herald.store.data, record.event);
    // Only an incident can go (withdrawn as published in error): its answer cannot be given again.
    if (!event) throw new NotFound(`"${record.event}", which this request made or changed, was withdrawn since.`, 'id');
    response = adminEventJson(event, herald.store.data, herald.config);
  }
  c.header('Idempotent-Replayed', 'true');
  return answer(c, record.status, response);
}

/**
 * Runs an admin change and answers with its JSON, honouring an optional
 * `Idempotency-Key` header so that a retried publish (a timeout, a double
 * click) changes things, and fans out, once:
 * - same key, same request → the first answer again, nothing changes;
 * - same key, another request → 409;
 * The key is recorded in the same durable write as the change itself, so a
 * crash can never leave a change without its key or a key without its change.
 * `verb` returns the response body, computed from the draft in that write
 * (nothing for a 204).
 */
export function respondOnce<R>(
  c: Context,
  herald: Herald,
  actor: string,
  status: AnswerStatus,
  verb: (ctx: VerbContext) => R,
): Promise<Response> {
  return once(c, herald, actor, status, (ctx) => {
    const response = verb(ctx);
    return { response, kept: { response: status === 204 ? null : response } };
  });
}

/**
 * respondOnce for a change answered with an incident or a window in the admin shape. The key keeps the
 * record's id, not that answer: the answer carries the whole update trail, so keeping it under every key
 * grew the document with the square of an incident's updates (60 updates of 8 KB each: 14 MB of keys, and
 * every later write slowed by rewriting them). A retry answers the record as it is now, which is the first
 * answer unless something changed it since.
 */
export function respondOnceWithEvent(
  c: Context,
  herald: Herald,
  actor: string,
  status: 200 | 201,
  verb: (ctx: VerbContext) => EventRecord,
): Promise<Response> {
  return once(c, herald, actor, status, (ctx) => {
    const event = verb(ctx);
    return { response: adminEventJson(event, ctx.db, herald.config), kept: { response: null, event: event.id } };
  });
}

type Kept = Pick<IdempotencyRecord, 'response' | 'event'>;

async function once<R>(
  c: Context,
  herald: Herald,
  actor: string,
  status: AnswerStatus,
  verb: (ctx: VerbContext) => { response: R; kept: Kept },
): Promise<Response> {
  const key = idempotencyKey(c);
  if (key === undefined) return answer(c, status, (await herald.run(actor, verb)).response);
  const hash = await requestHash(c);

  const known = madeUnder(herald.store.data, key, herald.now());
  if (known) return replay(c, herald, known, hash);

  type Outcome = { raced: IdempotencyRecord } | { response: R };
  const outcome = await herald.run(actor, (ctx): Outcome => {
    // Checked again inside the write: a concurrent twin may have committed first.
    const raced = madeUnder(ctx.db, key, ctx.now);
    if (raced) return { raced };
    const { response, kept } = verb(ctx);
    remember(ctx, { key, request_hash: hash, status, ...kept });
    return { response };
  });
  if ('raced' in outcome) return replay(c, herald, outcome.raced, hash);
  return answer(c, status, outcome.response);
}

/** Acts under a key in this process now (see respondOnceAfter), per Herald. */
const inFlight = new WeakMap<Herald, Map<string, Promise<unknown>>>();

/**
 * The same promise for an action whose effect is outside the document (a
 * channel's test message, a delivery retried, sending resumed), so it cannot
 * share a write with its key: the action runs, then its answer is recorded
 * under the key. A twin arriving meanwhile on this replica waits for the
 * first and replays its answer, so a double click sends one test message.
 * Twins at the same instant on two replicas, or a retry after the action
 * succeeded but its key could not be recorded (storage down: that answer was
 * an error), may act twice; these actions are harmless to repeat, unlike a
 * publish, which respondOnce covers fully.
 */
export async function respondOnceAfter<R>(
  c: Context,
  herald: Herald,
  actor: string,
  status: 200,
  act: () => Promise<R>,
): Promise<Response> {
  const key = idempotencyKey(c);
  if (key === undefined) return answer(c, status, await act());
  const hash = await requestHash(c);
  const r = await actOnceAfter(herald, actor, { key, request_hash: hash, status }, act);
  return 'known' in r ? replay(c, herald, r.known, hash) : answer(c, status, r.response);
}

/**
 * The core of respondOnceAfter, and of the console's forms whose act is outside the document (a retry):
 * the record already made under the key (a repeat, or the twin this one waited for), or this act's
 * response, recorded after it.
 */
export async function actOnceAfter<R>(
  herald: Herald,
  actor: string,
  record: { key: string; request_hash: string; status: number },
  act: () => Promise<R>,
): Promise<{ known: IdempotencyRecord } | { response: R }> {
  const { key } = record;
  let running = inFlight.get(herald);
  if (!running) inFlight.set(herald, (running = new Map()));
  for (;;) {
    const known = madeUnder(herald.store.data, key, herald.now());
    if (known) return { known };
    const twin = running.get(key);
    if (!twin) break;
    // Its failure is its own answer; then this one acts (nothing was recorded).
    await twin.catch(() => {});
  }
  const run = (async () => {
    const response = await act();
    await herald.run(actor, (ctx) => {
      if (!madeUnder(ctx.db, key, ctx.now)) remember(ctx, { ...record, response });
    });
    return response;
  })();
  running.set(key, run);
  try {
    return { response: await run };
  } finally {
    running.delete(key);
  }
}
