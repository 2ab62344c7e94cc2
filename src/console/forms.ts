import { z } from 'zod';
import { COMPONENT_STATUSES, IMPACTS } from '../domain/status.ts';
import { UPDATE_STATUSES } from '../domain/incidents/lifecycle.ts';
import { LIMITS } from '../api/schemas.ts';
import type { ComponentStatus } from '../domain/status.ts';

/**
 * The console's form schemas. HTML forms send strings: these turn them into
 * the same inputs the admin JSON API hands to the domain verbs.
 */
export type FieldErrors = Record<string, string>;

const text = (label: string, max: number) =>
  z
    .string({ error: `${label} is required` })
    .trim()
    .min(1, `${label} must not be empty`)
    .max(max, `${label} must be at most ${max} characters`);

export const declareFormSchema = z.object({
  name: text('Name', LIMITS.name),
  impact: z.enum(IMPACTS, { error: 'Choose an impact' }),
  status: z.enum(UPDATE_STATUSES).exclude(['resolved']).default('investigating'),
  body: text('The first update', LIMITS.body),
});

export const updateFormSchema = z.object({
  status: z.enum(UPDATE_STATUSES, { error: 'Choose a status' }),
  body: text('The update', LIMITS.body),
});

export const correctFormSchema = z.object({ body: text('The text', LIMITS.body) });

export const componentFormSchema = z.object({
  name: text('Name', LIMITS.name),
  description: z.string().trim().max(LIMITS.description).optional().default(''),
  group: z.string().trim().max(LIMITS.name).optional().default(''),
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
