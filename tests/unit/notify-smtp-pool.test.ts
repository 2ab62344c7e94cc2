import { afterEach, describe, expect, it } from 'vitest';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { SmtpPool } from '../../src/notify/smtp-pool.ts';
import { until } from '../helpers/poll.ts';

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

async function sink(options: Partial<SMTPServerOptions> = {}): Promise<Sink & { idleTimeoutNow: () => void }> {
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
  const s = {
    port: (server.server.address() as AddressInfo).port,
    connections: () => connections,
    messages,
    close: () => new Promise<void>((r) => server.close(() => r())),
    /** What smtp-server's idle timeout does (421, then it hangs up), now, to every connection. */
    idleTimeoutNow: () => {
      for (const c of server.connections) c.send(421, 'Timeout - closing connection');
    },
  };
  sinks.push(s);
  return s;
}

/** Connections the pool holds open: it lets go of one once it sees it closed. */
const openInPool = (p: SmtpPool) => (p as unknown as { slots: Array<{ conn: unknown }> }).slots.filter((s) => s.conn).length;

function pool(port: number, size: number, extra: object = {}): SmtpPool {
  const p = new SmtpPool({ connection: { host: '127.0.0.1', port, ignoreTLS: true, ...extra }, size });
  pools.push(p);
  return p;
}

/**
 * A few lines of SMTP by hand, for what smtp-server cannot be made to do:
 * refuse RCPT to gone@…, then on RSET hang up or never answer.
 */
async function scriptedServer(onRset: 'hangs up' | 'stays silent') {
  let connections = 0;
  let delivered = 0;
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    connections++;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.write('220 scripted ESMTP\r\n');
    let buf = '';
    let inData = false;
    sock.on('data', (d) => {
      buf += d;
      for (let i = buf.indexOf('\r\n'); i !== -1; i = buf.indexOf('\r\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            delivered++;
            sock.write('250 queued\r\n');
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') sock.write('250 scripted\r\n');
        else if (verb === 'MAIL') sock.write('250 ok\r\n');
        else if (verb === 'RCPT') sock.write(line.includes('gone@') ? '550 5.1.1 no such user\r\n' : '250 ok\r\n');
        else if (verb === 'DATA') {
          inData = true;
          sock.write('354 go ahead\r\n');
        } else if (verb === 'RSET') {
          if (onRset === 'hangs up') sock.destroy();
        } else if (verb === 'QUIT') sock.end('221 bye\r\n');
        else sock.write('502 not here\r\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const s: Sink = {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    messages: [],
    close: () => {
      for (const sock of sockets) sock.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
  sinks.push(s);
  return { ...s, delivered: () => delivered };
}

const raw = (subject: string) =>
  Buffer.from(`From: s@example.com\r\nTo: r@example.com\r\nSubject: ${subject}\r\n\r\nHello.\r\n.leading dot\r\n`);

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
    // The server's idle timeout, given by hand once the connection is idle: a short socketTimeout would also
    // fire in the middle of the first send when a busy machine stalls this process.
    const s = await sink();
    const p = pool(s.port, 1);
    await p.send({ from: 's@example.com', to: ['a@example.com'] }, raw('before'));
    expect(openInPool(p)).toBe(1);
    s.idleTimeoutNow();
    await until(() => openInPool(p) === 0, 'the pool to see the idle connection closed');
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
    await expect(p.send({ from: 's@example.com', to: ['a@example.com'] }, raw('x'))).rejects.toMatchObject({
      code: expect.stringMatching(/ECONNECTION|ECONNREFUSED|ESOCKET/),
    });
    p.close();
    await expect(p.send({ from: 's@example.com', to: ['a@example.com'] }, raw('x'))).rejects.toThrow(/closed/);
  });

  for (const onRset of ['hangs up', 'stays silent'] as const) {
    it(`a server that refuses a recipient and then ${onRset} on RSET does not cost the pool its connection slot`, async () => {
      const s = await scriptedServer(onRset);
      // Silent, only the client's socket timeout ends the RSET: 3 s, so that it is never a stall of this process
      // (client and server both) that fires it. Hung up on, the closed connection ends it.
      const p = pool(s.port, 1, onRset === 'stays silent' ? { socketTimeout: 3_000 } : {});
      await expect(p.send({ from: 's@example.com', to: ['gone@example.com'] }, raw('refused'))).rejects.toMatchObject({
        responseCode: 550,
      });
      await p.send({ from: 's@example.com', to: ['a@example.com'] }, raw('next'));
      expect(s.delivered()).toBe(1);
      expect(s.connections()).toBe(2);
    });
  }

  it('a server that goes quiet mid-message fails the send with the timeout itself', async () => {
    const s = await sink({
      onData(stream) {
        stream.resume(); // read it all, never answer
      },
    });
    const p = pool(s.port, 1, { socketTimeout: 300 });
    await expect(p.send({ from: 's@example.com', to: ['a@example.com'] }, raw('x'))).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('close() fails the send in flight and the queued ones, and opens nothing after', async () => {
    // The message reaches the server, which never answers it: the send is in flight until close(), however slow
    // the machine (a timer for the answer would race the close).
    let reached!: () => void;
    const messageIn = new Promise<void>((r) => (reached = r));
    const s = await sink({
      onData(stream) {
        stream.resume();
        stream.on('end', () => reached());
      },
    });
    const p = pool(s.port, 1);
    const inFlight = p.send({ from: 's@example.com', to: ['a@example.com'] }, raw('a')).catch((e: Error & { code?: string }) => e);
    const queued = p.send({ from: 's@example.com', to: ['b@example.com'] }, raw('b')).catch((e: Error & { code?: string }) => e);
    await messageIn;
    p.close();
    expect(await inFlight).toMatchObject({ code: 'ECONNECTION' });
    expect(await queued).toMatchObject({ code: 'ECONNECTION', message: expect.stringMatching(/closed/) });
    await new Promise((r) => setTimeout(r, 600));
    expect(s.connections()).toBe(1);
    expect(s.messages).toHaveLength(0);
  });
});
