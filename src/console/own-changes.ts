import { Stale } from '../domain/errors.ts';

/** The hidden field a form carries for each field, with the value its page showed. */
export const shownField = (field: string): string => `shown_${field}`;

/** What a field someone else changed holds now, in words: a text field's value, or that it is empty. */
export const nowReads = (_field: string, value: string): string => (value ? `now reads "${value}"` : 'is now empty');

/**
 * A console form posts every field of a record (a component's row, a group's, a channel's edit form), and its
 * page may have been drawn before someone else saved that record (another tab, another replica, the API). Which
 * fields its author changed: those alone are written, so the other person's change to another field stays.
 * `typed` is what the form posts, `now` the record as its page would show it now, both as the form's strings;
 * what the page showed comes back in the form's `shown_*` fields. The same field changed by both, to different
 * values, is refused (Stale, by that field, saying what it holds now: `say`). Null for a form without them (a
 * page drawn before they were added): the caller writes every field, as it did then.
 */
export function ownChanges<K extends string>(
  fields: readonly K[],
  form: Record<string, string | undefined>,
  typed: Record<K, string>,
  now: Record<K, string>,
  say: (field: K, value: string) => string = nowReads,
): Set<K> | null {
  if (fields.some((k) => form[shownField(k)] === undefined)) return null;
  const mine = new Set<K>();
  for (const k of fields) {
    const shown = form[shownField(k)]!.trim();
    const wanted = typed[k].trim();
    if (wanted === shown) continue;
    if (now[k].trim() !== shown && now[k].trim() !== wanted) {
      throw new Stale(`Changed by someone else since this page was drawn: it ${say(k, now[k])}. Save again to put yours instead.`, k);
    }
    mine.add(k);
  }
  return mine;
}

/** The fields of a patch the author changed (ownChanges), or all of it when the form could not tell. */
export const onlyOwn = <P extends object>(patch: P, mine: ReadonlySet<string> | null): Partial<P> =>
  mine ? (Object.fromEntries(Object.entries(patch).filter(([k]) => mine.has(k))) as Partial<P>) : patch;

/**
 * The `shown_*` fields of a refused form's page: what the form showed when first drawn, so that a field someone
 * else changed meanwhile still reads as theirs when the author corrects the form and saves again; but for the
 * field refused for that (Stale, by its field), which shows what it holds now, so that saved again, the
 * author's value is put. Without the form's own (a page from before them), what the record holds now.
 */
export function shownAgain<K extends string>(
  fields: readonly K[],
  form: Record<string, string | undefined>,
  now: Record<K, string> | undefined,
  err?: unknown,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of fields) {
    const refusedHere = err instanceof Stale && err.field === k;
    const value = refusedHere ? now?.[k] : (form[shownField(k)] ?? now?.[k]);
    if (value !== undefined) out[shownField(k)] = value;
  }
  return out;
}
