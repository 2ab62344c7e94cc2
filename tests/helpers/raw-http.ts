import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';

/**
 * Writes `request` exactly as given on a new connection and resolves with
 * everything the server sent until it closed: for what fetch will not send
 * (HTTP/1.0 without Host, TRACE, CONNECT, a client that half-closes).
 * `halfClose` ends the client's side with the request.
 */
export function rawHttp(port: number, host: string, request: string, opts: { halfClose?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect(port, host, () => (opts.halfClose ? socket.end(request) : socket.write(request)));
    socket
      .on('data', (d) => (text += d))
      .on('end', () => resolve(text))
      .on('error', reject);
  });
}

/** One request through node:http, which sends any method (fetch refuses TRACE and CONNECT), and its whole answer. */
export function httpRequest(url: string, method: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { method }, (r) => {
      let body = '';
      r.setEncoding('utf8')
        .on('data', (d) => (body += d))
        .on('end', () => resolve({ status: r.statusCode!, headers: r.headers, body }));
    })
      .on('error', reject)
      .end();
  });
}
