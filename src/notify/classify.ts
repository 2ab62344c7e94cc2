import { headOf } from '../domain/text.ts';

/**
 * What to do after a send failed, as a pure policy over the error nodemailer
 * gives (`code`, `responseCode`, `response`):
 * - 'halt': the queue itself is misconfigured (authentication, TLS or
 *   configuration, unknown SMTP host); retrying each message would only
 *   burn attempts, so the worker pauses and says so.
 * - 'permanent': the server refused this message for good (5xx).
 * - 'retry': temporary (4xx, connection trouble, timeouts, anything unknown).
 */
export type Verdict = 'retry' | 'permanent' | 'halt';

export interface SendError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

const HALT_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2', 'ECONFIG', 'ETLS', 'EREQUIRETLS', 'EDNS', 'ENOTFOUND', 'EPROXY']);
const NETWORK_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EMAXLIMIT',
]);
/** SMTP replies meaning "your credentials or setup are wrong", not "this message". */
const HALT_REPLIES = new Set([530, 534, 535, 538]);

export function classify(err: SendError): Verdict {
  const reply = err.responseCode;
  if (reply !== undefined && HALT_REPLIES.has(reply)) return 'halt';
  if (err.code && HALT_CODES.has(err.code)) return 'halt';
  if (reply !== undefined && reply >= 500 && reply < 600) return 'permanent';
  if (reply !== undefined && reply >= 400 && reply < 500) return 'retry';
  if (err.code && NETWORK_CODES.has(err.code)) return 'retry';
  // A message nodemailer cannot build or address (bad recipient syntax) will never go out.
  if (err.code === 'EENVELOPE' || err.code === 'EMESSAGE') return 'permanent';
  return 'retry';
}

/**
 * The code of a send given back unattempted because the relay had just refused the mail setup (a 'halt'
 * verdict on another message): nothing reached the server, so the delivery stays queued as it was.
 */
export const HELD = 'EHELD';

export const heldError = (): SendError & Error =>
  Object.assign(new Error('Not sent: the mail relay refused the mail setup, so sending is paused.'), { code: HELD });

export function isHeld(err: SendError): boolean {
  return err.code === HELD;
}

/**
 * A 5xx saying the mailbox does not exist: stop mailing the address. 5.1.1 (RFC 3463: bad destination
 * mailbox), or 5.1.10 (RFC 7505: a domain that takes no mail; Microsoft 365 also answers it for a mailbox
 * it does not have, "RESOLVER.ADR.RecipientNotFound"); or a plain 550 that says so in words.
 */
export function isUnknownMailbox(err: SendError): boolean {
  if (err.responseCode === undefined || err.responseCode < 500 || err.responseCode >= 600) return false;
  return (
    /\b5\.1\.10?\b/.test(err.response ?? err.message ?? '') ||
    (err.responseCode === 550 && /unknown user|no such user|does not exist|recipient not found/i.test(err.response ?? ''))
  );
}

/**
 * Delay before attempt `attempt + 1` after `attempt` failures: exponential
 * with full jitter in [50 %, 100 %] so a recovering server is not hit by a
 * synchronized wave, capped at `maxMs`. `random` is injectable for tests.
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp * (0.5 + random() / 2));
}

/** Anything shaped like an address, in angle brackets or not (a relay's reply often repeats the recipient). */
const ADDRESS = /<?[^\s<>@"]+@[^\s<>@"]+\.[^\s<>@"]*[^\s<>@".,;:)]>?/g;

/**
 * A short, single-line description of an error for last_error and the log, without the recipient's
 * address: it outlives the subscriber (a delivery's record, the audit of a retry, a suppression's
 * reason, the log), so an erasure would leave it behind; the delivery names its subscriber by id.
 */
export function describe(err: SendError): string {
  const text = err.response ?? err.message ?? String(err);
  return headOf(`${err.code ? `${err.code}: ` : ''}${text}`.replace(/[\r\n]+/g, ' ').replace(ADDRESS, '<address>'), 300);
}
