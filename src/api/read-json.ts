import type { Context } from 'hono';
import type { z } from 'zod';
import { HeraldError } from '../domain/errors.ts';
import { BadRequest } from '../http/errors.ts';
import { parseInput } from '../input/parse.ts';

/** Reads and validates a JSON body; malformed JSON is 400, a bad field 422 naming it. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch (err) {
    if (err instanceof HeraldError) throw err;
    throw new BadRequest('The request body is not valid JSON.', 'invalid_json');
  }
  return parseInput(schema, body);
}
