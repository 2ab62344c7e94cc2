import type { EventRecord } from '../model.ts';

/**
 * Whether an update records the past only: the first of an incident declared
 * already resolved (a backfill). appendUpdate applies none of its component
 * statuses and emails nobody by default; war rooms are not told of it, and
 * webhooks get no component message for it.
 */
export function afterTheFact(event: EventRecord, update: { id: string; status: string }): boolean {
  return event.kind === 'incident' && event.updates[0]?.id === update.id && update.status === 'resolved';
}

/**
 * From when an update's component statuses held: its `display_at`, except a backfill's one update. That one
 * is dated at the incident's end (it says "Resolved", and a trail that says so at the start reads as if it
 * lasted no time), yet its statuses tell of the whole incident: they held from the incident's start. The
 * uptime bars, a component's first day and the `old_status` it records all count from here.
 */
export function heldFrom(event: EventRecord, update: { id: string; status: string; display_at: string }): string {
  return afterTheFact(event, update) ? event.started_at : update.display_at;
}
