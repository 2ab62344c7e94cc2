import type { VerbContext } from '../context.ts';
import type { Incident } from '../model.ts';
import type { ComponentStatus, Impact, IncidentStatus } from '../status.ts';
import { bareSlug, nextDailyId } from '../ids.ts';
import { Invalid } from '../errors.ts';
import { notAhead } from '../not-ahead.ts';
import { recordAudit } from '../audit.ts';
import { levelForDeclare } from '../policy.ts';
import { appendUpdate } from './append-update.ts';
import { grade } from './severity.ts';

export interface DeclareInput {
  name: string;
  /** A severity level id of the settings' scheme; or give `impact` alone (the first level with it). */
  severity?: string;
  impact?: Impact;
  status: IncidentStatus;
  body: string;
  components: Record<string, ComponentStatus>;
  notify?: boolean;
  /** When it is expected to be resolved (null or absent: not known yet). */
  eta?: string | null;
  /** Backfill: when the incident really started. */
  started_at?: string;
  /** Backfill, with `status: resolved`: when it really ended (default: its start, as it has no other end). */
  resolved_at?: string;
  /** Who leads the response, for the war-room channels. */
  commander?: string | null;
  /** The responders' channel; default `#incident-<start date>-<slug of the name>` (runbook naming), numbered when taken. */
  war_room?: string | null;
}

/**
 * `#incident-2026-11-30-card-payments-failing`: the runbooks' war-room name for
 * an incident `INC-2026-11-30-n`. A name with no Latin slug (Платежи) takes the
 * incident's number instead. A room in `taken` (another incident's) gets the
 * number as a suffix (`…-card-payments-failing-2`): two incidents of one day
 * with the same name, or names that share their first 50 slug characters, would
 * otherwise share a room. The number is unique that day (ids are never given
 * again), so a further suffix is needed only when another room was named so by
 * hand or after a name ending in that number. Within Slack's 80 characters.
 */
export function defaultWarRoom(name: string, id: string, taken: ReadonlySet<string> = new Set()): string {
  const [, day, n] = /^INC-(\d{4}-\d{2}-\d{2})-(\d+)$/.exec(id)!;
  const room = `#incident-${day}-${bareSlug(name).slice(0, 50).replace(/-+$/, '') || n}`;
  if (!taken.has(room)) return room;
  for (let k = 1; ; k++) {
    const numbered = k === 1 ? `${room}-${n}` : `${room}-${n}-${k}`;
    if (!taken.has(numbered)) return numbered;
  }
}

/**
 * The rooms other incidents have, open or resolved (a resolved incident's channel still holds its history,
 * and a postmortem is posted to it), and those a withdrawn incident had by default (its channel may exist).
 */
function roomsTaken(ctx: VerbContext): Set<string> {
  const rooms = ctx.db.incidents.flatMap((i) => (i.war_room ? [i.war_room.toLowerCase()] : []));
  for (const w of ctx.db.withdrawn ?? []) {
    if (/^INC-\d{4}-\d{2}-\d{2}-\d+$/.test(w.id)) rooms.push(defaultWarRoom(w.name, w.id));
  }
  return new Set(rooms);
}

/**
 * Declares an incident with its first update. Its id is `INC-<UTC start
 * date>-<n>`; it keeps the severity level it is declared with (the label
 * stays even if the scheme changes later), and its impact is that level's.
 */
export function declareIncident(ctx: VerbContext, input: DeclareInput): Incident {
  if (input.status === 'postmortem') throw new Invalid('An incident cannot start as postmortem.', 'status');
  const startedAt = input.started_at === undefined ? ctx.now.toISOString() : notAhead(input.started_at, ctx.now, 'started_at');
  // A past incident declared already resolved may say when it ended: without it, it lasted no time at all
  // (history says "under 1 min" and uptime counts no outage), and a later note cannot move its end.
  let resolvedAt: string | undefined;
  if (input.resolved_at !== undefined) {
    if (input.status !== 'resolved') {
      throw new Invalid('resolved_at goes with an incident declared already resolved ("status": "resolved").', 'resolved_at');
    }
    resolvedAt = notAhead(input.resolved_at, ctx.now, 'resolved_at');
    // Ordered as given: a start and an end both a little ahead (a clock apart) are then both now.
    if (Date.parse(input.resolved_at) <= Date.parse(input.started_at ?? startedAt)) {
      throw new Invalid(`resolved_at must be after started_at (${input.started_at ?? startedAt}).`, 'resolved_at');
    }
  }
  const level = levelForDeclare(ctx.db.settings, input);
  const now = ctx.now.toISOString();
  const id = nextDailyId(
    'INC',
    new Date(startedAt),
    // A withdrawn incident's id is never given again: the outboxes and the audit log still name it.
    [...ctx.db.incidents, ...(ctx.db.withdrawn ?? [])].map((i) => i.id).concat([...(ctx.givenIds ?? [])]),
  );
  const incident: Incident = {
    kind: 'incident',
    id,
    name: input.name.trim(),
    ...grade(level, input.impact!),
    status: input.status,
    created_at: now,
    updated_at: now,
    started_at: startedAt,
    monitoring_at: null,
    resolved_at: null,
    eta: null,
    root_cause: null,
    resolution: null,
    prevention: null,
    late_notice_at: null,
    email_declined: input.notify === false,
    commander: input.commander?.trim() || null,
    war_room: input.war_room === null ? null : input.war_room?.trim() || defaultWarRoom(input.name, id, roomsTaken(ctx)),
    components: [],
    updates: [],
    postmortem: null,
  };
  appendUpdate(ctx, incident, {
    status: input.status,
    body: input.body,
    components: input.components,
    notify: input.notify,
    eta: input.eta,
    commander: input.commander ?? undefined,
    // A backfill with its end: its one update, "Resolved", reads at the end, where the page's header and the API's
    // resolved_at put the resolution. Its component statuses still hold from the start (after-the-fact.ts, heldFrom).
    display_at: resolvedAt ?? startedAt,
  });
  ctx.db.incidents.push(incident);
  recordAudit(ctx, 'incident.declare', incident.id, { detail: { impact: incident.impact, severity: level?.id ?? null } });
  return incident;
}
