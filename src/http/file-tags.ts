import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const tags = new Map<string, string>();

/**
 * A strong ETag for a built file (a script, or its .br or .gz copy): its content's SHA-1, read once per
 * file, as the build's files do not change while Herald runs. Set on the answer, GET or HEAD, so that a
 * revalidation is a 304 without hashing the file again on every request.
 */
export function fileTag(path: string): string {
  let tag = tags.get(path);
  if (tag === undefined) {
    tag = `"${createHash('sha1').update(readFileSync(path)).digest('base64url')}"`;
    tags.set(path, tag);
  }
  return tag;
}
