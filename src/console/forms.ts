import type { z } from 'zod';
import { COMPONENT_STATUSES, type ComponentStatus } from '../domain/status.ts';
import { HeraldError } from '../domain/errors.ts';
import type { ComponentChangesInput } from '../domain/incidents/take-off.ts';
import { CONTROL_IN_LINE } from '../domain/text.ts';
import { httpStatus } from '../api/errors.ts';
import { addressQuery } from '../input/subscribe.ts';
import { oddShape } from '../input/parse.ts';

/**
 * Reading the console's HTML forms. Forms send strings; the actions turn
 * them into the very inputs the admin JSON API takes and validate them with
 * the same schemas (src/input/schemas.ts), so a rule holds on both ways in.
 */
export type FieldErrors = Record<string, string>;

/** FormData → plain object of its string fields (first value of each). */
export function formFields(form: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of form.entries()) if (typeof v === 'string' && !(k in out)) out[k] = v;
  return out;
}

/** The update form's choice that takes a component off the incident (null in the API). */
export const TAKE_OFF = 'remove';

/**
 * The component changes of a form: one `component.<id>` select per component,
 * empty meaning "not affected / unchanged", `remove` taking it off the
 * incident (null, as the API says it). Unknown ids are left for the verb to
 * refuse.
 */
export function componentChanges(form: FormData): { changes: ComponentChangesInput; error?: string } {
  // No prototype: `component.__proto__` stays a key of its own, for validate to refuse as the API does (on an
  // ordinary object, assigning it would set the prototype and the field would vanish without a word).
  const changes: ComponentChangesInput = Object.create(null);
  for (const [k, v] of form.entries()) {
    if (!k.startsWith('component.') || typeof v !== 'string' || v === '') continue;
    const id = k.slice('component.'.length);
    if (v === TAKE_OFF) changes[id] = null;
    else if ((COMPONENT_STATUSES as readonly string[]).includes(v)) changes[id] = v as ComponentStatus;
    else return { changes, error: `Unknown status "${v}".` };
  }
  return { changes };
}

/** Checkbox: present means yes. */
export const checked = (form: FormData, name: string): boolean => form.get(name) !== null;

/** A message as a sentence: its first letter a capital. */
export const sentence = (message: string) => message.charAt(0).toUpperCase() + message.slice(1);

/** Validates with one of the input schemas; on failure, one message per form field (its first problem). */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
): { ok: true; data: z.infer<S> } | { ok: false; errors: FieldErrors } {
  // What the API refuses before its schemas run (a key named __proto__, which zod would drop), refused here too.
  const odd = oddShape(value);
  if (odd !== null) return { ok: false, errors: { [odd.field?.split('.')[0] ?? 'form']: odd.message } };
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, data: parsed.data };
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? 'form')] ??= sentence(issue.message);
  return { ok: false, errors };
}

/**
 * Where a refused change's message goes on a form: beside the field it names
 * when the form has that field, else at the top. Anything but Herald's own
 * errors is not the Comms Lead's to fix and is thrown on.
 */
export function refusal(err: unknown, fields: readonly string[]): { status: number; errors: FieldErrors } {
  if (!(err instanceof HeraldError)) throw err;
  const field = err.field?.split('.')[0];
  return { status: httpStatus(err), errors: { [field && fields.includes(field) ? field : 'form']: printable(err.message) } };
}

const CONTROLS = new RegExp(CONTROL_IN_LINE.source, 'g');

/**
 * A verb's message as a page may show it. Messages quote what was sent (an unknown component of a
 * form): a control character in it (a NUL) would reach the page as it came, so each is written as its
 * escape (\u0000) instead. (The admin API's JSON escapes them itself.)
 */
const printable = (message: string): string => message.replace(CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * A console page's address search (`?q=`), read by the admin API's rule
 * (addressQuery): the query, or, when that refuses it (control characters),
 * no query, the message to show by the field and the status to answer.
 */
export function addressSearch(raw: string | null): { q: string; error: string | null; status: number } {
  try {
    return { q: addressQuery(raw), error: null, status: 200 };
  } catch (err) {
    const r = refusal(err, ['q']);
    return { q: '', error: Object.values(r.errors).join(' '), status: r.status };
  }
}
