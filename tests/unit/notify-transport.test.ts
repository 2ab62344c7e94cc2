import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { createMailer, ownMemory } from '../../src/notify/transport.ts';
import { smtpConnection } from '../../src/notify/smtp-url.ts';
import { Worker } from 'node:worker_threads';
import { buildRaw } from '../../src/notify/raw-mail.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const message = {
  from: 'Status <status@example.com>',
  to: 'ann@example.com',
  subject: 'Hello',
  text: 'Body',
  messageId: '<a.b@example.com>',
  headers: { 'List-Unsubscribe': '<https://s.example/unsubscribe/t>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
};

describe('the .eml outbox (no SMTP_URL)', () => {
  it('writes each message whole as DATA_DIR/outbox/<delivery id>.eml', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'herald-eml-'));
    dirs.push(dataDir);
    const mailer = createMailer({ dataDir, SMTP_POOL_SIZE: 1 });
    expect(mailer.kind).toBe('eml');
    await mailer.send('sub1.upd1', message);
    mailer.close();
    expect(readdirSync(join(dataDir, 'outbox'))).toEqual(['sub1.upd1.eml']);
    const eml = readFileSync(join(dataDir, 'outbox', 'sub1.upd1.eml'), 'utf8');
    expect(eml).toMatch(/^Message-ID: <a\.b@example\.com>\r$/m);
    expect(eml).toMatch(/\r\n\r\nBody/);
  });

  it('keeps the last 30 days: older messages go at the start and after a write (they held erased addresses for ever)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'herald-eml-'));
    dirs.push(dataDir);
    const outbox = join(dataDir, 'outbox');
    mkdirSync(outbox);
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
    for (const [name, days] of [
      ['old.eml', 31],
      ['recent.eml', 29],
      ['notes.txt', 400],
    ] as const) {
      writeFileSync(join(outbox, name), 'x');
      utimesSync(join(outbox, name), daysAgo(days), daysAgo(days));
    }
    const mailer = createMailer({ dataDir, SMTP_POOL_SIZE: 1 });
    await mailer.send('sub1.upd1', message);
    mailer.close();
    // Before: old.eml stayed for ever.
    await vi.waitFor(() => expect(readdirSync(outbox).sort()).toEqual(['notes.txt', 'recent.eml', 'sub1.upd1.eml']));
  });

  it('signs List-Unsubscribe-Post with DKIM when configured, for composed and prebuilt messages', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'herald-eml-'));
    dirs.push(dataDir);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const mailer = createMailer({
      dataDir,
      SMTP_POOL_SIZE: 1,
      DKIM_DOMAIN: 'example.com',
      DKIM_SELECTOR: 'herald',
      DKIM_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    await mailer.send('composed', message);
    await mailer.send('raw', { envelope: { from: 'status@example.com', to: ['ann@example.com'] }, raw: await buildRaw(message) });
    mailer.close();
    for (const id of ['composed', 'raw']) {
      const eml = readFileSync(join(dataDir, 'outbox', `${id}.eml`), 'utf8');
      const sig = /^DKIM-Signature:(.*(?:\r\n[ \t].*)*)/m.exec(eml)?.[1]?.replace(/\s+/g, '');
      expect(sig, id).toBeDefined();
      expect(sig).toContain('d=example.com');
      expect(sig!.toLowerCase()).toMatch(/h=[^;]*list-unsubscribe-post/);
    }
  });
});

describe('the SMTP relay (SMTP_URL)', () => {
  it('delivers composed and prebuilt messages whole, DKIM-signed with List-Unsubscribe-Post when configured', async () => {
    const received = new Map<string, string>();
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, cb) {
        let text = '';
        stream.setEncoding('utf8');
        stream.on('data', (d: string) => (text += d));
        stream.on('end', () => {
          received.set(session.envelope.rcptTo.map((r) => r.address).join(','), text);
          cb();
        });
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
      const mailer = createMailer({
        dataDir: tmpdir(),
        SMTP_URL: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
        SMTP_POOL_SIZE: 2,
        DKIM_DOMAIN: 'example.com',
        DKIM_SELECTOR: 'herald',
        DKIM_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      });
      expect(mailer.kind).toBe('smtp');
      await mailer.send('composed', message);
      await mailer.send('raw', {
        envelope: { from: 'status@example.com', to: ['bob@example.com'] },
        raw: Buffer.from(await buildRaw({ ...message, to: 'bob@example.com' })),
      });
      mailer.close();
      expect([...received.keys()].sort()).toEqual(['ann@example.com', 'bob@example.com']);
      for (const eml of received.values()) {
        expect(eml).toMatch(/^Message-ID: <a\.b@example\.com>\r$/m);
        expect(eml).toMatch(/\r\n\r\nBody/);
        const sig = /^DKIM-Signature:(.*(?:\r\n[ \t].*)*)/m.exec(eml)?.[1]?.replace(/\s+/g, '');
        expect(sig!.toLowerCase()).toMatch(/h=[^;]*list-unsubscribe-post/);
      }
    } finally {
      await new Promise((r) => server.close(() => r(undefined)));
    }
  });
});

