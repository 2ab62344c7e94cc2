import type { AuditEvent } from './model.ts';

/** A page of the audit log, newest first, and where the next (older) page starts. */
export interface AuditPage {
  events: AuditEvent[];
  /**
   * The id to ask `before` for the next, older page: the last event of this one, or null when no older
   * event matches. An id, not a time: several events can share a millisecond, and a time would skip
   * or repeat them.
   */
  older: string | null;
}

/**
 * The newest `limit` events that match, older than the event `before` (from the newest when null).
 * Null when `before` names no event, so a mistyped link is said, not read as "nothing older". The log
 * only grows (an event is never edited or dropped), so a page's `older` stays valid while more are added.
 */
export function auditPage(
  audit: readonly AuditEvent[],
  opts: { before: string | null; limit: number; matches?: (e: AuditEvent) => boolean },
): AuditPage | null {
  const { before, limit, matches = () => true } = opts;
  let from = audit.length - 1;
  if (before !== null) {
    const at = audit.findLastIndex((e) => e.id === before);
    if (at < 0) return null;
    from = at - 1;
  }
  const events: AuditEvent[] = [];
  let i = from;
  for (; i >= 0 && events.length < limit; i--) if (matches(audit[i]!)) events.push(audit[i]!);
  // Another page only when an older event matches too: a "next page" that is empty says nothing.
  let more = false;
  for (; i >= 0 && !more; i--) more = matches(audit[i]!);
  return { events, older: more ? events.at(-1)!.id : null };
}
