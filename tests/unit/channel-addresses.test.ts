import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import type { lookup } from 'node:dns';
import { addressRefusal, urlRefusal } from '../../src/http/address-policy.ts';
import { PostFailed, postJson, type PostAnswer, type PostOptions } from '../../src/channels/outbound.ts';
import { afterPost, retryAfterMs, verdictOf } from '../../src/channels/verdict.ts';
import { whyStopped } from '../../src/read/stopped-channels.ts';
import type { Channel } from '../../src/domain/channels/model.ts';

/**
 * Where channels may post (src/http/address-policy.ts), how a post goes out
 * (src/channels/outbound.ts: checked at connect time, no redirects, 64 KB of
 * answer, a deadline) and what an answer means (src/channels/verdict.ts).
 */

// Private and special ranges: refused unless ALLOW_PRIVATE_WEBHOOKS, allowed with it.
const PRIVATE = [
  ['127.0.0.1', 'loopback'],
  ['::1', 'loopback'],
  ['10.20.30.40', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.254', 'private'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'carrierGradeNat'],
  ['fc00::1', 'uniqueLocal'],
  ['fd12:3456::1', 'uniqueLocal'],
  ['fe80::1', 'linkLocal'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:10.0.0.1', 'private'],
] as const;

// Not destinations at all: refused either way.
const NOWHERE = [
  ['0.0.0.0', 'unspecified'],
  ['::', 'unspecified'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['ff02::1', 'multicast'],
  ['255.255.255.255', 'broadcast'],
] as const;

const METADATA = ['169.254.169.254', 'fd00:ec2::254', '::ffff:169.254.169.254', '169.254.170.2', '100.100.100.200'];

// IPv4 link-local (169.254/16): where every cloud's instance services answer, refused either way, in any form.
const LINK_LOCAL_V4 = [
  '169.254.10.20',
  '169.254.170.23',
  '::ffff:169.254.170.23',
  '64:ff9b::a9fe:aa17',
  '2002:a9fe:aa17::1',
  // SIIT's IPv4-translated form, and a Teredo address whose client (the low 32 bits, inverted) is 169.254.170.23.
  '::ffff:0:a9fe:aa17',
  '2001:0:4136:e378:8000:63bf:5601:55e8',
];

describe('addressRefusal', () => {
  it.each(['8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows the public address %s either way', (a) => {
    expect(addressRefusal(a, false)).toBeNull();
    expect(addressRefusal(a, true)).toBeNull();
  });

  it.each(PRIVATE)('refuses %s (%s) without allowPrivate and allows it with allowPrivate', (a, range) => {
    expect(addressRefusal(a, false)).toBe(`${a} is not a public address (${range}); set ALLOW_PRIVATE_WEBHOOKS=true to allow it`);
    expect(addressRefusal(a, true)).toBeNull();
  });

  it.each(NOWHERE)('refuses %s (%s) even with allowPrivate', (a, range) => {
    expect(addressRefusal(a, false)).toBe(`${a} is not a destination (${range})`);
    expect(addressRefusal(a, true)).toBe(`${a} is not a destination (${range})`);
  });

  it.each(LINK_LOCAL_V4)('refuses %s, in 169.254/16, even with allowPrivate', (a) => {
    // Before: allowed with allowPrivate (EKS Pod Identity's 169.254.170.23 among them).
    expect(addressRefusal(a, true)).toBe(`${a} is in 169.254.0.0/16, where cloud metadata services answer`);
    expect(addressRefusal(a, false)).toBe(`${a} is in 169.254.0.0/16, where cloud metadata services answer`);
  });

  it.each(METADATA)('refuses the cloud metadata address %s even with allowPrivate', (a) => {
    expect(addressRefusal(a, false)).toBe(`${a} is a cloud metadata address`);
    expect(addressRefusal(a, true)).toBe(`${a} is a cloud metadata address`);
  });

  // From a second hostile review: with allowPrivate these were allowed, a route to the metadata service where a
  // translator serves the prefix (the OS only refused it here: EHOSTUNREACH).
  it.each([
    ['::ffff:0:a9fe:a9fe', '169.254.169.254'],
    ['::ffff:0:6464:64c8', '100.100.100.200'],
    ['2001:0:4136:e378:8000:63bf:5601:5601', '169.254.169.254'],
  ])('refuses %s, which carries the metadata address %s, even with allowPrivate', (a, v4) => {
    expect(addressRefusal(a, true)).toBe(`${a} is a cloud metadata address (${v4})`);
    expect(addressRefusal(a, false)).toBe(`${a} is a cloud metadata address (${v4})`);
  });

  it('judges an SIIT form of a private address as that address: refused without allowPrivate, allowed with it', () => {
    expect(addressRefusal('::ffff:0:a00:1', false)).toBe(
      '::ffff:0:a00:1 carries 10.0.0.1: 10.0.0.1 is not a public address (private); set ALLOW_PRIVATE_WEBHOOKS=true to allow it',
    );
    expect(addressRefusal('::ffff:0:a00:1', true)).toBeNull();
  });

  // The URL parser writes [::127.0.0.1] as [::7f00:1], which ipaddr calls unicast: allowed before.
  it.each([
    ['::7f00:1', '127.0.0.1', 'loopback'],
    ['::a00:1', '10.0.0.1', 'private'],
  ])('judges the IPv4-compatible %s as the address it carries, %s', (a, v4, range) => {
    const why = `${v4} is not a public address (${range}); set ALLOW_PRIVATE_WEBHOOKS=true to allow it`;
    expect(addressRefusal(a, false)).toBe(`${a} carries ${v4}: ${why}`);
    expect(addressRefusal(a, true)).toBeNull();
    expect(urlRefusal(`https://[::${v4}]/hook`, false)).toBe(`${a} carries ${v4}: ${why}`);
  });

  it('allows an IPv4-compatible form of a public address', () => {
    expect(urlRefusal('https://[::8.8.8.8]/hook', false)).toBeNull();
  });

  it('refuses what is not an IP address at all', () => {
    expect(addressRefusal('hooks.slack.com', true)).toBe('hooks.slack.com is not an IP address');
  });
});

describe('urlRefusal', () => {
  it('allows a public https URL, by name or by address', () => {
    expect(urlRefusal('https://hooks.slack.com/services/T0/B0/x', false)).toBeNull();
    expect(urlRefusal('https://8.8.8.8/hook', false)).toBeNull();
    expect(urlRefusal('https://[2606:4700:4700::1111]:8443/hook', false)).toBeNull();
  });

  it('refuses plain http without allowPrivate, and takes it with allowPrivate', () => {
    expect(urlRefusal('http://hooks.example.com/x', false)).toBe('url must use https (http needs ALLOW_PRIVATE_WEBHOOKS=true)');
    expect(urlRefusal('http://hooks.example.com/x', true)).toBeNull();
    expect(urlRefusal('ftp://hooks.example.com/x', true)).toBe('url must use https or http');
    expect(urlRefusal('not a url', true)).toBe('url must be an absolute URL');
  });

  it('refuses a user name or password in the URL, whatever allowPrivate says', () => {
    expect(urlRefusal('https://user:pass@hooks.example.com/x', false)).toBe('url must not carry a user name or password');
    expect(urlRefusal('https://user@hooks.example.com/x', true)).toBe('url must not carry a user name or password');
  });

  it('refuses localhost and its subdomains without allowPrivate only', () => {
    for (const u of ['https://localhost/x', 'https://LocalHost:8443/x', 'https://api.localhost/x']) {
      expect(urlRefusal(u, false), u).toBe('url must not point at this machine');
      expect(urlRefusal(u, true), u).toBeNull();
    }
  });

  it('refuses localhost written with the trailing dot of a fully qualified name', () => {
    expect(urlRefusal('https://localhost./x', false)).toBe('url must not point at this machine');
  });

  it('checks literal addresses, however they are spelled (brackets, short and hex forms)', () => {
    expect(urlRefusal('https://[::1]/x', false)).toMatch(/^::1 is not a public address \(loopback\)/);
    expect(urlRefusal('https://127.1/x', false)).toMatch(/^127\.0\.0\.1 is not a public address/);
    expect(urlRefusal('https://0x7f.0.0.1/x', false)).toMatch(/^127\.0\.0\.1 is not a public address/);
    expect(urlRefusal('https://2130706433/x', false)).toMatch(/^127\.0\.0\.1 is not a public address/);
    expect(urlRefusal('https://192.168.0.10:8443/x', true)).toBeNull();
  });

  it('refuses metadata URLs even with allowPrivate, however they are spelled', () => {
    expect(urlRefusal('http://169.254.169.254/latest/meta-data/', true)).toBe('169.254.169.254 is a cloud metadata address');
    expect(urlRefusal('http://0251.0376.0251.0376/latest', true)).toBe('169.254.169.254 is a cloud metadata address');
    expect(urlRefusal('http://[fd00:ec2::254]/latest', true)).toBe('fd00:ec2::254 is a cloud metadata address');
  });
});

// A stand-in DNS: answers every name with the given addresses, and records what was asked.
function resolverAnswering(...addresses: string[]) {
  const asked: string[] = [];
  const resolver = ((hostname: string, _options: unknown, callback: (err: Error | null, a: unknown) => void) => {
    asked.push(hostname);
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  }) as unknown as typeof lookup;
  return { resolver, asked };
}

const failure = (p: Promise<PostAnswer>) =>
  p.then(
    (answer) => {
      throw new Error(`expected no answer, got HTTP ${answer.status}`);
    },
    (err: unknown) => err as PostFailed,
  );

type Seen = { method: string; url: string; headers: IncomingMessage['headers']; body: string };
let seen: Seen[] = [];
let server: Server;
let port: number;
let silent: TcpServer;
let silentPort: number;
let silentConnections = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url === '/redirect') return res.writeHead(302, { location: `http://127.0.0.1:${port}/elsewhere` }).end('moved');
      if (req.url === '/big') return res.writeHead(200).end('x'.repeat(300 * 1024));
      if (req.url === '/hang') return; // never answers
      if (req.url === '/slow-body') return res.writeHead(200).write('accepted, and more to come'); // the body never ends
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
  // A TCP listener that only counts connections: proof that a refused post never connected.
  silent = createTcpServer((socket) => {
    silentConnections++;
    socket.destroy();
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  silentPort = (silent.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await new Promise((r) => silent.close(r));
});

describe('postJson', () => {
  const local = (o: Partial<PostOptions> = {}): PostOptions => ({ allowPrivate: true, timeoutMs: 2000, ...o });

  it('refuses at connect time a name that resolves to 127.0.0.1 (DNS rebinding), without connecting', async () => {
    const { resolver, asked } = resolverAnswering('127.0.0.1');
    const err = await failure(postJson(`https://rebind.example:${silentPort}/hook`, '{}', {}, { allowPrivate: false, resolver }));
    expect(err).toBeInstanceOf(PostFailed);
    expect(err.reason).toBe('refused');
    // Before: "rebind.example resolves to 127.0.0.1 is not a public address …", which does not parse.
    expect(err.message).toBe(
      'rebind.example resolves to 127.0.0.1: 127.0.0.1 is not a public address (loopback); set ALLOW_PRIVATE_WEBHOOKS=true to allow it',
    );
    expect(asked).toEqual(['rebind.example']);
    expect(silentConnections).toBe(0);
    // The URL's fault, not the message's, as a 404 is: the channel halts and its messages wait (before: this one
    // failed for good, and every later one after it, each dropped in turn, the channel still active).
    expect(verdictOf(err, new Date())).toEqual({ outcome: 'halt', error: `refused: ${err.message}` });
    // Said as Herald's refusal, not the receiver's.
    const disabled = { state: 'disabled', state_reason: `refused: ${err.message}` } as Channel;
    expect(whyStopped(disabled)).toBe(
      'disabled: its URL leads to an address Herald does not post to (rebind.example resolves to 127.0.0.1: 127.0.0.1 is not a public address (loopback); set ALLOW_PRIVATE_WEBHOOKS=true to allow it)',
    );
    expect(whyStopped({ state: 'disabled', state_reason: 'HTTP 410: gone' } as Channel)).toBe(
      'disabled: the receiver refused its URL (HTTP 410: gone)',
    );
  });

  it('refuses a name with one public and one private answer, and a name resolving to metadata even with allowPrivate', async () => {
    const mixed = await failure(
      postJson('https://mixed.example/hook', '{}', {}, { allowPrivate: false, ...resolverAnswering('8.8.8.8', '10.0.0.7') }),
    );
    expect(mixed.reason).toBe('refused');
    expect(mixed.message).toContain('10.0.0.7 is not a public address (private)');
    const metadata = await failure(postJson('http://meta.example/latest', '{}', {}, local(resolverAnswering('169.254.169.254'))));
    expect(metadata.reason).toBe('refused');
    expect(metadata.message).toBe('meta.example resolves to 169.254.169.254: 169.254.169.254 is a cloud metadata address');
  });

  it('refuses before resolving anything when the URL itself is refused', async () => {
    const { resolver, asked } = resolverAnswering('8.8.8.8');
    const err = await failure(postJson('http://hooks.example.com/x', '{}', {}, { allowPrivate: false, resolver }));
    expect([err.reason, err.message]).toEqual(['refused', 'url must use https (http needs ALLOW_PRIVATE_WEBHOOKS=true)']);
    expect(asked).toEqual([]);
  });

  it('goes on to connect when the name resolves to a public address', async () => {
    const { resolver, asked } = resolverAnswering('1.1.1.1');
    // Port 9 on a public address: no answer here (no route or nothing listening); what matters is it was not refused.
    const err = await failure(postJson('https://public.example:9/hook', '{}', {}, { allowPrivate: false, resolver, timeoutMs: 300 }));
    expect(asked).toEqual(['public.example']);
    expect(['network', 'timeout']).toContain(err.reason);
  });

  it('posts to the address the resolver gave, with the URL host in the Host header, the JSON body and the given headers', async () => {
    seen = [];
    const { resolver, asked } = resolverAnswering('127.0.0.1');
    const answer = await postJson(`http://rebind.example:${port}/hooks/abc?x=1`, '{"a":1}', { 'webhook-id': 'msg_1' }, local({ resolver }));
    expect(answer).toEqual({ status: 200, retryAfter: null, body: 'ok' });
    expect(asked).toEqual(['rebind.example']);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/hooks/abc?x=1', body: '{"a":1}' });
    expect(seen[0]!.headers).toMatchObject({
      host: `rebind.example:${port}`,
      'content-type': 'application/json',
      'content-length': '7',
      'user-agent': 'Herald-Webhooks/1',
      'webhook-id': 'msg_1',
    });
  });

  it('does not follow a redirect: the 302 is the answer, and it halts the channel', async () => {
    seen = [];
    const answer = await postJson(`http://127.0.0.1:${port}/redirect`, '{}', {}, local());
    expect(answer.status).toBe(302);
    expect(seen.map((s) => s.url)).toEqual(['/redirect']);
    expect(verdictOf(answer, new Date())).toEqual({ outcome: 'halt', error: 'HTTP 302: moved' });
  });

  it("a receiver's answer reaches the error line without control characters (an ESC sequence, a NUL, a C1 code)", () => {
    const answer = { status: 500, body: 'down\u001b[2J\u0000here\u009b31m!', headers: {} } as unknown as Parameters<typeof verdictOf>[0];
    expect(verdictOf(answer, new Date())).toMatchObject({ error: 'HTTP 500: down [2J here 31m!' });
  });

  it('reads at most 64 KB of an answer (or maxBytes)', async () => {
    const answer = await postJson(`http://127.0.0.1:${port}/big`, '{}', {}, local());
    expect(answer.status).toBe(200);
    expect(answer.body.length).toBe(64 * 1024);
    const small = await postJson(`http://127.0.0.1:${port}/big`, '{}', {}, local({ maxBytes: 10 }));
    expect(small.body).toBe('xxxxxxxxxx');
  });

  it('gives up on a receiver that never answers after timeoutMs, with reason timeout', async () => {
    const started = Date.now();
    const err = await failure(postJson(`http://127.0.0.1:${port}/hang`, '{}', {}, local({ timeoutMs: 300 })));
    const took = Date.now() - started;
    expect([err.reason, err.message]).toEqual(['timeout', 'no answer within 300 ms']);
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(3000);
    expect(verdictOf(err, new Date())).toEqual({ outcome: 'retry', afterMs: null, error: 'timeout: no answer within 300 ms' });
  });

  it('takes the status of a receiver that answered but sends its body slowly: the post was delivered, not timed out', async () => {
    // Before: a timeout, so the message was retried (and delivered twice). The body never ends, so the post still
    // ends at timeoutMs, with the status line in; 3 s, so that a stall of this process (which is the receiver too)
    // cannot fire it before that status line was read.
    const answer = await postJson(`http://127.0.0.1:${port}/slow-body`, '{}', {}, local({ timeoutMs: 3_000 }));
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('accepted, and more to come');
    expect(verdictOf(answer, new Date()).outcome).toBe('sent');
  });

  it('reports a closed port as a network failure, to be retried', async () => {
    const closed = createTcpServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = await failure(postJson(`http://127.0.0.1:${closedPort}/x`, '{}', {}, local()));
    expect(err.reason).toBe('network');
    expect(verdictOf(err, new Date())).toMatchObject({ outcome: 'retry', afterMs: null });
  });
});

describe('verdictOf and retryAfterMs', () => {
  const NOW = new Date('2026-11-22T09:00:00.000Z');
  const answer = (status: number, retryAfter: string | null = null, body = ''): PostAnswer => ({ status, retryAfter, body });

  it.each([200, 201, 202, 204, 299])('%i is sent', (status) => {
    expect(verdictOf(answer(status), NOW)).toEqual({ outcome: 'sent' });
  });

  it('410 halts the channel (it is disabled)', () => {
    expect(verdictOf(answer(410, null, 'no such hook'), NOW)).toEqual({ outcome: 'halt', error: 'HTTP 410: no such hook' });
  });

  // The URL moved, revoked or wrong: every message would be refused alike, so none is failed alone.
  it.each([301, 302, 307, 308, 401, 403, 404])('%i halts the channel (its URL refused)', (status) => {
    expect(verdictOf(answer(status), NOW)).toEqual({ outcome: 'halt', error: `HTTP ${status}` });
  });

  it.each([408, 500, 502, 503, 504])('%i is retried on the backoff', (status) => {
    expect(verdictOf(answer(status), NOW)).toEqual({ outcome: 'retry', afterMs: null, error: `HTTP ${status}` });
  });

  it('a 503 (or another retried answer) with a Retry-After is not retried before it (before: ignored, the backoff alone)', () => {
    expect(verdictOf(answer(503, '120'), NOW)).toEqual({ outcome: 'retry', afterMs: 120_000, error: 'HTTP 503' });
  });

  it("waits the backoff or the receiver's Retry-After, the longer; 0 is at once", () => {
    const d = { attempts: 0 } as Parameters<typeof afterPost>[0];
    const retry = { baseMs: 10_000, maxMs: 600_000 };
    const wait = (afterMs: number | null) =>
      afterPost(d, { outcome: 'retry', afterMs, error: 'HTTP 429' }, 429, NOW, retry).next_at! - NOW.getTime();
    expect(wait(120_000)).toBe(120_000);
    // Shorter than the backoff (5–10 s on a first failure): the backoff.
    expect(wait(1_000)).toBeGreaterThanOrEqual(5_000);
    expect(wait(0)).toBe(0);
  });

  it('429 is retried after its Retry-After: seconds, or an HTTP date, or the backoff when absent', () => {
    expect(verdictOf(answer(429, '3'), NOW)).toEqual({ outcome: 'retry', afterMs: 3000, error: 'HTTP 429' });
    const in5s = new Date(NOW.getTime() + 5000).toUTCString();
    expect(verdictOf(answer(429, in5s), NOW)).toMatchObject({ outcome: 'retry', afterMs: 5000 });
    expect(verdictOf(answer(429), NOW)).toMatchObject({ outcome: 'retry', afterMs: null });
  });

  // This message refused (its payload), not the URL: the next one may go.
  it.each([400, 405, 413, 415, 422])('%i is failed for good', (status) => {
    expect(verdictOf(answer(status), NOW)).toEqual({ outcome: 'failed', error: `HTTP ${status}` });
  });

  it('keeps the error to one line of at most 200 characters of the answer', () => {
    expect(verdictOf(answer(500, null, 'line one\n  line two'), NOW)).toMatchObject({ error: 'HTTP 500: line one line two' });
    expect((verdictOf(answer(400, null, 'y'.repeat(1000)), NOW) as { error: string }).error).toBe(`HTTP 400: ${'y'.repeat(200)}`);
  });

  it('reads Retry-After values', () => {
    expect(retryAfterMs(null, NOW)).toBeNull();
    expect(retryAfterMs('3', NOW)).toBe(3000);
    // "Now" leaves the backoff alone (before: 0, ten retries back to back, then the channel paused).
    expect(retryAfterMs(' 0 ', NOW)).toBeNull();
    expect(retryAfterMs('Sun, 22 Nov 2026 09:00:07 GMT', NOW)).toBe(7000);
    expect(retryAfterMs('Sun, 22 Nov 2026 08:59:00 GMT', NOW)).toBeNull();
    expect(retryAfterMs('soon', NOW)).toBeNull();
    expect(retryAfterMs('999999', NOW)).toBe(3_600_000);
  });

  it('ignores a malformed Retry-After (neither whole seconds nor an HTTP date) instead of retrying at once', () => {
    // Date.parse reads "1.5" as 5 January 2001 and "-5" as May 2001: in the past, so 0 ms.
    expect(retryAfterMs('1.5', NOW)).toBeNull();
    expect(retryAfterMs('-5', NOW)).toBeNull();
  });
});
