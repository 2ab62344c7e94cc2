import type { Context } from 'hono';
import type { z } from 'zod';
import { HeraldError } from '../domain/errors.ts';
import { BadRequest, UnsupportedMediaType } from '../http/errors.ts';
import { parseInput } from '../input/parse.ts';

/** `application/json`, or a JSON-based type such as `application/merge-patch+json`, any parameters after it. */
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Reads and validates a JSON body: one sent as another type (text/plain, a form, none) is 415, malformed JSON
 * 400, a bad field 422 naming it. Sent as text, a script's body was read all the same, unlike the subscribe
 * API's, and a client that labels its body wrongly is told so before it relies on that.
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  if (!JSON_TYPE.test(c.req.header('content-type') ?? '')) {
    throw new UnsupportedMediaType('Send the body as JSON, with Content-Type: application/json.');
  }
  let body: unknown;
  try {
    body = await c.req.json();
  } catch (err) {
    if (err instanceof HeraldError) throw err;
    throw new BadRequest('The request body is not valid JSON.', 'invalid_json');
  }
  return parseInput(schema, body);
}
