import { webhookId } from '../domain/channels/webhook-id.ts';
import { type Db, findEvent, statusTaken } from '../domain/model.ts';
import { COMPONENT_STATUS_LABEL, INCIDENT_STATUS_LABEL } from '../domain/status.ts';
import type { ChannelDelivery } from '../store/channels/ledger.ts';

/** A message a channel never got, in the console's words: the Comms Lead may post it there by hand. */
export interface FailedPost {
  /** The message's id: a webhook's as its receiver saw it, its `webhook-id`. */
  id: string;
  /** The incident or maintenance window, null once withdrawn from the data. */
  event: { kind: 'incident' | 'maintenance'; id: string; name: string } | null;
  /** Which of its messages: "Declared", "Identified", "API: Major outage", "Postmortem". */
  what: string;
  /** When the update was written. */
  at: string;
  error: string;
}

/** How many of a channel's failed messages the console's channels page and GET /api/admin/channels/:id name. */
export const FAILED_NAMED = 10;

/**
 * A channel's failed messages, newest update first, at most `limit` of them: what the channels page lists
 * under its "N failed". A failure for good is the receiver refusing that one message (400, 413, 422) or an
 * incident withdrawn before it was posted; the messages after it are posted all the same (channels/verdict.ts).
 */
export function failedPosts(deliveries: Iterable<ChannelDelivery>, channelId: string, db: Db, limit = FAILED_NAMED): FailedPost[] {
  const failed = [...deliveries].filter((d) => d.channel === channelId && d.state === 'failed');
  // Newest first; among one update's messages (its own, then each component's), in the order they were made.
  const order = failed.map((d, i) => ({ d, i })).sort((a, b) => (a.d.at === b.d.at ? a.i - b.i : a.d.at < b.d.at ? 1 : -1));
  return order.slice(0, limit).map(({ d }) => named(d, db));
}

function named(d: ChannelDelivery, db: Db): FailedPost {
  const found = findEvent(db, d.event);
  const update = found?.updates.find((u) => u.id === d.update);
  const change = d.component ? update?.affected_components.find((c) => c.code === d.component) : undefined;
  const what =
    d.kind === 'declared'
      ? 'Declared'
      : d.kind === 'postmortem'
        ? 'Postmortem'
        : d.kind === 'component'
          ? `${change?.name ?? d.component}: ${change ? COMPONENT_STATUS_LABEL[statusTaken(change)] : 'status change'}`
          : update
            ? INCIDENT_STATUS_LABEL[update.status]
            : 'Update';
  return {
    // A webhook's as its receiver saw it (its webhook-id): one id to compare logs by.
    id: db.channels.find((c) => c.id === d.channel)?.kind === 'webhook' ? webhookId(d.id) : d.id,
    event: found ? { kind: found.kind, id: found.id, name: found.name } : null,
    what,
    at: d.at,
    error: d.last_error ?? 'refused',
  };
}
