import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { connect } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';

/**
 * Protocol-level attack tables against a real server: path traversal on
 * static files, oversized bodies, slow clients, prototype-pollution keys,
 * invalid UTF-8, and the security headers of every kind of response.
 */
let h: HeraldProcess;
let plain: HeraldProcess;

beforeAll(async () => {
  [h, plain] = await Promise.all([
    startHerald({ env: { SITE_URL: 'https://status.example.test', HEADERS_TIMEOUT_MS: '1000' } }),
    startHerald({ env: { SITE_URL: 'http://status.example.test' } }),
  ]);
  expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
});
afterAll(() => stopAll(h, plain));

/** An HTTP request with the path sent exactly as written (fetch would normalise `..`). */
function raw(path: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {}) {
  const url = new URL(h.url);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const PACKAGE_JSON = readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8');

describe('path traversal on static files never serves a file outside the client folder', () => {
  it.each([
    '/..%2f..%2fetc/passwd',
    '/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
    '/_astro/../../package.json',
    '/_astro/..%2f..%2f..%2fpackage.json',
    '/_astro/%2e%2e/%2e%2e/%2e%2e/package.json',
    '/%2e%2e/%2e%2e/%2e%2e/package.json',
    '/%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json',
    '/%252e%252e/%252e%252e/package.json',
    '/..\\..\\..\\package.json',
    '/_astro/..%5c..%5c..%5cpackage.json',
    '/favicon.svg/..%2f..%2f..%2fpackage.json',
    '/favicon.svg%00.html',
    '//etc/passwd',
    '/./../../../etc/passwd',
    '/_astro/....//....//package.json',
    '/%c0%ae%c0%ae/%c0%ae%c0%ae/package.json',
  ])('%s', async (path) => {
    const res = await raw(path);
    expect(res.body).not.toContain('root:x:0:0');
    expect(res.body).not.toContain(PACKAGE_JSON.slice(0, 60));
    expect(res.body).not.toContain('"devDependencies"');
    expect(res.status).not.toBe(500);
  });

  it('the same server does serve its own static files (so the table above is meaningful)', async () => {
    const res = await raw('/favicon.svg');
    expect(res.status).toBe(200);
    expect(res.body).toContain('<svg');
  });
});

describe('oversized bodies answer 413 with a JSON error', () => {
  const big = Buffer.alloc(2 * 1024 * 1024, 0x61);
  const json = Buffer.concat([Buffer.from('{"name":"'), big, Buffer.from('"}')]);
  it.each([
    ['admin API with Content-Length', '/api/admin/components', { 'content-length': String(json.length) }],
    ['admin API chunked (no Content-Length)', '/api/admin/components', { 'transfer-encoding': 'chunked' }],
    ['public subscribe API', '/api/subscribers', { 'content-length': String(json.length) }],
  ] as const)('%s', async (_name, path, headers) => {
    const res = await raw(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json', ...headers },
      body: json,
    }).catch((err: Error) => ({ status: 0, body: err.message, headers: {} }));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBeTruthy();
    expect(await (await h.admin('/components')).json()).toMatchObject({ components: [{ id: 'api' }] });
  });
});

describe("Astro's endpoints for what Herald does not use", () => {
  it("the image endpoint and server islands answer the site's 404 page, and log nothing", async () => {
    const notFound = await (await fetch(`${h.url}/nope`)).text();
    const before = h.output().length;
    for (const path of ['/_image?href=%2Fstatus.js&w=10', '/_image?href=%2Ffavicon.svg', '/_image', '/_server-islands/x']) {
      const res = await fetch(`${h.url}${path}`);
      // Before: 500 "Internal Server Error" for the first, and an "[ERROR] Could not process image request" line.
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).toBe(notFound);
    }
    expect((await fetch(`${h.url}/_image?href=%2Ffavicon.svg`, { method: 'HEAD' })).status).toBe(404);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.output().slice(before)).toBe('');
  });
});

describe('slow clients', () => {
  it('a client that never finishes its headers is disconnected (HEADERS_TIMEOUT_MS=1000), and the server keeps serving', async () => {
    const url = new URL(h.url);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GET / HTTP/1.1\r\nHost: status.example.test\r\nX-Slow: ');
    let received = '';
    socket.on('data', (d) => (received += d));
    const closed = await new Promise<boolean>((resolve) => {
      socket.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 20_000); // generous bound: Node checks timers every 250 ms here
    });
    socket.destroy();
    expect(closed).toBe(true);
    expect(received).not.toContain('200 OK');
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });
});

