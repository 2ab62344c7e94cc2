import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { printedDuring } from '../helpers/log-marker.ts';

/**
 * A client that goes away in the middle of its upload (a dropped
 * connection, a cancelled request) is nobody's error: Herald used to log
 * each one as a 500 with a stack, eight lines per connection anyone cares
 * to open and close.
 */
let h: HeraldProcess;

beforeAll(async () => {
  h = await startHerald();
});
afterAll(() => stopAll(h));

/** Sends the headers and part of a body that promises 100 bytes, then closes the connection. */
function abortedUpload(path: string, contentType: string): Promise<void> {
  const url = new URL(h.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${url.host}\r\nOrigin: ${h.url}\r\nContent-Type: ${contentType}\r\nContent-Length: 100\r\n\r\n{"e`,
      );
      setTimeout(() => socket.destroy(), 100);
    });
    socket.on('close', () => resolve()).on('error', reject);
  });
}

describe('an upload the client abandons', () => {
  it('is dropped without a log line, on every kind of route, and the server keeps serving', async () => {
    const routes: Array<[string, string]> = [
      ['/api/subscribers', 'application/json'],
      ['/api/admin/components', 'application/json'],
      ['/api/v2/summary.json', 'application/json'],
      ['/subscribe', 'application/x-www-form-urlencoded'],
      ['/unsubscribe/x', 'application/x-www-form-urlencoded'],
      ['/admin/login', 'application/x-www-form-urlencoded'],
      ['/', 'application/x-www-form-urlencoded'],
    ];
    const printed = await printedDuring(h, async () => {
      for (let round = 0; round < 3; round++) await Promise.all(routes.map(([path, type]) => abortedUpload(path, type)));
    });
    expect(printed).toBe('');
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });
});
