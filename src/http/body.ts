import type { Context, MiddlewareHandler } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import type { IncomingMessage } from 'node:http';
import { BadRequest, ClientGone, PayloadTooLarge } from './errors.ts';

/**
 * Request bodies, for every route of the process (Hono's and Astro's alike):
 * how large each may be, and that its text is UTF-8.
 *
 * The limit is enforced while the body streams in (chunked uploads
 * included), so memory never holds more than the limit of the route.
 */
export const BODY_LIMITS = {
  /** The admin JSON API (a postmortem is the longest text it takes). */
  adminApi: 1024 * 1024,
  /**
   * The console's forms (signed in; a postmortem again). As much as the API: a form sends its text
   * percent-encoded, 9 bytes for each Chinese or Japanese character and 6 for Hebrew or Arabic, so a
   * postmortem within its 100,000 characters in those scripts is up to 900 KB (256 KB refused 30,000).
   */
  console: 1024 * 1024,
  /** Everything public: subscribe, manage, confirm, unsubscribe, sign-in. An address and a few ids fit many times. */
  public: 16 * 1024,
} as const;

/** Whether `path` is `prefix` or below it (`/api` and `/api/…`, never `/apix`). */
export const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/** The largest body a request to `path` may carry once its sender is signed in (see bodyChecks). */
export function bodyLimitFor(path: string): number {
  if (under(path, '/api/admin')) return BODY_LIMITS.adminApi;
  // Sign-in is the one console form anyone can post: it gets the public limit.
  if (under(path, '/admin') && path !== '/admin/login') return BODY_LIMITS.console;
  return BODY_LIMITS.public;
}

const strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Whether a body's text is UTF-8. A form (`application/x-www-form-urlencoded`)
 * carries its text percent-encoded, so the escapes are decoded first: a lossy
 * decode would store U+FFFD where the sender meant something else.
 */
export function isUtf8Body(bytes: Uint8Array, contentType: string | undefined): boolean {
  const text = /^\s*application\/x-www-form-urlencoded/i.test(contentType ?? '') ? percentDecoded(bytes) : bytes;
  try {
    strict.decode(text);
    return true;
  } catch {
    return false;
  }
}

const HEX = /^[0-9a-fA-F]{2}$/;

/** The bytes a url-encoded body stands for (`%XX` → the byte, `+` → space). */
function percentDecoded(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x25 /* % */ && i + 2 < bytes.length && HEX.test(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!))) {
      out[n++] = Number.parseInt(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!), 16);
      i += 2;
    } else out[n++] = b === 0x2b /* + */ ? 0x20 : b;
  }
  return out.subarray(0, n);
}

/**
 * Reads a request body from the socket, up to `limit` bytes. Past the limit it
 * stops keeping anything and rejects at once; the rest of the upload keeps
 * flowing and is thrown away (@hono/node-server reads it off for a moment, up
 * to 64 MB / 500 ms, then closes), so the client, still sending, gets to read
 * the 413 instead of a reset connection, and memory never holds more than
 * the limit. (Hono's bodyLimit middleware counts too, but through a web
 * stream that stops the socket when abandoned: the client then sees a reset.)
 */
export function readLimited(incoming: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(incoming.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new PayloadTooLarge(limit));
  // The client left before anyone listened (while a guard was deciding): no 'end' or 'error' will ever come.
  if (incoming.destroyed) return Promise.reject(new ClientGone(new Error('the request was closed before its body was read')));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: Error) => {
      incoming.off('data', onData).off('end', onEnd).off('error', onError);
      if (err) {
        incoming.resume();
        reject(err);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) done(new PayloadTooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = () => done();
    // The stream only fails when the connection does (Node's "aborted", ECONNRESET): the client is gone.
    const onError = (err: Error) => done(new ClientGone(err));
    incoming.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/** Reads a web Request's body up to `limit` bytes (in-process requests, which have no socket). */
async function readRequestLimited(request: Request, limit: number): Promise<Buffer> {
  if (!request.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, size);
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw new PayloadTooLarge(limit);
    }
    chunks.push(value);
  }
}

/**
 * The front's two body checks, for every route: the route's size limit,
 * counted as the body streams in (a chunked upload too), and UTF-8. The body
 * is then held (within the limit) for whoever reads it, Hono or Astro.
 *
 * The body is read before the admin guards run, so a larger limit than the
 * public one is only for a request `signedIn` says carries admin credentials:
 * anyone else could otherwise make Herald hold a megabyte per connection
 * before being told 401. A console form posted without them (a session that
 * expired while a postmortem was being written) is not read at all: the
 * console guard answers it as it answers any request without a session (303
 * to the sign-in page, or 403 from another site), whatever its size, rather
 * than 413 for a body nobody will read.
 */
export function bodyChecks<E extends { Bindings: Partial<HttpBindings> }>(
  signedIn: (c: Context<E>) => Promise<boolean>,
): MiddlewareHandler<E> {
  return async (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return next();
    const path = c.req.path;
    let limit = bodyLimitFor(path);
    if (limit > BODY_LIMITS.public && !(await signedIn(c))) {
      // Left unread: the console guard refuses it (no session) before any page could read it.
      if (under(path, '/admin')) return next();
      limit = BODY_LIMITS.public;
    }
    const incoming = c.env?.incoming;
    const bytes = incoming ? await readLimited(incoming, limit) : await readRequestLimited(c.req.raw, limit);
    if (!isUtf8Body(bytes, c.req.header('content-type'))) throw new BadRequest('The request body is not valid UTF-8.', 'invalid_utf8');
    c.req.raw = new Request(c.req.raw, { body: new Uint8Array(bytes) });
    await next();
  };
}
