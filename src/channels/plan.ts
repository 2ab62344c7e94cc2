import type { ComponentChange, Db, EventRecord, Incident, Update } from '../domain/model.ts';
import type { Channel } from '../domain/channels/model.ts';
import type { ChannelDelivery } from '../store/channels/ledger.ts';
import { afterTheFact } from '../domain/incidents/lifecycle.ts';
import { statusTaken } from '../domain/model.ts';
import { existingIds } from '../domain/components/following.ts';
import { auditFacts } from './audit-facts.ts';
import { aboutAlong, impactsReached, inScope, named, scopedAt, widenedSince } from './channel-scope.ts';

/**
 * Which channel messages the data calls for: pure functions over the data
 * file. A published update is the durable intent (like `notify` for email):
 * every channel in scope owes one message per update of an incident (Slack
 * and Teams: the war room) and per update of a maintenance window (each
 * step: scheduled, started, completed, …), and webhooks also one per
 * component status change (Statuspage's two webhook kinds). A channel's least
 * impact concerns incidents alone: a window has no impact, and a war room
 * that takes major incidents only still hears of the windows in its scope.
 * Only updates written after the channel was added count: history is not news.
 * A war room that heard of an incident also gets one message when its
 * postmortem is first published (the Comms Lead's post-incident summary).
 */
export type MessageKind = 'declared' | 'update' | 'resolved' | 'maintenance' | 'component' | 'postmortem';

export interface ChannelMessage {
  /**
   * `<channel>.<update>` or `<channel>.<update>.<component>` (a webhook's), or `<channel>.<incident>.postmortem`
   * (a war room's, of the postmortem): the delivery id, and the webhook-id.
   */
  key: string;
  channel: Channel;
  event: EventRecord;
  update: Update;
  kind: MessageKind;
  change?: ComponentChange;
  /** When what it tells happened, if not its update's created_at: a postmortem's first publication. */
  at?: string;
}

function kindOf(event: EventRecord, update: Update): MessageKind {
  if (event.kind === 'maintenance') return 'maintenance';
  if (event.updates[0]?.id === update.id) return 'declared';
  return event.updates.find((u) => u.status === 'resolved')?.id === update.id ? 'resolved' : 'update';
}

/**
 * The postmortem an incident owes war rooms a message about, if any: published at or after `since` and
 * `postmortemsFrom`, for the first time. An edit keeps its publication time (the planner passes it by once the
 * mark is past it); one withdrawn and published again is not news to the war room (the audit keeps the first
 * publication; an incident with no record of it, imported, counts its publication as the first).
 */
function postmortemOwed(incident: Incident, since: string, postmortemsFrom: string | null, published: Map<string, string>): string | null {
  const at = incident.postmortem?.published_at;
  if (!at || postmortemsFrom === null || at < since || at < postmortemsFrom) return null;
  const first = published.get(incident.id);
  return first === undefined || first === at ? at : null;
}

/**
 * Every message owed for updates written at or after `since` (an ISO instant), oldest update first.
 * `readMark` is the planning mark as this Herald read it from the outbox (at its start, or on taking the
 * lead): updates up to it were planned by whoever moved it there, maybe a Herald from before Slack and Teams
 * got windows, which owed them none. A pass looks at the newest of those again, and must not post it to a war
 * room, late, then (a deploy would post the last window's "Maintenance completed" in every war room).
 * `postmortemsFrom` is since when the outbox plans postmortems (ChannelLedger.postmortemsFrom; null: none):
 * a Slack or Teams channel owed a war-room message about an incident is owed one about its postmortem, first
 * published at or after both marks, in its place in time among the updates.
 */
