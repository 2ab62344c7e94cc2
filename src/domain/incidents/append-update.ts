import type { VerbContext } from '../context.ts';
import type { ComponentChange, Incident, IncidentUpdate } from '../model.ts';
import { COMPONENT_STATUS_LABEL, type IncidentStatus } from '../status.ts';
import { randomId } from '../ids.ts';
import { announced, impactTold, levelOf, shouldNotify, widens } from '../policy.ts';
import { applyComponentChanges, restoreOnResolve } from './lifecycle.ts';
import { applyRegrade, regradeOf } from './severity.ts';
import { assertTakeOff, type ComponentChangesInput, splitChanges, takeOff } from './take-off.ts';
import { Conflict, Invalid } from '../errors.ts';
import { notAhead } from '../not-ahead.ts';

export interface UpdateInput {
  status: IncidentStatus;
  body: string;
  /** A status per component, or null to take one off the incident (it was named in error: take-off.ts). */
  components?: ComponentChangesInput;
  notify?: boolean;
  /**
   * Re-grades the incident: a level id of the current scheme, as a declare takes it. Its severity and
   * impact become that level's, and from this update on its cadence, email and review follow it.
   */
  severity?: string;
  /** A new estimate of the resolution (an instant), null to clear it; absent keeps the current one. */
  eta?: string | null;
  /** What happened, told with the resolution (a resolving update only): shown on the page and in the restoration notice. */
  root_cause?: string;
  resolution?: string;
  prevention?: string;
  /** Backfill: when the update happened, if earlier than now. */
  display_at?: string;
  /** Names (or changes) who leads the response; absent keeps the current one. */
  commander?: string;
}

/** A new update record (of an incident or a window): the body rendered once, here, and never per request. */
export function newUpdate<S extends string>(
  ctx: VerbContext,
  u: { status: S; body: string; displayAt: string; affected: ComponentChange[]; notify: boolean },
) {
  const now = ctx.now.toISOString();
  return {
    id: randomId(),
    status: u.status,
    body: u.body,
    body_html: ctx.markdown(u.body),
    created_at: now,
    display_at: u.displayAt,
    updated_at: now,
    edited_at: null,
    affected_components: u.affected,
    notify: u.notify,
    author: ctx.actor,
  };
}

/**
 * Adds an update to an incident (its first one included): applies component
 * changes and a re-grade, moves the incident's status and timestamps, renders
 * the body once, and decides by policy (of the level after the re-grade)
 * whether subscribers are notified.
 */
