import type { z } from 'zod';
import { Invalid } from '../domain/errors.ts';

/**
 * Validates input with one of the schemas: the data, or an Invalid naming the
 * first bad field (an unknown key names itself, not its parent).
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  // zod drops a `__proto__` key without a word (it cannot be an own key of its output): refuse it.
  const proto = protoKeyPath(value);
  if (proto !== null) throw new Invalid('A key named __proto__ is not allowed.', proto);
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  let field = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') field = [field, issue.keys[0]].filter(Boolean).join('.');
  throw new Invalid(issue.message, field || undefined);
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
