import type { EventRecord, Incident, Update } from '../domain/model.ts';
import type { Impact } from '../domain/status.ts';
import type { Channel } from '../domain/channels/model.ts';
import { componentsAlong, follows, noticeComponents } from '../domain/components/following.ts';
import type { Edits } from './audit-facts.ts';

/** Which updates concern a channel (plan.ts): its components, its least impact, its scope when an update was written. */

const RANK = { none: 0, minor: 1, major: 2, critical: 3 } as const;

/**
 * Whether an update of an incident or window concerns a channel: its components, by the rule email
 * follows (one whose every component was deleted since takes in everything), and for an incident the
 * channel's least impact, reached by this update or before it (`reached`).
 */
export function inScope(
  channel: Channel,
  event: EventRecord,
  update: Update,
  existing: ReadonlySet<string>,
  reached: Reached,
  about: About,
): boolean {
  if (event.kind === 'incident' && channel.min_impact !== null) {
    if (RANK[reached(event, update)] < RANK[channel.min_impact]) return false;
  }
  return follows(channel.components, about(event, update), existing);
}

type About = (event: EventRecord, update: Update) => string[];

/**
 * The components each update of an event is about, worked out once per event and pass: for an incident, those
 * it named as of that update (a pass planning it late, after a later update named more, owes it to no channel
 * more than a pass planning it at once), taken off before it included, as noticeComponents has it, so a channel
 * given the posts about one is told the rest. A window's are its own throughout.
 */
export function aboutAlong(): About {
  const byEvent = new Map<string, Map<string, string[]>>();
  return (event, update) => {
    if (event.kind !== 'incident') return noticeComponents(event);
    let along = byEvent.get(event.id);
    if (!along) {
      const steps = componentsAlong(event);
      along = new Map(event.updates.map((u, i) => [u.id, steps[i]!.reach]));
      byEvent.set(event.id, along);
    }
    return along.get(update.id) ?? noticeComponents(event);
  };
}

type Reached = (incident: Incident, update: Update) => Impact;

/**
 * The most severe impact an incident had up to each update (re-grades included), worked out once per
 * incident. A channel of a least impact hears of an incident from the update that reached it on: one
 * raised into it later is not owed what came before (the planner passed those by when the channel did
 * not want them, and a later pass must not post them late), and one lowered out of it still gets the
 * rest, the lowering update and the resolution too, so it is not left with an incident that never ends.
 */
export function impactsReached(): Reached {
  const byIncident = new Map<string, Map<string, Impact>>();
  return (incident, update) => {
    let peaks = byIncident.get(incident.id);
    if (!peaks) {
      peaks = new Map();
      let now: Impact = incident.updates.find((u) => u.severity_change)?.severity_change?.from.impact ?? incident.impact;
      let peak = now;
      for (const u of incident.updates) {
        if (u.severity_change) now = u.severity_change.to.impact;
        if (RANK[now] > RANK[peak]) peak = now;
        peaks.set(u.id, peak);
      }
      byIncident.set(incident.id, peaks);
    }
    return peaks.get(update.id) ?? incident.impact;
  };
}

/** Whether the channel's own choice names the update's event (or it names no component), deleted components included. */
export const named = (channel: Channel, components: readonly string[]): boolean =>
  components.length === 0 || channel.components.some((c) => components.includes(c));

/**
 * The channel as it stood when an update was written: the scope its first later edit replaced, if any. A
 * channel owes an update by that scope: widened or lowered by hand later, it is not owed, days late, the
 * newest update it did not want then (the planner looks at the newest update again on each pass); narrowed
 * later, it still gets what it was owed.
 */
export function scopedAt(channel: Channel, edits: Edits | undefined, at: string): Channel {
  const next = edits?.find((e) => e.until > at);
  return next ? { ...channel, ...next.scope } : channel;
}

/**
 * Since when components that were all deleted take in every incident: the last of those deletions, as the
 * audit recorded it ('' when it has no record); undefined while one of them exists. Not before: the planner
 * looks at the newest update again on each pass, and a channel that never owed it must not post it, days
 * late, then.
 */
export function widenedSince(components: string[], existing: ReadonlySet<string>, deleted: Map<string, string>): string | undefined {
  if (components.length === 0 || components.some((c) => existing.has(c))) return undefined;
  return components.reduce((last, c) => ((deleted.get(c) ?? '') > last ? deleted.get(c)! : last), '');
}
