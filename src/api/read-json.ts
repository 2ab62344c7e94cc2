import type { Context } from 'hono';
import type { z } from 'zod';
import { BadRequest, HeraldError, Invalid } from '../domain/errors.ts';

/** Reads and validates a JSON body; malformed JSON is 400, a bad field 422 naming it. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch (err) {
    if (err instanceof HeraldError) throw err;
    throw new BadRequest('The request body is not valid JSON.', 'invalid_json');
  }
  // zod drops a `__proto__` key without a word (it cannot be an own key of its output): refuse it.
  const proto = protoKeyPath(body);
  if (proto !== null) throw new Invalid('A key named __proto__ is not allowed.', proto);
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    let field = issue.path.join('.');
    // An unknown key names itself, not its parent.
    if (issue.code === 'unrecognized_keys') field = [field, issue.keys[0]].filter(Boolean).join('.');
    throw new Invalid(issue.message, field || undefined);
  }
  return parsed.data;
}

export function errorBody(err: HeraldError) {
  return { error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } };
}

/** The path of the first own `__proto__` key in parsed JSON, or null. */
function protoKeyPath(value: unknown, path: string[] = []): string | null {
  if (value === null || typeof value !== 'object') return null;
  for (const key of Object.keys(value)) {
    if (key === '__proto__') return [...path, key].join('.');
    const found = protoKeyPath((value as Record<string, unknown>)[key], [...path, key]);
    if (found !== null) return found;
  }
  return null;
}
