import { afterEach, describe, expect, it } from 'vitest';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SmtpPool } from '../../src/notify/smtp-pool.ts';

interface Sink {
  port: number;
  connections: () => number;
  messages: Array<{ to: string[]; subject: string | undefined; session: string }>;
  close: () => Promise<void>;
}

const sinks: Sink[] = [];
const pools: SmtpPool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) p.close();
  for (const s of sinks.splice(0)) await s.close();
});

async function sink(options: Partial<SMTPServerOptions> = {}): Promise<Sink> {
  let connections = 0;
  const messages: Sink['messages'] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, cb) {
      connections++;
      cb();
    },
    async onData(stream, session, cb) {
      const mail = await simpleParser(stream);
      messages.push({ to: session.envelope.rcptTo.map((r) => r.address), subject: mail.subject, session: session.id });
      cb();
    },
    ...options,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const s: Sink = {
    port: (server.server.address() as AddressInfo).port,
    connections: () => connections,
    messages,
    close: () => new Promise((r) => server.close(() => r())),
  };
  sinks.push(s);
  return s;
}

function pool(port: number, size: number, extra: object = {}): SmtpPool {
  const p = new SmtpPool({ connection: { host: '127.0.0.1', port, ignoreTLS: true, ...extra }, size });
  pools.push(p);
  return p;
}

const raw = (subject: string) => Buffer.from(`From: s@example.com\r\nTo: r@example.com\r\nSubject: ${subject}\r\n\r\nHello.\r\n.leading dot\r\n`);

describe('SmtpPool: nodemailer SMTP connections kept open and reused', () => {
  it('sends many messages over at most `size` connections, each whole', async () => {
    const s = await sink();
    const p = pool(s.port, 3);
    await Promise.all(Array.from({ length: 30 }, (_, i) => p.send({ from: 's@example.com', to: [`r${i}@example.com`] }, raw(`m${i}`))));
    expect(s.messages).toHaveLength(30);
    expect(new Set(s.messages.map((m) => m.subject))).toEqual(new Set(Array.from({ length: 30 }, (_, i) => `m${i}`)));
    expect(s.connections()).toBeLessThanOrEqual(3);
    expect(new Set(s.messages.map((m) => m.session)).size).toBeLessThanOrEqual(3);
  });

  it('a refused recipient fails that message only; the connection stays in use', async () => {
    const s = await sink({
      onRcptTo(address, _session, cb) {
        if (address.address.startsWith('gone')) return cb(Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 }));
        cb();
      },
    });
    const p = pool(s.port, 1);
    await p.send({ from: 's@example.com', to: ['a@example.com'] }, raw('first'));
    const err = await p.send({ from: 's@example.com', to: ['gone@example.com'] }, raw('refused')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EENVELOPE', responseCode: 550 });
    await p.send({ from: 's@example.com', to: ['b@example.com'] }, raw('after'));
    expect(s.messages.map((m) => m.subject)).toEqual(['first', 'after']);
    expect(s.connections()).toBe(1);
  });

  it('logs in with the credentials of SMTP_URL; wrong ones fail with EAUTH', async () => {
    const s = await sink({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(auth, _session, cb) {
        if (auth.username === 'herald' && auth.password === 'secret') return cb(null, { user: 'herald' });
        cb(new Error('Invalid username or password'));
      },
    });
    const bad = pool(s.port, 1, { auth: { user: 'herald', pass: 'wrong' } });
    await expect(bad.send({ from: 's@example.com', to: ['a@example.com'] }, raw('x'))).rejects.toMatchObject({ code: 'EAUTH' });
    const good = pool(s.port, 1, { auth: { user: 'herald', pass: 'secret' } });
    await good.send({ from: 's@example.com', to: ['a@example.com'] }, raw('signed in'));
    expect(s.messages.map((m) => m.subject)).toEqual(['signed in']);
  });

  it('opens a fresh connection after the server closed an idle one', async () => {
    const s = await sink({ socketTimeout: 200 });
    const p = pool(s.port, 1);
    await p.send({ from: 's@example.com', to: ['a@example.com'] }, raw('before'));
    await new Promise((r) => setTimeout(r, 600));
    await p.send({ from: 's@example.com', to: ['a@example.com'] }, raw('after idle'));
    expect(s.messages.map((m) => m.subject)).toEqual(['before', 'after idle']);
    expect(s.connections()).toBe(2);
  });

  it('a server that is not there fails with a connection error, and a closed pool refuses', async () => {
    const s = await sink();
    const port = s.port;
    await s.close();
    sinks.length = 0;
    const p = pool(port, 2);
    await expect(p.send({ from: 's@example.com', to: ['a@example.com'] }, raw('x'))).rejects.toMatchObject({ code: expect.stringMatching(/ECONNECTION|ECONNREFUSED|ESOCKET/) });
    p.close();
    await expect(p.send({ from: 's@example.com', to: ['a@example.com'] }, raw('x'))).rejects.toThrow(/closed/);
  });
});