describe('prototype-pollution keys cannot change behaviour', () => {
  it.each([
    ['__proto__ at the top', '{"name":"Polluter","__proto__":{"isAdmin":true,"status":"major_outage"}}'],
    ['constructor.prototype', '{"name":"Polluter","constructor":{"prototype":{"isAdmin":true}}}'],
    ['__proto__ as a component id in a record', null],
  ])('%s', async (name, body) => {
    const res =
      body === null
        ? await h.admin('/incidents', {
            body: '{"name":"Proto incident","impact":"minor","body":"x","components":{"__proto__":"major_outage","api":"degraded_performance"}}',
          })
        : await h.admin('/components', { body });
    expect([201, 400, 422]).toContain(res.status);
    // Nothing else changed: auth still required, components and their statuses as before.
    expect((await fetch(`${h.url}/api/admin/components`)).status).toBe(401);
    const { components } = (await (await h.admin('/components')).json()) as { components: Array<Record<string, unknown>> };
    for (const c of components) {
      expect(Object.keys(c)).not.toContain('isAdmin');
      expect(c.isAdmin).toBeUndefined();
    }
    expect(components.find((c) => c.id === 'api')?.status).toMatch(/operational|degraded_performance/);
    expect(components.some((c) => c.id === '__proto__' || c.name === '__proto__')).toBe(false);
    const summary = (await (await fetch(`${h.url}/api/v2/summary.json`)).json()) as Record<string, unknown>;
    expect(summary.isAdmin).toBeUndefined();
    void name;
  });
});

describe('invalid UTF-8 in JSON bodies answers a clean 400', () => {
  it.each([
    ['lone continuation byte', Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0x80, 0x22, 0x7d])],
    ['overlong slash', Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')])],
    ['truncated sequence', Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xe2, 0x82]), Buffer.from('"}')])],
    ['UTF-16 surrogate encoded in UTF-8', Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')])],
    ['0xFF byte', Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])],
  ])('%s', async (_name, body) => {
    const res = await raw('/api/admin/components', {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json', 'content-length': String(body.length) },
      body,
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'invalid_utf8', message: expect.any(String) } });
  });

  it('a lone surrogate written as a JSON escape is stored and served as valid JSON', async () => {
    const res = await h.admin('/components', { body: '{"id":"surrogate","name":"odd \\ud800 name"}' });
    expect([201, 422]).toContain(res.status);
    const list = await (await h.admin('/components')).text();
    expect(() => JSON.parse(list)).not.toThrow();
    expect((await fetch(`${h.url}/`)).status).toBe(200);
  });
});

describe('security headers on every kind of response', () => {
  const asset = () => readdirSync(fileURLToPath(new URL(`../../${process.env.HERALD_DIST ?? 'dist'}/client/_astro/`, import.meta.url)))[0];
  const targets = (): Array<[string, string, RequestInit?]> => [
    ['status page (cached)', '/'],
    ['incident 404 page (cached)', '/incidents/INC-1999-01-01-1'],
    ['history (cached)', '/history'],
    ['subscribe page (Astro)', '/subscribe'],
    ['admin login page (Astro)', '/admin/login'],
    ['unknown page (Astro 404)', '/no-such-page'],
    ['static file', '/favicon.svg'],
    ['hashed asset', `/_astro/${asset()}`],
    ['embed script', '/embed.js'],
    ['v2 summary JSON', '/api/v2/summary.json'],
    ['banner JSON', '/api/banner.json'],
    // The hot paths answer before the middlewares (src/http/public-cache.ts, PublicAnswers): their 304s too.
    ['banner JSON, not modified', '/api/banner.json', { headers: { 'if-none-match': '*' } }],
    ['v2 status JSON, not modified', '/api/v2/status.json', { headers: { 'if-none-match': '*' } }],
    ['status page, not modified', '/', { headers: { 'if-none-match': '*' } }],
    ['Atom feed', '/history.atom'],
    ['health check', '/healthz'],
    ['API 404', '/api/nope'],
    ['API 401', '/api/admin/components'],
    ['API 400', '/api/subscribers', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }],
  ];

  it.each(targets().map(([name, path, init]) => [name, path, init] as const))('%s (%s)', async (_name, path, init) => {
    for (const [server, https] of [
      [h, true],
      [plain, false],
    ] as const) {
      const res = await fetch(`${server.url}${path}`, init);
      expect(res.status).toBeLessThan(500);
      const csp = res.headers.get('content-security-policy') ?? '';
      const scriptSrc = /script-src([^;]*)/.exec(csp)?.[1] ?? /default-src([^;]*)/.exec(csp)?.[1];
      expect(scriptSrc, `script-src in ${csp}`).toBeDefined();
      expect(scriptSrc).not.toContain("'unsafe-inline'");
      expect(scriptSrc).not.toContain("'unsafe-eval'");
      expect(csp).toMatch(/frame-ancestors\s+'none'/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBeTruthy();
      expect(res.headers.get('x-powered-by')).toBeNull();
      if (https) expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
      else expect(res.headers.get('strict-transport-security')).toBeNull();
    }
  });
});
