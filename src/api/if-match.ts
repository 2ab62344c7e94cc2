import { Invalid } from '../domain/errors.ts';

/**
 * An If-Match header as the versions it allows; `*` (any version) and no header both mean no check (undefined).
 * A weak tag (`W/"…"`, as a compressing proxy makes ours) counts as its strong self: each of Herald's tags names
 * the content, not its bytes. `source` names where the tag comes from, for the error.
 */
export function ifMatch(header: string | undefined, source: string): string[] | undefined {
  const v = header?.trim();
  if (v === undefined || v === '*') return undefined;
  const tags = v.split(',').map((t) => /^(?:W\/)?"([\x21\x23-\x7e]{1,64})"$/.exec(t.trim())?.[1]);
  if (tags.some((t) => t === undefined)) throw new Invalid(`If-Match must be the ETag of ${source}, in its quotes.`, 'If-Match');
  return tags as string[];
}

/**
 * `res` (a JSON answer) with the ETag `tagOf` gives its content, for the next If-Match. A new answer rather than
 * a header set on this one: over HTTP (@hono/node-server) a header set on a Response already made was not sent.
 */
export async function withETag<T>(res: Response, tagOf: (json: T) => string): Promise<Response> {
  const json = (await res.json()) as T;
  const headers = new Headers(res.headers);
  headers.set('ETag', tagOf(json));
  return new Response(JSON.stringify(json), { status: res.status, headers });
}