export function appendUpdate(ctx: VerbContext, incident: Incident, input: UpdateInput): IncidentUpdate {
  const now = ctx.now.toISOString();
  const displayAt = input.display_at === undefined ? now : notAhead(input.display_at, ctx.now, 'display_at');
  // A note on a resolved incident dated before its resolution would read as following it. Said first: a backfill's
  // one update is dated at the resolution, and "before the incident's resolution" says why.
  if (input.display_at !== undefined && incident.resolved_at && Date.parse(displayAt) < Date.parse(incident.resolved_at)) {
    throw new Invalid(
      `display_at cannot be before the incident's resolution (${incident.resolved_at}): a note on it comes after.`,
      'display_at',
    );
  }
  // Backfilled updates keep the timeline in order: a resolution dated before the start would read as nonsense.
  const latest = incident.updates.at(-1)?.display_at;
  if (input.display_at !== undefined && latest && Date.parse(displayAt) < Date.parse(latest)) {
    throw new Invalid(`display_at cannot be before the incident's latest update (${latest}).`, 'display_at');
  }
  const resolves = input.status === 'resolved';
  const first = incident.updates.length === 0;
  const wasResolved = incident.resolved_at !== null;
  const told = input.root_cause !== undefined || input.resolution !== undefined || input.prevention !== undefined;
  // A follow-up note may tell them once (a backfill declared resolved has no other way), never over what
  // customers already read, of which nothing would be left: more goes in the postmortem.
  const untold = incident.root_cause === null && incident.resolution === null && incident.prevention === null;
  if (told && !(resolves && (!wasResolved || untold))) {
    throw new Invalid(
      'root_cause, resolution and prevention go with the resolving update, or a later note if none were given (tell more in the postmortem).',
      input.root_cause !== undefined ? 'root_cause' : input.resolution !== undefined ? 'resolution' : 'prevention',
    );
  }
  if (input.eta && resolves) throw new Invalid('A resolved incident has no estimated resolution.', 'eta');
  // One already past reads as overdue the moment it is published (a minute's grace for clocks apart).
  if (input.eta && Date.parse(input.eta) < ctx.now.getTime() - 60_000) {
    throw new Invalid('The estimated resolution has already passed: choose a time in the future, or "not known yet".', 'eta');
  }
  // Looked up before anything changes: an unknown level is refused with nothing applied.
  const regrade = input.severity === undefined ? null : regradeOf(ctx.db.settings, incident, input.severity);
  // As with its components: what customers were told it was stays what it was once it is over.
  if (regrade && wasResolved) {
    throw new Conflict(`${incident.id} is resolved; a follow-up note cannot change its severity.`, 'incident_resolved', 'severity');
  }
  const { set, off } = splitChanges(input.components);
  assertTakeOff(ctx, incident, off, set);
  // A resolution that left a component in trouble would show an outage with no incident to explain or end it, count
  // nowhere in its uptime, and a follow-up note cannot change it: what is still failing keeps its incident open.
  const stillTrouble = resolves && !wasResolved && !first ? Object.keys(set).find((id) => set[id] !== 'operational') : undefined;
  if (stillTrouble !== undefined) {
    const name = ctx.db.components.find((c) => c.id === stillTrouble)?.name ?? stillTrouble;
    throw new Invalid(
      `Resolving cannot leave ${name} ${COMPONENT_STATUS_LABEL[set[stillTrouble]!].toLowerCase()}: set it operational or leave it to settle, or keep the incident open (Monitoring) while it is still affected.`,
      'components',
    );
  }
  // Components taken off return as taking them off gives them back, not as the resolution restores its own.
  let changes = set;
  if (resolves && !wasResolved) changes = restoreOnResolve(ctx, incident, changes, off);
  // Declared already resolved (a backfill), it tells of the past (afterTheFact): its statuses go into its
  // history, the components keep their present one (they were left in outage, with no open incident to end
  // it), and it emails nobody unless asked (a "restored" notice of an outage nobody heard of).
  const history = first && resolves;
  const reaches = !first && widens(incident, changes);
  // From when its statuses hold (heldFrom, before the update exists): a backfill's from its start.
  const from = history ? incident.started_at : displayAt;
  const affected = [...applyComponentChanges(ctx, incident, changes, !history, from), ...takeOff(ctx, incident, off)];
  const before = { level: levelOf(ctx.db.settings, incident), impact: incident.impact };
  // Read before the re-grade: impactTold walks back from the incident's impact as of its latest update.
  const impactRead = impactTold(incident);
  if (regrade) applyRegrade(incident, regrade.level);

  const update: IncidentUpdate = newUpdate(ctx, {
    status: input.status,
    body: input.body,
    displayAt,
    affected,
    notify: shouldNotify(levelOf(ctx.db.settings, incident), {
      first,
      resolves: resolves && !wasResolved,
      announced: announced(incident),
      told: impactRead,
      notify: input.notify ?? (history ? false : undefined),
      ...(regrade ? { regradedFrom: before } : {}),
      widens: reaches,
      past: Date.parse(displayAt) < ctx.now.getTime() - 60_000,
    }),
  });
  if (regrade) update.severity_change = regrade.change;
  // Recorded on the update too: its war-room message says who leads from it on, even delivered late.
  const commander = input.commander?.trim();
  if (commander) {
    update.commander = commander;
    incident.commander = commander;
  }
  // The estimate too (a message sent late tells the one of its update); the declaration records both, given or not.
  if (first) {
    update.commander ??= null;
    update.eta = resolves ? null : (input.eta ?? null);
  } else if (input.eta !== undefined && !resolves) update.eta = input.eta;
  // "Do not email" on a re-grade, with nobody told yet, stands for the level's late notice too (as on the declare).
  if (regrade && input.notify === false && !announced(incident)) incident.email_declined = true;
  incident.updates.push(update);
  // A follow-up note on a resolved incident must not take back its published postmortem.
  if (!(wasResolved && incident.status === 'postmortem')) incident.status = input.status;
  incident.updated_at = now;
  if (input.status === 'monitoring' && !incident.monitoring_at) incident.monitoring_at = displayAt;
  if (resolves && !incident.resolved_at) incident.resolved_at = displayAt;
  if (input.eta !== undefined) incident.eta = input.eta;
  if (resolves) incident.eta = null;
  if (input.root_cause !== undefined) incident.root_cause = input.root_cause;
  if (input.resolution !== undefined) incident.resolution = input.resolution;
  if (input.prevention !== undefined) incident.prevention = input.prevention;
  return update;
}
