import { z } from 'zod';
import { COMPONENT_STATUSES, IMPACTS } from '../domain/status.ts';
import { UPDATE_STATUSES } from '../domain/incidents/lifecycle.ts';
import { LIMITS } from '../api/schemas.ts';
import type { ComponentStatus } from '../domain/status.ts';
import { CONTROL_IN_LINE, CONTROL_IN_TEXT, CONTROL_MESSAGE } from '../domain/text.ts';

/**
 * The console's form schemas. HTML forms send strings: these turn them into
 * the same inputs the admin JSON API hands to the domain verbs.
 */
export type FieldErrors = Record<string, string>;

const text = (label: string, max: number, oneLine = false) =>
  z
    .string({ error: `${label} is required` })
    .refine((v) => !(oneLine ? CONTROL_IN_LINE : CONTROL_IN_TEXT).test(v), `${label} ${CONTROL_MESSAGE}`)
    .trim()
    .min(1, `${label} must not be empty`)
    .max(max, `${label} must be at most ${max} characters`);

export const declareFormSchema = z.object({
  name: text('Name', LIMITS.name, true),
  impact: z.enum(IMPACTS, { error: 'Choose an impact' }),
  status: z.enum(UPDATE_STATUSES).exclude(['resolved']).default('investigating'),
  body: text('The first update', LIMITS.body),
});

export const updateFormSchema = z.object({
  status: z.enum(UPDATE_STATUSES, { error: 'Choose a status' }),
  body: text('The update', LIMITS.body),
});

export const correctFormSchema = z.object({ body: text('The text', LIMITS.body) });

const optionalLine = (label: string, max: number) =>
  z.string().refine((v) => !CONTROL_IN_LINE.test(v), `${label} ${CONTROL_MESSAGE}`).trim().max(max).optional().default('');

export const componentFormSchema = z.object({
  name: text('Name', LIMITS.name, true),
  description: optionalLine('Description', LIMITS.description),
  group: optionalLine('Group', LIMITS.name),
  position: z.coerce.number().int().min(0).max(100_000).optional(),
});

/** FormData → plain object of its string fields (first value of each). */
export function formFields(form: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of form.entries()) if (typeof v === 'string' && !(k in out)) out[k] = v;
  return out;
}

/**
 * The component changes of a form: one `component.<id>` select per component,
 * empty meaning "not affected / unchanged". Unknown ids are left for the verb
 * to refuse.
 */
export function componentChanges(form: FormData): { changes: Record<string, ComponentStatus>; error?: string } {
  const changes: Record<string, ComponentStatus> = {};
  for (const [k, v] of form.entries()) {
    if (!k.startsWith('component.') || typeof v !== 'string' || v === '') continue;
    if (!(COMPONENT_STATUSES as readonly string[]).includes(v)) return { changes, error: `Unknown status "${v}".` };
    changes[k.slice('component.'.length)] = v as ComponentStatus;
  }
  return { changes };
}

/** Parses with a schema; on failure, one message per field. */
export function parseForm<S extends z.ZodType>(
  schema: S,
  fields: Record<string, string>,
): { ok: true; data: z.infer<S> } | { ok: false; errors: FieldErrors } {
  const parsed = schema.safeParse(fields);
  if (parsed.success) return { ok: true, data: parsed.data };
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0] ?? 'form');
    errors[key] ??= issue.message;
  }
  return { ok: false, errors };
}

/** Checkbox: present means yes. */
export const checked = (form: FormData, name: string): boolean => form.get(name) !== null;

/**
 * A domain error (Invalid, Conflict, NotFound…) by shape rather than class:
 * the pages run from a bundle with its own copy of errors.ts.
 */
export function domainError(err: unknown): { status: number; message: string; field?: string } | null {
  const e = err as { status?: unknown; code?: unknown; message?: unknown; field?: unknown };
  if (typeof e?.status !== 'number' || typeof e.code !== 'string' || typeof e.message !== 'string') return null;
  return { status: e.status, message: e.message, ...(typeof e.field === 'string' ? { field: e.field } : {}) };
}

/** Where a domain error's field goes on a console form. */
export function errorToFields(err: { message: string; field?: string }): FieldErrors {
  const field = err.field?.split('.')[0];
  const known = ['name', 'impact', 'status', 'body', 'components'];
  return { [field && known.includes(field) ? field : 'form']: err.message };
}
