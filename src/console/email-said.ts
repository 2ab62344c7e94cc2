import type { EventRecord, Update } from '../domain/model.ts';
import { lateNoticeKey, postmortemKey } from '../notify/intents.ts';
import type { NoticeProgress, OutboxView } from '../store/mail/port.ts';

/**
 * What the console says of a notice's email, from the outbox alone: a Comms Lead reads it as what customers
 * were told, so "emailed" waits for a delivery sent, and a fan-out still under way, one that reached nobody
 * and one whose every delivery failed each say so. No record (the outbox could not be read, or the notice
 * is older than the outbox) says nothing rather than guess.
 */
export type EmailState =
  | { state: 'sending'; sent: number }
  | { state: 'sent'; sent: number }
  | { state: 'nobody' }
  | { state: 'failed'; failed: number }
  | { state: 'unknown' };

export function emailState(n: NoticeProgress | undefined): EmailState {
  if (!n) return { state: 'unknown' };
  if (!n.done || n.queued > 0) return { state: 'sending', sent: n.sent };
  if (n.sent > 0) return { state: 'sent', sent: n.sent };
  if (n.failed > 0) return { state: 'failed', failed: n.failed };
  return { state: 'nobody' };
}

const many = (n: number, one: string) => `${n.toLocaleString('en-GB')} ${one}${n === 1 ? '' : 's'}`;

/** The tag by an update on its incident's page (the pill's class too); null for none. */
export function emailTag(e: EmailState): { text: string; tone: 'ok' | 'queued' | 'neutral' | 'failed' } | null {
  switch (e.state) {
    case 'sending':
      return { text: e.sent > 0 ? `being emailed: ${many(e.sent, 'subscriber')} so far` : 'being emailed', tone: 'queued' };
    case 'sent':
      return { text: 'emailed', tone: 'ok' };
    case 'nobody':
      return { text: 'no subscriber to email', tone: 'neutral' };
    case 'failed':
      return { text: 'email failed', tone: 'failed' };
    case 'unknown':
      return null;
  }
}

/** The incident page's line on a disruption notice a level held back, once it fell due (`at`, in words). */
export function lateNoticeSaid(e: EmailState, at: string): string {
  switch (e.state) {
    case 'sending':
      return `The disruption notice fell due at ${at}: subscribers are being emailed it${e.sent > 0 ? ` (${many(e.sent, 'subscriber')} so far)` : ''}.`;
    case 'sent':
      return `Subscribers were emailed the disruption notice at ${at} (${many(e.sent, 'subscriber')}).`;
    case 'nobody':
      return `The disruption notice fell due at ${at}, but there was no subscriber to email it to.`;
    case 'failed':
      return `The disruption notice fell due at ${at}, but its email failed to every subscriber (${e.failed}): see Deliveries.`;
    case 'unknown':
      return `The disruption notice fell due at ${at}.`;
  }
}

/**
 * The postmortem page's notice after a publish that asked for email, in the tags' words: the save's answer
 * is read as what customers were told, and the incident may be on components nobody follows.
 */
export function postmortemSaid(e: EmailState): string {
  const published = 'Published on the incident page';
  switch (e.state) {
    case 'sending':
      return `${published}; subscribers are being emailed${e.sent > 0 ? ` (${many(e.sent, 'subscriber')} so far)` : ''}.`;
    case 'sent':
      return `${published}; subscribers were emailed (${many(e.sent, 'subscriber')}).`;
    case 'nobody':
      return `${published}; there was no subscriber to email it to.`;
    case 'failed':
      return `${published}, but its email failed to every subscriber (${e.failed}): see Deliveries.`;
    case 'unknown':
      return `${published}. Whether subscribers were emailed cannot be read right now: see Deliveries.`;
  }
}

/**
 * Every notice key an incident can have: its updates' (only emailed ones have a notice), its held-back
 * disruption notice's and its postmortem's, whether owed now or not (one sent stays sent after a change).
 */
export const incidentNoticeKeys = (incident: EventRecord): string[] => [
  ...incident.updates.map((u) => u.id),
  ...(incident.kind === 'incident' ? [lateNoticeKey(incident.id), postmortemKey(incident.id)] : []),
];

/**
 * What an incident's page says of its emails: each emailed update's tag, the state of the disruption
 * notice a level held back, once it fell due, and of the postmortem's email, once published with one (null
 * before). Read by key, however old: the outbox's newest notices may all be other incidents'.
 */
export async function incidentEmails(outbox: Pick<OutboxView, 'noticesOf'>, incident: EventRecord) {
  const late = incident.kind === 'incident' && incident.late_notice_at !== null ? lateNoticeKey(incident.id) : null;
  const pm =
    incident.kind === 'incident' && incident.postmortem?.notify && incident.postmortem.published_at ? postmortemKey(incident.id) : null;
  const keys = [...(incident.updates as Update[]).filter((u) => u.notify).map((u) => u.id), ...(late ? [late] : []), ...(pm ? [pm] : [])];
  // Best effort: the page stands without the outbox, its tags then saying nothing.
  const notices = new Map((await outbox.noticesOf(keys).catch(() => [])).map((n) => [n.key, n]));
  return {
    tag: (u: Update) => (u.notify ? emailTag(emailState(notices.get(u.id))) : null),
    late: late ? emailState(notices.get(late)) : null,
    postmortem: pm ? emailState(notices.get(pm)) : null,
  };
}
