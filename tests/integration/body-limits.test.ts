import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn } from '../helpers/console-session.ts';

/**
 * One body limit for every route of the process, enforced while the body
 * streams in: an unauthenticated client cannot make Herald hold a large
 * upload in memory, chunked or not, on a public form, the console or the API.
 */
let h: HeraldProcess;

beforeAll(async () => {
  h = await startHerald();
});
afterAll(() => stopAll(h));

/** Resident memory of the Herald process, in MB. */
const rssMb = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${h.proc.pid}/status`, 'utf8'))![1]) / 1024;

/**
 * Streams up to `totalBytes` of form-looking data as a chunked upload and
 * stops as soon as Herald answers (or drops the connection). Resolves with the
 * status, the answer's content type and how much was sent.
 */
function chunkedUpload(
  path: string,
  totalBytes: number,
  contentType = 'application/x-www-form-urlencoded',
  chunkBytes = 64 * 1024,
  headers: Record<string, string> = {},
) {
  const url = new URL(h.url);
  return new Promise<{ status: number; type: string; sent: number }>((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        headers: { origin: h.url, 'content-type': contentType, 'transfer-encoding': 'chunked', ...headers },
      },
      (res) => {
        answered = true;
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'] ?? '', sent }));
      },
    );
    req.on('error', (err) => (answered ? undefined : reject(err)));
    const chunk = Buffer.alloc(Math.min(chunkBytes, totalBytes), 0x61);
    // One chunk per turn of the event loop, as a client that reads while it
    // sends: Herald's answer is read as soon as it comes.
    const pump = () => {
      if (answered) return;
      if (sent >= totalBytes) return void req.end();
      sent += chunk.length;
      if (req.write(chunk)) setImmediate(pump);
      else req.once('drain', () => setImmediate(pump));
    };
    chunk.write('email=', 0);
    pump();
  });
}

/**
 * Sends the headers and `bytes` of a chunked body, and never the body's end:
 * an answer can only come from Herald refusing the request before reading it
 * all. Resolves with that answer (then drops the connection); rejects if none
 * comes, which means Herald was still reading.
 */
function unfinishedUpload(path: string, bytes: number, headers: Record<string, string>) {
  const url = new URL(h.url);
  return new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
    const req = request({
      host: url.hostname,
      port: url.port,
      path,
      method: 'POST',
      headers: { origin: h.url, 'transfer-encoding': 'chunked', ...headers },
    });
    const noAnswer = setTimeout(() => {
      req.destroy();
      reject(new Error(`${path}: no answer while the body was still coming (${bytes} bytes sent): Herald kept reading`));
    }, 10_000);
    req.on('response', (res) => {
      clearTimeout(noAnswer);
      resolve({ status: res.statusCode!, location: res.headers.location });
      res.resume();
      req.destroy();
    });
    req.on('error', () => {});
    req.write(Buffer.alloc(bytes, 0x61));
  });
}

const FIFTY_MB = 50 * 1024 * 1024;

describe('a 50 MB chunked body to each public form answers 413, and memory stays flat', () => {
  it.each([
    ['/subscribe'],
    ['/subscribe/manage/abcdefghijkl.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
    ['/subscribe/confirm/abcdefghijkl.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
    ['/unsubscribe/abcdefghijkl.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
    ['/admin/login'],
    ['/api/subscribers'],
  ])('%s', async (path) => {
    const type = path.startsWith('/api/') ? 'application/json' : undefined;
    // The figure compared is the growth the body causes. A first upload over the limit (2 MB: every route's is
    // lower) loads what the route's first 413 needs (its page's code, the renderer), which the 50 MB one then reuses.
    expect((await chunkedUpload(path, 2 * 1024 * 1024, type)).status).toBe(413);
    await fetch(`${h.url}/healthz`);
    const before = rssMb();
    const res = await chunkedUpload(path, FIFTY_MB, type);
    const after = rssMb();
    expect(res.status).toBe(413);
    expect(res.sent).toBeLessThan(FIFTY_MB);
    expect(after - before).toBeLessThan(20);
    // A form gets a page, the API its JSON error.
    expect(res.type).toMatch(path.startsWith('/api/') ? /application\/json/ : /text\/html/);
  });

  it('a form within the limit still works (the same upload path, 2 KB)', async () => {
    const res = await fetch(`${h.url}/subscribe`, {
      method: 'POST',
      headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: `email=${'a'.repeat(40)}%40example.com&pad=${'x'.repeat(2000)}`,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Check your inbox');
  });
});

describe('each kind of route has its own limit', () => {
  it('public forms: 16 KB', async () => {
    // 12 KB is read whole and reaches the page, which refuses the (absurd) address itself.
    const ok = await chunkedUpload('/subscribe', 12 * 1024, undefined, 1024);
    expect(ok.status).toBe(422);
    const big = await chunkedUpload('/subscribe', 20 * 1024, undefined, 1024);
    expect(big.status).toBe(413);
  });

  it('console forms (signed in): 1 MB, also for a chunked upload', async () => {
    const s = await signIn(h);
    const padded = (n: number) => new URLSearchParams({ csrf: s.csrf, name: 'Pad', pad: 'x'.repeat(n) }).toString();
    const within = await s.post('/admin/components', {}, { body: padded(1000 * 1024) });
    expect(within.status).not.toBe(413);
    const over = await s.post('/admin/components', {}, { body: padded(1100 * 1024) });
    expect(over.status).toBe(413);
    const chunked = await chunkedUpload('/admin/components', 2 * 1024 * 1024, undefined, undefined, { cookie: s.cookie });
    expect(chunked.status).toBe(413);
    // An Authorization header a proxy adds (its Basic sign-in) changes nothing for the console, which goes by its session.
    for (const authorization of ['Basic eA==', 'Bearer not-the-token', '']) {
      const res = await chunkedUpload('/admin/components', 2 * 1024 * 1024, undefined, undefined, { cookie: s.cookie, authorization });
      expect(res.status, `Authorization: ${authorization}`).toBe(413);
    }
  });

  it('a postmortem of 100,000 Japanese characters (its most) is saved from the console form, percent-encoded as forms send it', async () => {
    const declared = await h.admin('/incidents', { body: { name: 'Long review', impact: 'major', body: 'x' } });
    const { id } = (await declared.json()) as { id: string };
    expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.' } })).status).toBe(201);
    const s = await signIn(h);
    const body = `## Summary\n\n${'障害'.repeat(49_990)}`;
    expect(body.length).toBeLessThanOrEqual(100_000);
    // Before: 413 past 262,144 bytes, about 29,000 such characters.
    const res = await s.post(`/admin/incidents/${id}/postmortem`, { action: 'save', seen: '', body });
    expect(res.status, (await res.clone().text()).slice(0, 300)).toBeLessThan(400);
    const stored = (await (await h.admin(`/incidents/${id}`)).json()) as { postmortem: { body: string } | null };
    expect(stored.postmortem?.body).toBe(body);
  });

  it('without admin credentials, the admin API gets the public 16 KB: 64 KB is refused before the body ends; with the token it is read', async () => {
    for (const path of ['/api/admin/nope', '/api/admin/components']) {
      const res = await unfinishedUpload(path, 64 * 1024, { 'content-type': 'application/json' });
      expect(res.status, path).toBe(413);
    }
    // A wrong token (and a malformed header) is no credential either.
    for (const authorization of ['Bearer not-the-token', `Bearer ${h.token} x`]) {
      const res = await unfinishedUpload('/api/admin/components', 64 * 1024, { authorization, 'content-type': 'application/json' });
      expect(res.status, authorization).toBe(413);
    }
    // With the token, the same 64 KB is read whole and reaches the route, which answers it (a description that long is 422).
    const body = { name: 'Padded', description: 'y'.repeat(64 * 1024) };
    const withToken = await h.admin('/components', { body });
    expect(withToken.status).toBe(422);
    expect(((await withToken.json()) as { error: { field: string } }).error.field).toBe('description');
    expect((await h.admin('/nope', { body })).status).toBe(404);
  });

  it('a console form without a session is sent to sign in before its body is read, whatever its size (a postmortem after the session expired)', async () => {
    const s = await signIn(h);
    const out = await s.post('/admin/logout', {});
    expect(out.status).toBe(303);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    for (const cookie of [s.cookie, undefined]) {
      for (const path of ['/admin/incidents/INC-1/postmortem', '/admin/components', '/admin']) {
        const res = await unfinishedUpload(path, 64 * 1024, cookie ? { ...form, cookie } : form);
        expect(res.status, `${path} ${cookie ?? 'no cookie'}`).toBe(303);
        // Nothing of it read; the sign-in page says it was not saved.
        expect(res.location, path).toBe('/admin/login?unsent=1');
      }
    }
    // A whole long postmortem, as the browser posts it.
    const postmortem = await fetch(`${h.url}/admin/incidents/INC-1/postmortem`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...form, origin: h.url, referer: `${h.url}/admin/incidents/INC-1/postmortem`, cookie: s.cookie },
      body: new URLSearchParams({ csrf: s.csrf, body: 'x'.repeat(100 * 1024) }).toString(),
    });
    expect(postmortem.status).toBe(303);
    // Back to the form after signing in (where the console's script puts back what was typed).
    expect(postmortem.headers.get('location')).toBe(
      `/admin/login?next=${encodeURIComponent('/admin/incidents/INC-1/postmortem')}&unsent=1`,
    );
    // From another site it is still refused as such.
    const cross = await unfinishedUpload('/admin/components', 64 * 1024, { ...form, origin: 'https://evil.example' });
    expect(cross.status).toBe(403);
  });

  it('the admin API: 1 MB', async () => {
    const big = await h.admin('/components', { body: { name: 'x', description: 'y'.repeat(1100 * 1024) } });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });
});