export function channelMessages(
  db: Pick<Db, 'channels' | 'components' | 'incidents' | 'maintenances' | 'audit'>,
  since: string,
  readMark = '',
  postmortemsFrom: string | null = null,
): ChannelMessage[] {
  if (db.channels.length === 0) return [];
  const existing = existingIds(db);
  const reached = impactsReached();
  const about = aboutAlong();
  const { deleted, edits, published } = auditFacts(db.audit);
  const updates: Array<{ event: EventRecord; update: Update; postmortem?: string }> = [];
  for (const event of [...db.incidents, ...db.maintenances]) {
    for (const update of event.updates as Update[]) if (update.created_at >= since) updates.push({ event, update });
  }
  for (const incident of db.incidents) {
    const at = postmortemOwed(incident, since, postmortemsFrom, published);
    const last = incident.updates.at(-1);
    if (at && last) updates.push({ event: incident, update: last, postmortem: at });
  }
  const time = (x: (typeof updates)[number]) => x.postmortem ?? x.update.created_at;
  updates.sort((a, b) => time(a).localeCompare(time(b)));
  /** Whether a channel is owed a message about this update: added by then, and in the scope it had then. */
  const owes = (current: Channel, event: EventRecord, update: Update): boolean => {
    const channel = scopedAt(current, edits.get(current.id), update.created_at);
    if (channel.created_at > update.created_at || !inScope(channel, event, update, existing, reached, about)) return false;
    const widened = widenedSince(channel.components, existing, deleted);
    return widened === undefined || update.created_at >= widened || named(channel, about(event, update));
  };
  /**
   * Whether a webhook owed an update is owed its change of a component: one in the scope it had then (none chosen,
   * every one; all deleted, every one from the deletion on), as a Statuspage component subscription gets those alone.
   */
  const owesChange = (current: Channel, update: Update, code: string): boolean => {
    const { components } = scopedAt(current, edits.get(current.id), update.created_at);
    if (components.length === 0 || components.includes(code)) return true;
    const widened = widenedSince(components, existing, deleted);
    return widened !== undefined && update.created_at >= widened;
  };
  /**
   * Whether a war room heard of an incident by one of these updates: owed one before the resolution (a backfill gathered
   * none). The resolution, or a note after it, is not owed to a room that had not, so it cannot count either.
   */
  const heard = (channel: Channel, event: EventRecord, among: Update[]): boolean => {
    // `among` is always the updates from the first on.
    const resolution = among.findIndex((u) => u.status === 'resolved');
    const upTo = resolution === -1 ? among : among.slice(0, resolution);
    return upTo.some((u) => !afterTheFact(event, u) && owes(channel, event, u));
  };
  const out: ChannelMessage[] = [];
  for (const { event, update, postmortem } of updates) {
    if (postmortem) {
      // To the war rooms that heard of the incident (a backfill, or a room added after the resolution, did not).
      for (const channel of db.channels) {
        if (channel.kind === 'webhook') continue;
        if (!heard(channel, event, event.updates)) continue;
        out.push({ key: `${channel.id}.${event.id}.postmortem`, channel, event, update, kind: 'postmortem', at: postmortem });
      }
      continue;
    }
    const kind = kindOf(event, update);
    const earlier = (event.updates as Update[]).slice(
      0,
      event.updates.findIndex((u) => u.id === update.id),
    );
    for (const channel of db.channels) {
      if (!owes(channel, event, update)) continue;
      if (channel.kind !== 'webhook' && event.kind === 'maintenance') {
        // Each step of a window (scheduled, started, completed, …), told as the maintenance email tells it.
        if (update.created_at > readMark) out.push({ key: `${channel.id}.${update.id}`, channel, event, update, kind });
        continue;
      }
      // A backfill is history: no war room gathers for it, and a component_update would tell a receiver
      // a component is down now. A webhook still gets the incident, for its records.
      const history = afterTheFact(event, update);
      if (channel.kind !== 'webhook') {
        // A war room's first message about an incident is its declaration, whenever that comes before the
        // resolution (added mid-incident, widened by hand, reached by a re-grade): the start, the impact,
        // the commander and the cadence, not an update to an incident it never heard of.
        const told = heard(channel, event, earlier);
        // The resolution, or a note after it, to a room never told of the incident (first reached by a re-grade or a
        // component named at the resolution): history to it, as a backfill is. No room gathers for an incident over.
        const over = kind === 'resolved' || earlier.some((u) => u.status === 'resolved');
        const own = kind === 'update' && !told ? 'declared' : kind;
        if (event.kind === 'incident' && !history && (told || !over)) {
          out.push({ key: `${channel.id}.${update.id}`, channel, event, update, kind: own });
        }
        continue;
      }
      out.push({ key: `${channel.id}.${update.id}`, channel, event, update, kind });
      if (history) continue;
      for (const change of update.affected_components) {
        // What happened to the component: an update whose word another incident's outage outweighs changed nothing.
        if (change.old_status === statusTaken(change) || !owesChange(channel, update, change.code)) continue;
        out.push({ key: `${channel.id}.${update.id}.${change.code}`, channel, event, update, kind: 'component', change });
      }
    }
  }
  return out;
}

/** The outbox record of a message owed, queued as of `at`. */
export function toDelivery(m: ChannelMessage, at: string): ChannelDelivery {
  return {
    t: 'c',
    id: m.key,
    channel: m.channel.id,
    event: m.event.id,
    update: m.update.id,
    component: m.change?.code ?? null,
    kind: m.kind,
    at: m.at ?? m.update.created_at,
    state: 'queued',
    attempts: 0,
    last_error: null,
    last_status: null,
    next_at: null,
    created_at: at,
    sent_at: null,
  };
}

/**
 * The newest update time (or postmortem publication) in the data after `since` (and up to `until`): where the
 * next planning pass starts. A postmortem's publication moves it too, so that its sent message is kept (to
 * dedupe) while the planner may look at it again, and the planner passes it by once the mark is past it.
 */
export function latestUpdate(db: Db, since: string, until?: string): string {
  let latest = since;
  const see = (at: string | null | undefined) => {
    if (at && at > latest && (until === undefined || at <= until)) latest = at;
  };
  for (const e of [...db.incidents, ...db.maintenances]) for (const u of e.updates) see(u.created_at);
  for (const i of db.incidents) see(i.postmortem?.published_at);
  return latest;
}
