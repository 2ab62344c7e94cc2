import { headOf } from '../domain/text.ts';

/**
 * What to do after a send failed, as a pure policy over the error nodemailer
 * gives (`code`, `responseCode`, `response`, and `command`: the SMTP step the
 * reply answered):
 * - 'halt': the queue itself is misconfigured (authentication, TLS or
 *   configuration, unknown SMTP host, a relay or account that refuses the
 *   sender, an account-wide sending limit); retrying each message would only
 *   burn attempts, so the worker pauses and says so.
 * - 'permanent': the server refused this message for good (5xx to RCPT TO or DATA).
 * - 'retry': temporary (4xx, connection trouble, timeouts, anything unknown).
 */
export type Verdict = 'retry' | 'permanent' | 'halt';

export interface SendError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
  /** The step nodemailer's SMTP client was at: 'CONN' (greeting), 'EHLO', 'HELO', 'STARTTLS', 'AUTH …', 'MAIL FROM', 'RCPT TO', 'DATA', 'API'. */
  command?: string;
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

/**
 * The steps before any recipient is named: a refusal there is of the connection, the account or the sender,
 * the same for every message. Except, at MAIL FROM, what is about this one message: its size (552, 5.3.x)
 * or a parameter of it (5.5.x): paused on, it would lead the queue again at every resume.
 */
function isSetupStep(command: string | undefined, reply: number, text: string): boolean {
  if (command === undefined || !/^(CONN|EHLO|HELO|LHLO|STARTTLS|AUTH\b|MAIL FROM)/.test(command)) return false;
  return !(command.startsWith('MAIL FROM') && (reply === 552 || MESSAGE_STATUS.test(text)));
}

/**
 * An enhanced status code (RFC 3463) where a reply gives it, right after the reply code on one of its lines:
 * the same digits elsewhere (a client address a relay quotes, [10.5.4.5]) are not one.
 */
const status = (code: RegExp): RegExp => new RegExp(`^\\d{3}[ -]${code.source}\\b`, 'm');
const MESSAGE_STATUS = status(/5\.[35]\.\d{1,3}/);

/**
 * Replies that refuse the sender or the account whatever the step they come at: Postfix checks the sender
 * at RCPT TO by default (smtpd_delay_reject), Microsoft 365 answers SendAsDenied after DATA, and a relay
 * that will not relay for this client says so per recipient. Kept to wordings and codes that name the
 * sender, relaying, or a daily/sending quota given as a 5xx (Google's 5.4.5, Microsoft's
 * SubmissionQuotaExceeded); a per-minute "rate" or "too many" reply stays a retry, as backing off is what
 * it asks for, and so does a quota given as a 4xx (Amazon SES's "454 … Daily message quota exceeded").
 */
const SENDER_REFUSED =
  /Sender address rejected|SendAsDenied|send as this sender|relay(ing)? (access )?(denied|not permitted)|not permitted to relay|unable to relay/i;
/**
 * Replies that refuse this client (Herald's address or host name), which Postfix also gives at RCPT TO: its
 * client restrictions ("Client host rejected: …"), a DNS blocklist ("Client host [192.0.2.1] blocked using
 * zen.spamhaus.org"), and Microsoft 365's banned sending IP. Read as the recipient's, each subscriber got one
 * refused attempt and every notice failed whole, where the relay wants its operator.
 */
const CLIENT_REFUSED = /Client host rejected|Client host \[[^\]]*\] blocked using|banned sending IP/i;
const SENDER_STATUS = status(/5\.1\.[78]/);
const ACCOUNT_STATUS = status(/5\.4\.5/);
const ACCOUNT_LIMIT =
  /daily (user )?(sending |message )?(limit|quota)|sending (limit|quota) exceeded|message quota exceeded|SubmissionQuotaExceeded/i;

/**
 * The relay refused the sender, the client or the account itself, not this message or its recipient (see above). A 4xx
 * quota reply ("try later") is retried with backoff, as before: a pause would wait for someone to resume it.
 */
export function refusesSender(err: SendError): boolean {
  const reply = err.responseCode;
  if (reply === undefined || reply < 500 || reply >= 600) return false;
  const text = err.response ?? '';
  if (ACCOUNT_LIMIT.test(text) || ACCOUNT_STATUS.test(text)) return true;
  return isSetupStep(err.command, reply, text) || SENDER_REFUSED.test(text) || CLIENT_REFUSED.test(text) || SENDER_STATUS.test(text);
}

export function classify(err: SendError): Verdict {
  const reply = err.responseCode;
  if (reply !== undefined && HALT_REPLIES.has(reply)) return 'halt';
  if (refusesSender(err)) return 'halt';
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
 * Only an answer to RCPT TO, or to DATA (each message has one recipient, so that answer is about it), names
 * the recipient's mailbox: the same words at MAIL FROM are about the sender's ("Sender address rejected:
 * unknown user"), and suppressing on them once struck every subscriber off.
 */
export function isUnknownMailbox(err: SendError): boolean {
  if (err.responseCode === undefined || err.responseCode < 500 || err.responseCode >= 600) return false;
  if (err.command !== 'RCPT TO' && err.command !== 'DATA') return false;
  if (refusesSender(err)) return false;
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
