import type { PostAnswer, PostFailed } from './outbound.ts';
import type { ChannelDelivery } from '../store/channels/ledger.ts';
import { backoffMs } from '../notify/classify.ts';
import { headOf } from '../domain/text.ts';

/**
 * What a receiver's answer means for a delivery: sent (2xx); try again
 * (timeouts, network errors, 408, 429 and 5xx, not before a Retry-After they give); failed
 * for good (this message refused: 400, 413, 422 and the other 4xx); or halt
 * (the channel's URL refused, by the receiver or as an address Herald does not
 * post to: every message would be, so the channel is disabled and the delivery
 * waits for a fixed URL or a resume).
 */
export type Verdict =
  | { outcome: 'sent' }
  /** `afterMs`: the receiver's Retry-After, a floor under the backoff; 0: at once; null: the backoff alone. */
  | { outcome: 'retry'; afterMs: number | null; error: string }
  | { outcome: 'failed'; error: string }
  | { outcome: 'halt'; error: string };

/**
 * Answers about the URL, not the message: moved (3xx; redirects are not followed, as the Location may lead
 * anywhere), revoked or not allowed (401, 403: Slack's invalid_token, action_prohibited), not there (404:
 * Slack's no_team, channel_not_found), removed (410: Slack's channel_is_archived). Failing each message
 * alone would drop it and post the later ones: a war room could get the updates of an incident whose
 * Declared it never got.
 */
const haltsChannel = (status: number) => (status >= 300 && status < 400) || [401, 403, 404, 410].includes(status);

const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * Retry-After as milliseconds: seconds, or an HTTP date; null when absent, unreadable, or now ("0", a date
 * gone by), which leaves the backoff alone: taken as "at once", each retry came straight after the last, and
 * ten of them paused the channel within a second.
 */
export function retryAfterMs(value: string | null, now: Date): number | null {
  if (!value) return null;
  const v = value.trim();
  const positive = (ms: number) => (ms > 0 ? Math.min(MAX_RETRY_AFTER_MS, ms) : null);
  if (/^\d+$/.test(v)) return positive(Number(v) * 1000);
  // An HTTP date names a weekday and a month ("Wed, 21 Oct 2015 07:28:00 GMT"); Date.parse alone takes "1.5" for a year.
  if (!/^[A-Za-z]{3},? /.test(v) || !/GMT$/.test(v)) return null;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : positive(at - now.getTime());
}

// A receiver's answer is anyone's text: no control character (an ESC sequence) reaches the log or the console.
const oneLine = (s: string) =>
  headOf(
    s
      .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
    200,
  );

export function verdictOf(result: PostAnswer | PostFailed, now: Date): Verdict {
  if (!('status' in result)) {
    // An address refused (the name now resolves to a private one) is the URL's, as a 404 is: every message
    // would be refused alike, so the channel halts and they wait, rather than each being dropped in turn.
    return result.reason === 'refused'
      ? { outcome: 'halt', error: `refused: ${result.message}` }
      : { outcome: 'retry', afterMs: null, error: `${result.reason}: ${result.message}` };
  }
  const { status } = result;
  const error = `HTTP ${status}${result.body ? `: ${oneLine(result.body)}` : ''}`;
  if (status >= 200 && status < 300) return { outcome: 'sent' };
  if (haltsChannel(status)) return { outcome: 'halt', error };
  // A 503 in maintenance says when to come back as a 429 does (RFC 9110 10.2.3): hammered meanwhile, the
  // channel paused within its backoff and waited for a person.
  if (status === 429 || status === 408 || status >= 500) return { outcome: 'retry', afterMs: retryAfterMs(result.retryAfter, now), error };
  return { outcome: 'failed', error };
}

/**
 * The wait before a retry: the backoff, or the receiver's Retry-After where longer (an hour at most, as read):
 * a retry before the time a rate limit names is refused again, and brings the pause nearer. 0 is "at once"
 * (the channel came back while the post was made).
 */
const retryDelay = (afterMs: number | null, backoff: number): number =>
  afterMs === 0 ? 0 : afterMs === null ? backoff : Math.max(afterMs, backoff);

/**
 * The delivery after a post with that verdict, answered at `done`: sent, failed for good, or queued again
 * (at once for a halt, which disables the channel; else after Retry-After or a backoff with jitter).
 */
export function afterPost(
  d: ChannelDelivery,
  verdict: Verdict,
  status: number | null,
  done: Date,
  retry: { baseMs: number; maxMs: number },
): ChannelDelivery {
  const attempts = d.attempts + 1;
  const last_attempt_at = done.toISOString();
  if (verdict.outcome === 'sent') {
    return {
      ...d,
      state: 'sent',
      attempts,
      last_status: status,
      last_error: null,
      next_at: null,
      sent_at: last_attempt_at,
      last_attempt_at,
    };
  }
  if (verdict.outcome === 'failed')
    return { ...d, state: 'failed', attempts, last_status: status, last_error: verdict.error, next_at: null, last_attempt_at };
  const delay = verdict.outcome === 'retry' ? retryDelay(verdict.afterMs, backoffMs(attempts, retry.baseMs, retry.maxMs)) : 0;
  return { ...d, attempts, last_status: status, last_error: verdict.error, next_at: done.getTime() + delay, last_attempt_at };
}
