import type { ComponentChange, Db, EventRecord, Incident, Update } from '../domain/model.ts';
import type { Impact } from '../domain/status.ts';
import type { Channel } from '../domain/channels/model.ts';
import type { ChannelDelivery } from '../store/channels/ledger.ts';
import { afterTheFact } from '../domain/incidents/lifecycle.ts';
import { componentsAlong, existingIds, follows, noticeComponents } from '../domain/components/following.ts';

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

const RANK = { none: 0, minor: 1, major: 2, critical: 3 } as const;

/**
 * Whether an update of an incident or window concerns a channel: its components, by the rule email
 * follows (one whose every component was deleted since takes in everything), and for an incident the
 * channel's least impact, reached by this update or before it (`reached`).
 */
function inScope(
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
function aboutAlong(): About {
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
function impactsReached(): Reached {
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
const named = (channel: Channel, components: readonly string[]): boolean =>
  components.length === 0 || channel.components.some((c) => components.includes(c));

type Scope = Pick<Channel, 'components' | 'min_impact'>;
type Edits = Array<{ until: string; scope: Scope }>;

/**
 * What the planner reads of the audit: when each component was last deleted, and the scopes each channel
 * had before its edits (`channel.edit` keeps the previous components and least impact), oldest edit first.
 * Worked out once per audit length: the audit only grows, and the planner runs on every change.
 */
interface AuditFacts {
  deleted: Map<string, string>;
  edits: Map<string, Edits>;
  /** When each incident's postmortem was first published, as the audit recorded it (its first published save). */
  published: Map<string, string>;
}
const readAudits = new WeakMap<Db['audit'], { length: number; facts: AuditFacts }>();

function auditFacts(audit: Db['audit']): AuditFacts {
  const known = readAudits.get(audit);
  if (known?.length === audit.length) return known.facts;
  const facts: AuditFacts = { deleted: new Map(), edits: new Map(), published: new Map() };
  for (const e of audit) {
    if (e.action === 'component.delete' && e.at > (facts.deleted.get(e.target) ?? '')) facts.deleted.set(e.target, e.at);
    if (e.action === 'incident.postmortem' && (e.detail as { published?: unknown } | undefined)?.published === true) {
      if (e.at < (facts.published.get(e.target) ?? '\uffff')) facts.published.set(e.target, e.at);
    }
    if (e.action !== 'channel.edit') continue;
    const previous = e.previous as Partial<Scope> | undefined;
    const detail = e.detail as Partial<Scope> | undefined;
    if (!Array.isArray(previous?.components) || previous.min_impact === undefined) continue;
    // An edit of the name or the URL only changed no scope.
    if (previous.min_impact === detail?.min_impact && previous.components.join() === detail.components?.join()) continue;
    const list = facts.edits.get(e.target) ?? [];
    list.push({ until: e.at, scope: { components: previous.components, min_impact: previous.min_impact } });
    facts.edits.set(e.target, list);
  }
  readAudits.set(audit, { length: audit.length, facts });
  return facts;
}

/**
 * The channel as it stood when an update was written: the scope its first later edit replaced, if any. A
 * channel owes an update by that scope: widened or lowered by hand later, it is not owed, days late, the
 * newest update it did not want then (the planner looks at the newest update again on each pass); narrowed
 * later, it still gets what it was owed.
 */
function scopedAt(channel: Channel, edits: Edits | undefined, at: string): Channel {
  const next = edits?.find((e) => e.until > at);
  return next ? { ...channel, ...next.scope } : channel;
}

/**
 * Since when components that were all deleted take in every incident: the last of those deletions, as the
 * audit recorded it ('' when it has no record); undefined while one of them exists. Not before: the planner
 * looks at the newest update again on each pass, and a channel that never owed it must not post it, days
 * late, then.
 */
function widenedSince(components: string[], existing: ReadonlySet<string>, deleted: Map<string, string>): string | undefined {
  if (components.length === 0 || components.some((c) => existing.has(c))) return undefined;
  return components.reduce((last, c) => ((deleted.get(c) ?? '') > last ? deleted.get(c)! : last), '');
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
  const out: ChannelMessage[] = [];
  for (const { event, update, postmortem } of updates) {
    if (postmortem) {
      // To the war rooms that heard of the incident: owed one of its messages (a backfill gathered none).
      for (const channel of db.channels) {
        if (channel.kind === 'webhook') continue;
        if (!event.updates.some((u) => !afterTheFact(event, u) && owes(channel, event, u))) continue;
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
        const told = earlier.some((u) => !afterTheFact(event, u) && owes(channel, event, u));
        const own = kind === 'update' && !told ? 'declared' : kind;
        if (event.kind === 'incident' && !history) out.push({ key: `${channel.id}.${update.id}`, channel, event, update, kind: own });
        continue;
      }
      out.push({ key: `${channel.id}.${update.id}`, channel, event, update, kind });
      if (history) continue;
      for (const change of update.affected_components) {
        if (change.old_status === change.new_status || !owesChange(channel, update, change.code)) continue;
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
