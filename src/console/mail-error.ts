import { refusesSender } from '../notify/classify.ts';
/**
 * A mail error as the console says it. The outbox keeps what nodemailer reported ("EAUTH: 535 5.7.8 …",
 * "ECONNECTION: connect ECONNREFUSED 127.0.0.1:2526"): precise, but codes a Comms Lead should not have to
 * decode. This names what went wrong and what to do, with the server's own text after it.
 */
export interface PlainMailError {
  /** What went wrong, in a sentence, ending with the server's text. */
  text: string;
  /** The relay refused the mail setup (its login): only a fixed SMTP_URL and a restart help. */
  login: boolean;
  /** Herald's own storage refused the outbox's write (a full or read-only disk): not the mail server's doing. */
  storage?: boolean;
  /** The relay refused the sender, this host or the account (a pause that is not the login's): see classify.ts. */
  setup?: boolean;
}

const UNREACHABLE = /\b(ECONNREFUSED|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|ECONNECTION|ESOCKET)\b/;

/** Hides a URL with credentials, should one ever travel in an error's text: the SMTP_URL holds the password. */
const withoutUrls = (s: string) =>
  s.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, '(a URL)').replace(/\S+:\S+@\S+/g, '(an address with a password)');

/**
 * `paused`: `raw` is the reason sending paused. A refusal pauses only when it is the setup's (classify.ts: the
 * sender, this host, the account or its daily limit), so a 4xx or 5xx there is not about a recipient.
 */
export function plainMailError(raw: string, { paused = false }: { paused?: boolean } = {}): PlainMailError {
  // The sender's own pause when the outbox could not be written (src/notify/sender.ts): the disk, not the relay.
  if (raw.startsWith('storage: '))
    return {
      text: `Herald could not write its outbox to disk. It said: ${withoutUrls(raw.slice('storage: '.length))}`,
      login: false,
      storage: true,
    };
  // "EAUTH: 535 …": the leading nodemailer code is for the log; the server's words follow it.
  const said = withoutUrls(raw.replace(/^E[A-Z0-9_]+:\s*/, '').trim());
  const reply = /^(\d{3})\b/.exec(said)?.[1];
  if (/^EAUTH\b|^ENOAUTH\b|^EOAUTH2\b/.test(raw) || reply === '530' || reply === '534' || reply === '535' || reply === '538')
    return { text: `The mail server refused the login (its user name or password). It said: ${said}`, login: true };
  if (/\bECONNREFUSED\b/.test(raw))
    return { text: `The mail server refused the connection: nothing is listening there. It said: ${said}`, login: false };
  if (UNREACHABLE.test(raw)) return { text: `The mail server could not be reached. It said: ${said}`, login: false };
  const status = /^\d{3}[ -](\d\.\d{1,3}\.\d{1,3})/.exec(said)?.[1];
  // A refusal of the sender or of this host at RCPT TO (Postfix's default place) reads so too, paused or not: it
  // read "refused the recipient", the pause beside it saying "not a recipient".
  const setup = paused || (reply !== undefined && refusesSender({ responseCode: Number(reply), response: said }));
  if (setup && !/^E(TLS|REQUIRETLS|CONFIG|PROXY)\b/.test(raw) && (reply?.startsWith('5') || reply?.startsWith('4')))
    return {
      text: `The mail server refused to take mail from Herald${status ? ` (${status})` : ''}: the sender address (MAIL_FROM), this host or this account (a sending limit), not a recipient. It said: ${said}`,
      login: false,
      setup: true,
    };
  if (reply?.startsWith('5'))
    return { text: `The mail server refused the recipient${status ? ` (${status})` : ''}. It said: ${said}`, login: false };
  if (reply?.startsWith('4')) return { text: `The mail server asked Herald to try again later. It said: ${said}`, login: false };
  return { text: `Sending failed. The mail server said: ${said}`, login: false };
}

/** What to do about a paused queue: a refused login is fixed where the password lives; anything else, at the server. */
export const pausedAdvice = (e: PlainMailError): string =>
  e.storage
    ? 'Free space on the disk that holds DATA_DIR (or make it writable again), then resume sending.'
    : e.login
      ? 'The user name and password are in SMTP_URL: correct them there and restart Herald. Resuming without that only meets the same refusal.'
      : e.setup
        ? "Check MAIL_FROM and what the mail server lets this account send (as which address, from which host, how much a day), then resume sending: the mail waits, and nobody's address was suppressed."
        : 'Check that the mail server is running and reachable from Herald, then resume sending.';