describe('SMTP_URL', () => {
  it('becomes SMTPConnection options: scheme, port defaults, decoded credentials, TLS flags', () => {
    expect(smtpConnection('smtp://relay.example.com')).toEqual({ host: 'relay.example.com', port: 587, secure: false });
    expect(smtpConnection('smtps://mail.example.com')).toEqual({ host: 'mail.example.com', port: 465, secure: true });
    expect(smtpConnection('smtp://us%40er:p%3Ass%2Fw@[::1]:2525?requireTLS=true&tls.rejectUnauthorized=false')).toEqual({
      host: '::1',
      port: 2525,
      secure: false,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: 'us@er', pass: 'p:ss/w' },
    });
    expect(() => smtpConnection('http://relay.example.com')).toThrow(/smtp:\/\/ or smtps:\/\//);
  });

  it("with a raw '#' in the password says to write it as %23, also when what is left is no URL at all", () => {
    const hint = "SMTP_URL holds a '#': write it as %23 in the user name or password";
    // Before: "SMTP_URL must be a URL such as …" (read as host `user`, port `pa`), without the hint.
    expect(() => smtpConnection('smtp://user:pa#ss@relay.example.com:587')).toThrow(hint);
    expect(() => smtpConnection('smtp://user:pa%23ss@relay.example.com:587')).not.toThrow();
  });
});

describe('what crosses to the SMTP thread', () => {
  it("is a message's own bytes, not the pool block a small Buffer is a slice of, and they are moved, not copied", async () => {
    let got = '';
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, cb) {
        stream.setEncoding('utf8');
        stream.on('data', (d: string) => (got += d));
        stream.on('end', () => cb());
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    // What each posted job's bytes were when posted, and whether they went in the transfer list.
    const crossed: Array<{ bytes: number; moved: boolean }> = [];
    const post = Worker.prototype.postMessage;
    const posted = vi.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (this: Worker, m, moved) {
      const msg = m as { t: string; jobs?: Array<{ raw: Buffer }> };
      for (const j of msg.t === 'send' ? msg.jobs! : [])
        crossed.push({ bytes: j.raw.buffer.byteLength, moved: ((moved ?? []) as unknown[]).includes(j.raw.buffer) });
      post.call(this, m, moved as never);
    });
    try {
      const mailer = createMailer({
        dataDir: tmpdir(),
        SMTP_URL: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
        SMTP_POOL_SIZE: 1,
      });
      const eml = await buildRaw({ ...message, text: 'x'.repeat(Buffer.poolSize >>> 2) });
      const raw = Buffer.from(eml); // under half of Buffer.poolSize: a slice of Node's pool
      expect(raw.buffer.byteLength).toBeGreaterThan(raw.length);
      await mailer.send('pooled', { envelope: { from: 'status@example.com', to: ['ann@example.com'] }, raw });
      mailer.close();
      expect(crossed).toEqual([{ bytes: raw.length, moved: true }]);
      // The caller's slice of the pool is untouched: what moved was the copy made for the thread.
      expect(raw.toString()).toBe(eml);
      expect(got.replace(/\r\n$/, '')).toBe(eml.replace(/\r\n$/, ''));
    } finally {
      posted.mockRestore();
      await new Promise((r) => server.close(() => r(undefined)));
    }
  });

  it('takes a Buffer that already owns its memory as it is', () => {
    const b = Buffer.allocUnsafeSlow(6000).fill(1);
    expect(ownMemory(b)).toBe(b);
  });
});
