import { afterEach, describe, expect, it } from 'vitest';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { createMailer, type Mailer } from '../../src/notify/transport.ts';
import { classify, isHeld, isUnknownMailbox, type SendError } from '../../src/notify/classify.ts';
import { until } from '../helpers/poll.ts';

/**
 * The SMTP relay as Herald uses it: the pool on its own thread (smtp-worker.ts), against a real smtp-server.
 * What crosses the thread boundary must be what the sender decides on: errors keep nodemailer's fields, urgent
 * messages (confirmations) take turns with a notice's backlog, and nothing is answered twice or not at all.
 */
const servers: SMTPServer[] = [];
const mailers: Mailer[] = [];
afterEach(async () => {
  for (const m of mailers.splice(0)) m.close();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(() => r(undefined)))));
});

async function relay(extra: Partial<SMTPServerOptions>, poolSize: number, timeoutMs?: number) {
  const received: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      stream.resume();
      stream.on('end', () => {
        received.push(...session.envelope.rcptTo.map((r) => r.address));
        cb();
      });
    },
    ...extra,
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  const url = extra.authOptional === false ? `smtp://herald:wrong@127.0.0.1:${port}` : `smtp://127.0.0.1:${port}`;
  const mailer = createMailer({ dataDir: tmpdir(), SMTP_URL: url, SMTP_POOL_SIZE: poolSize, SMTP_TIMEOUT_MS: timeoutMs });
  mailers.push(mailer);
  return { mailer, received, server };
}

/** A relay that wants a login, and refuses it while `refuse()` says so; `logins` counts the attempts. */
async function authRelay(refuse: () => boolean = () => true) {
  const logins = { count: 0 };
  const r = await relay(
    {
      authOptional: false,
      authMethods: ['PLAIN', 'LOGIN'],
      allowInsecureAuth: true,
      onAuth(_auth, _session, cb) {
        logins.count++;
        if (refuse()) cb(new Error('Invalid username or password'));
        else cb(null, { user: 'herald' });
      },
    },
    1,
  );
  return { ...r, logins };
}

const raw = (to: string) => ({
  envelope: { from: 'status@example.com', to: [to] },
  raw: Buffer.from(`From: status@example.com\r\nTo: ${to}\r\nSubject: Hi\r\nMessage-ID: <${to}>\r\n\r\nBody\r\n`),
});

const failure = (p: Promise<void>) =>
  p.then(
    () => null,
    (err: SendError & Error) => err,
  );

