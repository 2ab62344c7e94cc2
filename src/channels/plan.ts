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
 * and Teams: the war room), and webhooks also one per maintenance update and
 * one per component status change (Statuspage's two webhook kinds). Only
 * updates written after the channel was added count: history is not news.
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

/**
 * Since when each channel whose every component was deleted takes in every incident: the last of those
 * deletions, as the audit recorded it ('' when it has no record). Not before: the planner looks at the
 * newest update again on each pass, and a channel that never owed it must not post it, days late, then.
 */
function widenings(db: Pick<Db, 'channels' | 'audit'>, existing: ReadonlySet<string>): Map<string, string> {
  const widened = db.channels.filter((ch) => ch.components.length > 0 && !ch.components.some((c) => existing.has(c)));
  const out = new Map<string, string>();
  if (widened.length === 0) return out;
  const deleted = new Map<string, string>();
  for (const e of db.audit) if (e.action === 'component.delete' && e.at > (deleted.get(e.target) ?? '')) deleted.set(e.target, e.at);
  for (const ch of widened)
    out.set(
      ch.id,
      ch.components.reduce((last, c) => ((deleted.get(c) ?? '') > last ? deleted.get(c)! : last), ''),
    );
  return out;
}

type Scope = Pick<Channel, 'components' | 'min_impact'>;

/**
 * The scopes each channel had before its edits, from the audit (`channel.edit` keeps the previous
 * components and least impact), oldest edit first. A channel owes an update by the scope it had when the
 * update was written: widened or lowered by hand later, it is not owed, days late, the newest update it did
 * not want then (the planner looks at the newest update again on each pass); narrowed later, it still gets
 * what it was owed.
 */
function earlierScopes(db: Pick<Db, 'audit'>): Map<string, Array<{ until: string; scope: Scope }>> {
  const out = new Map<string, Array<{ until: string; scope: Scope }>>();
  for (const e of db.audit) {
    if (e.action !== 'channel.edit') continue;
    const previous = e.previous as Partial<Scope> | undefined;
    if (!Array.isArray(previous?.components) || previous.min_impact === undefined) continue;
    const list = out.get(e.target) ?? [];
    list.push({ until: e.at, scope: { components: previous.components, min_impact: previous.min_impact } });
    out.set(e.target, list);
  }
  return out;
}

/** The channel as it stood when an update was written: the scope its first later edit replaced, if any. */
function scopedAt(channel: Channel, edits: Array<{ until: string; scope: Scope }> | undefined, at: string): Channel {
  const next = edits?.find((e) => e.until > at);
  return next ? { ...channel, ...next.scope } : channel;
}

function kindOf(event: EventRecord, update: Update): MessageKind {
  if (event.kind === 'maintenance') return 'maintenance';
  if (event.updates[0]?.id === update.id) return 'declared';
  return event.updates.find((u) => u.status === 'resolved')?.id === update.id ? 'resolved' : 'update';
}

/** Every message owed for updates written at or after `since` (an ISO instant), oldest update first. */
export function channelMessages(
  db: Pick<Db, 'channels' | 'components' | 'incidents' | 'maintenances' | 'audit'>,
  since: string,
): ChannelMessage[] {
  if (db.channels.length === 0) return [];
  const existing = existingIds(db);
  const widenedFrom = widenings(db, existing);
  const reached = impactsReached();
  const edits = earlierScopes(db);
  const updates: Array<{ event: EventRecord; update: Update }> = [];
  for (const event of [...db.incidents, ...db.maintenances]) {
    for (const update of event.updates as Update[]) if (update.created_at >= since) updates.push({ event, update });
  }
  updates.sort((a, b) => a.update.created_at.localeCompare(b.update.created_at));
  /** Whether a channel is owed a message about this update: added by then, and in the scope it had then. */
  const owes = (current: Channel, event: EventRecord, update: Update): boolean => {
    const channel = scopedAt(current, edits.get(current.id), update.created_at);
    if (channel.created_at > update.created_at || !inScope(channel, event, update, existing, reached)) return false;
    const widened = widenedFrom.get(channel.id);
    return widened === undefined || update.created_at >= widened || named(channel, event);
  };
  const out: ChannelMessage[] = [];
  for (const { event, update } of updates) {
    const kind = kindOf(event, update);
    const before = event.updates[event.updates.findIndex((u) => u.id === update.id) - 1] as Update | undefined;
    for (const channel of db.channels) {
      if (!owes(channel, event, update)) continue;
      // A backfill is history: no war room gathers for it, and a component_update would tell a receiver
      // a component is down now. A webhook still gets the incident, for its records.
      const history = afterTheFact(event, update);
      // The first message a war room gets about an incident is its declaration, whenever that comes (added
      // mid-incident, widened by hand, reached by a re-grade): the start, the impact, the commander and the
      // cadence, not an update to an incident it never heard of.
      const own = kind === 'update' && event.kind === 'incident' && before && !owes(channel, event, before) ? 'declared' : kind;
      if (channel.kind !== 'webhook') {
        if (event.kind === 'incident' && !history) out.push({ key: `${channel.id}.${update.id}`, channel, event, update, kind: own });
        continue;
      }
      out.push({ key: `${channel.id}.${update.id}`, channel, event, update, kind: own });
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
