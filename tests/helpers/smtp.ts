import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { until } from './poll.ts';

export interface Received {
  to: string[];
  raw: string;
  /** The Message-ID header as sent. */
  messageId: string;
}

export interface TestSmtp {
  url: string;
  /** Accepted messages, in arrival order. */
  received: Received[];
  /** Every DATA attempt, accepted or not (Message-ID, recipient). */
  attempts: Array<{ messageId: string; to: string[] }>;
  /**
   * The RCPT TO commands as they came over the wire (only with `opts.commands`): smtp-server shows a
   * punycode domain decoded in `to` and `attempts`, so what the relay was really given is read here.
   */
  rcptCommands: string[];
  /** The MAIL FROM commands as they came over the wire (only with `opts.commands`). */
  mailCommands: string[];
  parse(r: Received): Promise<ParsedMail>;
  /** Resolves once `n` messages were accepted (polling; no timing assertion). */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

type Verdict = { code: number; text: string } | null;

/**
 * A real SMTP server (smtp-server) on a free loopback port. `reply` can turn
 * a message down: return an error code and text, or null to accept it; a
 * promise of one holds the answer until it settles (a message kept in flight).
 * `delayMs` holds each accepted message's answer that long (a slow relay); a function is asked each time.
 * `commands` records each MAIL FROM and RCPT TO line as sent (see TestSmtp).
 * `at` answers the steps before DATA as a relay would: `connect` (the greeting), `mailFrom` and `rcptTo`
 * return a refusal (code and text) or null to go on.
 */
export interface RelayAnswers {
  connect?: () => Verdict;
  mailFrom?: (from: string) => Verdict;
  rcptTo?: (to: string) => Verdict;
}

const refusal = (verdict: NonNullable<Verdict>) => Object.assign(new Error(verdict.text), { responseCode: verdict.code });

export async function startSmtp(
  reply: (attempt: { messageId: string; to: string[]; count: number }) => Verdict | Promise<Verdict> = () => null,
  opts: { delayMs?: number | (() => number); commands?: boolean; at?: RelayAnswers } = {},
): Promise<TestSmtp> {
  const received: Received[] = [];
  const attempts: Array<{ messageId: string; to: string[] }> = [];
  const rcptCommands: string[] = [];
  const mailCommands: string[] = [];
  // smtp-server logs each client command (at debug) before it parses it: the one place the raw line is seen.
  const commandLog = {
    debug: (entry: { tnx?: string; command?: string }, _message: string, line: unknown) => {
      if (entry.tnx === 'command' && entry.command === 'RCPT') rcptCommands.push(String(line));
      if (entry.tnx === 'command' && entry.command === 'MAIL') mailCommands.push(String(line));
    },
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: opts.commands ? (commandLog as unknown as SMTPServerOptions['logger']) : false,
    size: 10 * 1024 * 1024,
    // Herald keeps its pooled connections open while idle: on close, a relay going away cuts them (421) after
    // half a second, rather than smtp-server's default 30 s wait for clients that never leave by themselves.
    closeTimeout: 500,
    onConnect(_session, callback) {
      const verdict = opts.at?.connect?.();
      callback(verdict ? refusal(verdict) : undefined);
    },
    onMailFrom(address, _session, callback) {
      const verdict = opts.at?.mailFrom?.(address.address);
      callback(verdict ? refusal(verdict) : undefined);
    },
    onRcptTo(address, _session, callback) {
      const verdict = opts.at?.rcptTo?.(address.address);
      callback(verdict ? refusal(verdict) : undefined);
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const messageId = /^Message-ID:\s*(<[^>]+>)/im.exec(raw)?.[1] ?? '';
        const to = session.envelope.rcptTo.map((r) => r.address);
        attempts.push({ messageId, to });
        const count = attempts.filter((a) => a.messageId === messageId).length;
        const answer = (verdict: Verdict) => {
          if (verdict) {
            const err = new Error(verdict.text) as Error & { responseCode: number };
            err.responseCode = verdict.code;
            return callback(err);
          }
          received.push({ to, raw, messageId });
          const delay = typeof opts.delayMs === 'function' ? opts.delayMs() : opts.delayMs;
          if (delay) setTimeout(() => callback(), delay);
          else callback();
        };
        const verdict = reply({ messageId, to, count });
        if (verdict instanceof Promise) void verdict.then(answer);
        else answer(verdict);
      });
    },
  });
  // A client killed mid-session (the crash test) resets its socket: that is expected here.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    attempts,
    rcptCommands,
    mailCommands,
    parse: (r) => simpleParser(r.raw),
    async waitFor(n, timeoutMs = 30_000) {
      await until(
        () => received.length >= n,
        () => `${n} messages (got ${received.length})`,
        timeoutMs,
      );
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