describe('the SMTP thread', () => {
  it("hands a refusal back with the server's code and text, and the next message still goes out", async () => {
    const { mailer, received } = await relay(
      {
        onRcptTo(address, _session, cb) {
          if (address.address.startsWith('gone@')) {
            cb(Object.assign(new Error('5.1.1 <gone@example.com>: Recipient address rejected: User unknown'), { responseCode: 550 }));
          } else cb();
        },
      },
      1,
    );
    const err = await failure(mailer.send('a', raw('gone@example.com')));
    expect(err).toBeInstanceOf(Error);
    expect(err!.code).toBe('EENVELOPE');
    expect(err!.responseCode).toBe(550);
    expect(classify(err!)).toBe('permanent');
    expect(isUnknownMailbox(err!)).toBe(true);
    await mailer.send('b', raw('ann@example.com'));
    expect(received).toEqual(['ann@example.com']);
  });

  it('gives up on a relay that stops answering after SMTP_TIMEOUT_MS, as a retry, and the next message still goes out', async () => {
    // The relay never answers RCPT TO for this one: nodemailer alone waits 10 minutes, holding the connection
    // (and, with every connection so held, the confirmations behind them).
    const { mailer, received } = await relay(
      {
        onRcptTo(address, _session, cb) {
          if (!address.address.startsWith('tarpit@')) cb();
        },
      },
      1,
      300,
    );
    const err = await failure(mailer.send('a', raw('tarpit@example.com')));
    expect(err?.code).toBe('ETIMEDOUT');
    expect(classify(err!)).toBe('retry');
    await mailer.send('b', raw('ann@example.com'));
    expect(received).toEqual(['ann@example.com']);
  });

  it("keeps the relay's own 421 reply at RCPT TO, not a generic 'connection closed'", async () => {
    const { mailer, received } = await relay(
      {
        onRcptTo(address, _session, cb) {
          if (address.address.startsWith('busy@')) cb(Object.assign(new Error('Too many connections, closing'), { responseCode: 421 }));
          else cb();
        },
      },
      1,
    );
    const err = await failure(mailer.send('a', raw('busy@example.com')));
    // Before: "The connection to the mail server closed." (the console's last error said nothing of the 421).
    expect(err?.response).toContain('421');
    expect(err?.response).toContain('Too many connections, closing');
    expect(classify(err!)).toBe('retry');
    await mailer.send('b', raw('ann@example.com'));
    expect(received).toEqual(['ann@example.com']);
  });

  it('says when the setup is wrong (authentication refused): the queue halts rather than retrying each message', async () => {
    const { mailer } = await authRelay();
    const err = await failure(mailer.send('a', raw('ann@example.com')));
    expect(err?.code).toBe('EAUTH');
    expect(classify(err!)).toBe('halt');
  });

  it('after a refused login, gives back what waits unattempted (EHELD) instead of logging in once per message', async () => {
    const { mailer, logins } = await authRelay();
    // Handed over in one turn: one login is tried, the other 29 wait for the connection.
    const outcomes = await Promise.all(Array.from({ length: 30 }, (_, i) => failure(mailer.send(`n${i}`, raw(`user${i}@example.com`)))));
    expect(outcomes.filter((e) => e?.code === 'EAUTH')).toHaveLength(1);
    expect(outcomes.filter((e) => e && isHeld(e))).toHaveLength(29);
    expect(logins.count).toBe(1);
  });

  it('after a refused login, what is handed over before the main thread holds is given back too; its hold ends that', async () => {
    let refuse = true;
    const { mailer, received, logins } = await authRelay(() => refuse);
    expect((await failure(mailer.send('first', raw('ann@example.com'))))?.code).toBe('EAUTH');
    // Handed over before the main thread held (it holds on that verdict): not tried.
    const meanwhile = await Promise.all(Array.from({ length: 5 }, (_, i) => failure(mailer.send(`m${i}`, raw(`user${i}@example.com`)))));
    expect(meanwhile.map((e) => e !== null && isHeld(e))).toEqual([true, true, true, true, true]);
    expect(logins.count).toBe(1);
    // The main thread holds (it has paused); once the setup is fixed and it resumes, messages go out.
    mailer.hold();
    refuse = false;
    await mailer.send('after', raw('bob@example.com'));
    expect(received).toEqual(['bob@example.com']);
  });

  it('a hold gives back a message still being built, before it reaches the thread', async () => {
    const { mailer, received } = await relay({}, 1);
    // Not prebuilt: nodemailer composes it first (asynchronously), and the hold comes meanwhile.
    const sending = failure(mailer.send('built', { from: 'status@example.com', to: 'ann@example.com', subject: 'Hi', text: 'Body' }));
    mailer.hold();
    expect(isHeld((await sending)!)).toBe(true);
    // The hold is not a state: the next message goes out.
    await mailer.send('next', raw('bob@example.com'));
    expect(received).toEqual(['bob@example.com']);
  });

  it('sends an urgent message (a confirmation) next, not behind the backlog of a notice', async () => {
    const { mailer, received } = await relay({}, 1);
    // Handed over in one turn: one batch for the thread, one connection to send it on.
    const sends = Array.from({ length: 20 }, (_, i) => mailer.send(`n${i}`, raw(`user${i}@example.com`)));
    sends.push(mailer.send('c', raw('visitor@example.com'), { urgent: true }));
    await Promise.all(sends);
    expect(received).toHaveLength(21);
    expect(new Set(received).size).toBe(21);
    expect(received.indexOf('visitor@example.com')).toBeLessThanOrEqual(1);
    // Within the notice, first in first out.
    expect(received.filter((a) => a.startsWith('user'))).toEqual(Array.from({ length: 20 }, (_, i) => `user${i}@example.com`));
  });

  it('answers every message once when closed: sent ones resolve, the rest fail as connection errors (retried later)', async () => {
    const { mailer, received, server } = await relay({}, 2);
    await mailer.send('warm', raw('first@example.com'));
    const sends = Array.from({ length: 50 }, (_, i) => failure(mailer.send(`n${i}`, raw(`user${i}@example.com`))));
    await new Promise((r) => setTimeout(r, 5));
    mailer.close();
    const outcomes = await Promise.all(sends);
    for (const err of outcomes) if (err) expect(classify(err)).toBe('retry');
    // Every message the server took was answered as sent (at most the ones whose answer the close cut off are not).
    expect(outcomes.filter((e) => e === null).length).toBeLessThanOrEqual(received.length - 1);
    expect((await failure(mailer.send('late', raw('late@example.com'))))?.code).toBe('ECONNECTION');
    // No connection outlives the close, not even one that was still being opened when it came.
    const open = () => (server as unknown as { connections: Set<unknown> }).connections.size;
    await until(
      () => open() === 0,
      () => `no connection left open after the close (${open()} open)`,
      10_000,
    );
  });

  it('a thread that dies (here: out of its 64 MB heap) fails what it held as retryable, and the next send starts a new one', async () => {
    // Forty 4 MB messages as strings, more than the thread's 64 MB heap holds (the server holds any DATA it gets,
    // so none leaves): the thread runs out of memory, whether receiving them or holding them.
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    const { mailer, received } = await relay(
      {
        onData(stream, session, cb) {
          stream.resume();
          stream.on('end', () => {
            received.push(...session.envelope.rcptTo.map((r) => r.address));
            void held.then(() => cb());
          });
        },
      },
      1,
    );
    const big = (to: string) => ({
      envelope: { from: 'status@example.com', to: [to] },
      raw: `From: status@example.com\r\nTo: ${to}\r\nSubject: Big\r\n\r\n${'x'.repeat(4 * 1024 * 1024)}\r\n`,
    });
    const outcomes = await Promise.all(Array.from({ length: 40 }, (_, i) => failure(mailer.send(`b${i}`, big(`big${i}@example.com`)))));
    release();
    for (const err of outcomes) {
      expect(err?.code).toBe('ECONNECTION');
      expect(err?.message).toMatch(/mail thread stopped/);
      expect(classify(err!)).toBe('retry');
    }
    received.length = 0;
    await mailer.send('after', raw('after@example.com'));
    expect(received).toEqual(['after@example.com']);
  });
});
