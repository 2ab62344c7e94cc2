import { EventEmitter } from 'node:events';
import { IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Socket } from 'node:net';
import type { Herald } from '../herald.ts';
import type { AstroHandler } from '../api/app.ts';
import type { Renderer } from './page-cache.ts';

/**
 * Renders a public page by calling Astro's middleware-mode handler in-process
 * with a bodiless GET and a response object that collects the bytes. A render
 * happens right after each publish, while visitors may be hammering the page:
 * going through a loopback HTTP request would queue it behind their sockets.
 * The handler only needs this small part of Node's request/response API
 * (see astro/app/node writeResponse).
 */
export function inProcessRenderer(handler: AstroHandler, herald: Herald, host: () => string): Renderer {
  return (path) =>
    new Promise((resolve, reject) => {
      const socket = new Socket();
      const req = new IncomingMessage(socket);
      req.method = 'GET';
      req.url = path;
      req.headers = { host: host() };
      req.push(null);
      const chunks: Buffer[] = [];
      const headers: Record<string, unknown> = {};
      const finish = (err?: Error) => {
        socket.destroy();
        if (err) return reject(err);
        const type = headers['content-type'];
        resolve({
          status: res.statusCode,
          contentType: typeof type !== 'string' ? 'text/html; charset=utf-8' : /charset=/i.test(type) ? type : `${type}; charset=utf-8`,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      };
      const res = Object.assign(new EventEmitter(), {
        req,
        statusCode: 200,
        statusMessage: '',
        headersSent: false,
        setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = value),
        getHeader: (name: string) => headers[name.toLowerCase()],
        hasHeader: (name: string) => name.toLowerCase() in headers,
        removeHeader: (name: string) => void delete headers[name.toLowerCase()],
        writeHead(status: number, h?: OutgoingHttpHeaders) {
          res.statusCode = status;
          for (const [k, v] of Object.entries(h ?? {})) headers[k.toLowerCase()] = v;
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
          finish(err ?? new Error(`The render of ${path} was aborted.`));
          return res;
        },
      });
      handler(req, res as never, undefined, { herald }).catch((err: Error) => finish(err));
    });
}
