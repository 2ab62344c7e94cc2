import { createHash } from 'node:crypto';
import { randomToken } from '../auth/random.ts';
import type { Herald } from '../herald.ts';
import type { VerbContext } from '../domain/context.ts';
import { madeUnder, remember } from '../domain/once.ts';
import { actOnceAfter } from '../api/idempotency.ts';

/**
 * One-time form keys: a console form that makes something (a maintenance window or a step of one,
 * a channel, a component, an incident or update through its preview) carries a random key, rendered
 * into it as a hidden field and kept when the form is shown again after an error. The change is recorded under that key in
 * the same write that makes it (domain/once.ts), so the same form posted twice (a double click, a
 * browser retry, back and resubmit), on any replica, makes one thing and the repeat answers as
 * the first post did. A form posted without a key (a page rendered before this existed) works as
 * it always did.
 */
export const FORM_KEY_FIELD = 'once';

/** The forms that carry a key; each kind's records are apart from the others'. */
export type FormKind = 'maintenance' | 'step' | 'channel' | 'component' | 'draft' | 'delivery' | 'name';

/** A fresh key for a form being rendered. */
export const newFormKey = (): string => randomToken(18);

/** The key a form carries, or null: none, or not one of ours (then the post is handled as a keyless one). */
export function formKeyOf(form: FormData): string | null {
  const v = form.get(FORM_KEY_FIELD);
  return typeof v === 'string' && /^[A-Za-z0-9_-]{16,64}$/.test(v) ? v : null;
}

/**
 * The idempotency record's key for a form posted in a session with its form key. Bound to the
 * session (as drafts are), so a key seen elsewhere cannot fetch another session's answer; and to
 * the fields as posted, so the same page edited and posted again (its key restored by the
 * browser's back button) makes a new thing, while a double click or a resubmission, which post the
 * same bytes, make one. Hashed: the document holds neither the session's key nor what was typed
 * (a channel's URL is a credential). The space keeps it apart from any API Idempotency-Key.
 */
export function onceKey(kind: FormKind, sessionKey: string, formKey: string, posted: FormData | object): string {
  // Or what the fields were read as (a draft's action), where the same action can come from other bytes.
  const what =
    posted instanceof FormData
      ? [...posted.entries()].filter(([k, v]) => k !== 'csrf' && k !== FORM_KEY_FIELD && typeof v === 'string')
      : posted;
  const digest = createHash('sha256')
    .update(JSON.stringify([sessionKey, formKey, what]))
    .digest('base64url');
  return `console ${kind} ${digest}`;
}

/** The record's key for a post that carries a form key, or null (a keyless post runs as it always did). */
export function onceKeyOf(kind: FormKind, sessionKey: string, form: FormData): string | null {
  const formKey = formKeyOf(form);
  return formKey === null ? null : onceKey(kind, sessionKey, formKey, form);
}

/** What makeOnce did: made it now, or found what an earlier post made (the remembered part, and when). */
export type MadeOnce<T, S> = { made: T } | { earlier: S; at: string };

/**
 * Runs `make` once under `key` (null: no key, it just runs). `keep` is what is remembered and
 * given to a repeat, instead of `make`'s value: no secret belongs in it (the records live in the
 * document for a day). Checked before the write and again inside it, where a concurrent twin that
 * committed first is found.
 */
export async function makeOnce<T, S>(
  herald: Herald,
  actor: string,
  key: string | null,
  make: (ctx: VerbContext) => T,
  keep: (made: T) => S,
): Promise<MadeOnce<T, S>> {
  if (key === null) return { made: await herald.run(actor, make) };
  const known = madeUnder(herald.store.data, key, herald.now());
  if (known) return { earlier: known.response as S, at: known.at };
  return herald.run(actor, (ctx): MadeOnce<T, S> => {
    const raced = madeUnder(ctx.db, key, ctx.now);
    if (raced) return { earlier: raced.response as S, at: raced.at };
    const made = make(ctx);
    remember(ctx, { key, request_hash: 'console form', status: 200, response: keep(made) });
    return { made };
  });
}

/**
 * Runs `act` once under a form's record key (null: no key, it just runs) when what it changes lives outside
 * herald.json (the outbox: a retry), so it cannot be recorded in the same write: the key is recorded after
 * it, and a twin posted while it runs (a double click) waits for it and answers as it did, as does any
 * later repeat (for a day). The admin API's respondOnceAfter does the same for its requests, by one core.
 */
export async function actOnce<R>(herald: Herald, actor: string, key: string | null, act: () => Promise<R>): Promise<R> {
  if (key === null) return act();
  const r = await actOnceAfter(herald, actor, { key, request_hash: 'console form', status: 200 }, act);
  return 'known' in r ? (r.known.response as R) : r.response;
}
