import type { ComponentChange, Db, EventRecord, Incident, Update } from '../domain/model.ts';
import type { Impact } from '../domain/status.ts';
import type { Channel } from '../domain/channels/model.ts';
import type { ChannelDelivery } from '../store/channels/ledger.ts';
import { afterTheFact } from '../domain/incidents/lifecycle.ts';
import { existingIds, follows } from '../domain/components/following.ts';

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
 */
export type MessageKind = 'declared' | 'update' | 'resolved' | 'maintenance' | 'component';

export interface ChannelMessage {
  /** `<channel>.<update>` or `<channel>.<update>.<component>`: the delivery id, and the webhook-id. */
  key: string;
  channel: Channel;
  event: EventRecord;
  update: Update;
  kind: MessageKind;
  change?: ComponentChange;
}

const RANK = { none: 0, minor: 1, major: 2, critical: 3 } as const;

/**
 * Whether an update of an incident or window concerns a channel: its components, by the rule email
 * follows (one whose every component was deleted since takes in everything), and for an incident the
 * channel's least impact, reached by this update or before it (`reached`).
 */
function inScope(channel: Channel, event: EventRecord, update: Update, existing: ReadonlySet<string>, reached: Reached): boolean {
  if (event.kind === 'incident' && channel.min_impact !== null) {
    if (RANK[reached(event, update)] < RANK[channel.min_impact]) return false;
  }
  return follows(channel.components, event.components, existing);
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

/** Whether the channel's own choice names the event (or the event names no component), deleted components included. */
const named = (channel: Channel, event: EventRecord): boolean =>
  event.components.length === 0 || channel.components.some((c) => event.components.includes(c));

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
}
const readAudits = new WeakMap<Db['audit'], { length: number; facts: AuditFacts }>();

function auditFacts(audit: Db['audit']): AuditFacts {
  const known = readAudits.get(audit);
  if (known?.length === audit.length) return known.facts;
  const facts: AuditFacts = { deleted: new Map(), edits: new Map() };
  for (const e of audit) {
    if (e.action === 'component.delete' && e.at > (facts.deleted.get(e.target) ?? '')) facts.deleted.set(e.target, e.at);
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
 * Every message owed for updates written at or after `since` (an ISO instant), oldest update first.
 * `readMark` is the planning mark as this Herald read it from the outbox (at its start, or on taking the
 * lead): updates up to it were planned by whoever moved it there, maybe a Herald from before Slack and Teams
 * got windows, which owed them none. A pass looks at the newest of those again, and must not post it to a war
 * room, late, then (a deploy would post the last window's "Maintenance completed" in every war room).
 */
export function channelMessages(
  db: Pick<Db, 'channels' | 'components' | 'incidents' | 'maintenances' | 'audit'>,
  since: string,
  readMark = '',
): ChannelMessage[] {
  if (db.channels.length === 0) return [];
  const existing = existingIds(db);
  const reached = impactsReached();
  const { deleted, edits } = auditFacts(db.audit);
  const updates: Array<{ event: EventRecord; update: Update }> = [];
  for (const event of [...db.incidents, ...db.maintenances]) {
    for (const update of event.updates as Update[]) if (update.created_at >= since) updates.push({ event, update });
  }
  updates.sort((a, b) => a.update.created_at.localeCompare(b.update.created_at));
  /** Whether a channel is owed a message about this update: added by then, and in the scope it had then. */
  const owes = (current: Channel, event: EventRecord, update: Update): boolean => {
    const channel = scopedAt(current, edits.get(current.id), update.created_at);
    if (channel.created_at > update.created_at || !inScope(channel, event, update, existing, reached)) return false;
    const widened = widenedSince(channel.components, existing, deleted);
    return widened === undefined || update.created_at >= widened || named(channel, event);
  };
  const out: ChannelMessage[] = [];
  for (const { event, update } of updates) {
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
        if (change.old_status === change.new_status) continue;
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
    at: m.update.created_at,
    state: 'queued',
    attempts: 0,
    last_error: null,
    last_status: null,
    next_at: null,
    created_at: at,
    sent_at: null,
  };
}

/** The newest update time in the data after `since` (and up to `until`): where the next planning pass starts. */
export function latestUpdate(db: Db, since: string, until?: string): string {
  let latest = since;
  for (const e of [...db.incidents, ...db.maintenances]) {
    for (const u of e.updates) if (u.created_at > latest && (until === undefined || u.created_at <= until)) latest = u.created_at;
  }
  return latest;
}
