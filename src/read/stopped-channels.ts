import { PAUSED_BY_HAND, type Channel } from '../domain/channels/model.ts';

/** A channel that posts nothing until someone acts: paused (by hand or after failures) or disabled (its URL refused). */
export interface StoppedChannel {
  id: string;
  name: string;
  state: 'paused' | 'disabled';
  /** Why, in the console's words: "paused by hand", "paused: 10 failures in a row; last: …", "disabled: the receiver refused its URL (HTTP 404: …)". */
  why: string;
  /** Updates waiting for it, which go out in order once it is resumed (or its URL fixed). */
  waiting: number;
}

/**
 * The channels that are not active, in the channels page's order: what the dashboard and an incident's page
 * warn of, and GET /api/admin/dashboard answers for public/admin/dashboard.js to redraw that warning.
 */
export function stoppedChannels(channels: readonly Channel[], waiting: (id: string) => number): StoppedChannel[] {
  return channels
    .filter((c): c is Channel & { state: 'paused' | 'disabled' } => c.state !== 'active')
    .map((c) => ({ id: c.id, name: c.name, state: c.state, why: whyStopped(c), waiting: waiting(c.id) }));
}

/** Why a channel that is not active posts nothing (the channels page says it too). */
export function whyStopped(c: Channel): string {
  // The reason is the answer ("HTTP 404: channel_not_found"): a moved, revoked, wrong or removed URL (verdict.ts);
  // or Herald's own refusal of the address its name now resolves to ("refused: hooks.example resolves to …").
  if (c.state === 'disabled' && c.state_reason?.startsWith('refused: '))
    return `disabled: its URL leads to an address Herald does not post to (${c.state_reason.slice('refused: '.length)})`;
  if (c.state === 'disabled') return `disabled: the receiver refused its URL${c.state_reason ? ` (${c.state_reason})` : ''}`;
  // The sender's reason says it: "10 failures in a row; last: HTTP 500: down".
  return c.state_reason === PAUSED_BY_HAND ? 'paused by hand' : `paused: ${c.state_reason ?? 'after failures'}`;
}

/** "2 updates wait for it" (public/admin/dashboard.js words it the same). */
export const waitingText = (n: number): string =>
  n === 0 ? 'nothing waits for it yet' : n === 1 ? '1 update waits for it' : `${n} updates wait for it`;
