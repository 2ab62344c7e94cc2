import { EventEmitter } from 'node:events';
import { IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { Herald } from '../herald.ts';
import type { Renderer } from './page-cache.ts';

/** Astro's middleware-mode request handler (the `handler` of the build's entry.mjs). */
export type AstroHandler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void, locals?: object) => Promise<void>;

/** What Astro answered: status, headers (Set-Cookie may repeat) and the whole body. */
export interface AstroAnswer {
  status: number;
  headers: Headers;
  body: Buffer;
}

/**
 * Calls Astro's middleware-mode handler in-process with a response object
 * that collects the answer instead of writing to a socket. Every page goes
 * through here: the public pages when the page cache fills, and the forms and
 * console pages on each request, which then leave as an ordinary Response
 * (so HEAD, status lines and the security headers are Hono's business, in
 * one place). Pages are rendered whole anyway (streaming is off), and the
 * handler only needs this small part of Node's response API (see astro/app/node
 * writeResponse).
 */
export function callAstro(handler: AstroHandler, req: IncomingMessage, locals: object): Promise<AstroAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const raw: Record<string, unknown> = {};
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      if (err) return reject(err);
      const headers = new Headers();
      for (const [name, value] of Object.entries(raw)) {
        if (value === undefined) continue;
        for (const v of Array.isArray(value) ? value : [value]) headers.append(name, String(v));
      }
      resolve({ status: res.statusCode, headers, body: Buffer.concat(chunks) });
    };
    const res = Object.assign(new EventEmitter(), {
      req,
      statusCode: 200,
      statusMessage: '',
      headersSent: false,
      setHeader: (name: string, value: unknown) => void (raw[name.toLowerCase()] = value),
      getHeader: (name: string) => raw[name.toLowerCase()],
      hasHeader: (name: string) => name.toLowerCase() in raw,
      removeHeader: (name: string) => void delete raw[name.toLowerCase()],
      writeHead(status: number, h?: OutgoingHttpHeaders) {
        res.statusCode = status;
        for (const [k, v] of Object.entries(h ?? {})) raw[k.toLowerCase()] = v;
        res.headersSent = true;
        return res;
      },
      write(chunk: string | Uint8Array) {
        chunks.push(Buffer.from(chunk));
        return true;
      },
      end(chunk?: string | Uint8Array) {
        if (chunk) chunks.push(Buffer.from(chunk));
        res.emit('finish');
        finish();
        return res;
      },
      destroy(err?: Error) {
        finish(err ?? new Error(`The render of ${req.url} was aborted.`));
        return res;
      },
    });
    // A path no page matches: Astro hands it to `next`. Its own fallback would
    // render the 404 page without `locals`, so render that page here, with them.
    const notFound = () => {
      req.url = '/404';
      handler(req, res as never, undefined, locals).catch((err: Error) => finish(err));
    };
    handler(req, res as never, notFound, locals).catch((err: Error) => finish(err));
  });
}

/**
 * Renders a public page for the page cache: a bodiless GET made up here. A
 * render happens right after each publish, while visitors may be hammering
 * the page: going through a loopback HTTP request would queue it behind
 * their sockets.
 */
export function inProcessRenderer(handler: AstroHandler, herald: Herald, host: () => string): Renderer {
  return async (path) => {
    const socket = new Socket();
    const req = new IncomingMessage(socket);
    req.method = 'GET';
    req.url = path;
    req.headers = { host: host() };
    req.push(null);
    try {
      const answer = await callAstro(handler, req, { herald, session: null });
      const type = answer.headers.get('content-type');
      return {
        status: answer.status,
        contentType: type === null ? 'text/html; charset=utf-8' : /charset=/i.test(type) ? type : `${type}; charset=utf-8`,
        body: answer.body.toString('utf8'),
      };
    } finally {
      socket.destroy();
    }
  };
}
