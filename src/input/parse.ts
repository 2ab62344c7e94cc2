import type { z } from 'zod';
import { Invalid } from '../domain/errors.ts';

/**
 * Validates input with one of the schemas: the data, or an Invalid naming the
 * first bad field (an unknown key names itself, not its parent).
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const odd = oddShape(value);
  if (odd !== null) throw new Invalid(odd.message, odd.field);
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  let field = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') field = [field, issue.keys[0]].filter(Boolean).join('.');
  throw new Invalid(issue.message, field || undefined);
}

/** Deeper than any input Herald takes (a few levels), far short of where a recursive walk runs out of stack. */
export const MAX_INPUT_DEPTH = 32;

/**
 * What the schemas cannot be trusted with, found before they run: a key named `__proto__` (zod drops it without
 * a word: it cannot be an own key of its output), and nesting past MAX_INPUT_DEPTH (JSON.parse builds any depth
 * that fits the body limit; validators and renderers that recurse must not meet it). Walked with a stack of
 * its own, so no depth of input can exhaust the call stack here.
 */
export function oddShape(value: unknown): { message: string; field: string | undefined } | null {
  const todo: Array<{ value: unknown; path: string[] }> = [{ value, path: [] }];
  for (let next = todo.pop(); next; next = todo.pop()) {
    if (next.value === null || typeof next.value !== 'object') continue;
    if (next.path.length >= MAX_INPUT_DEPTH)
      return { message: `Nested more than ${MAX_INPUT_DEPTH} levels deep.`, field: next.path.slice(0, 1).join('.') || undefined };
    const keys = Object.keys(next.value);
    // Pushed in reverse, so the first key is looked at first (the field named is the first bad one).
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      if (key === '__proto__') return { message: 'A key named __proto__ is not allowed.', field: [...next.path, key].join('.') };
      todo.push({ value: (next.value as Record<string, unknown>)[key], path: [...next.path, key] });
    }
  }
  return null;
}
