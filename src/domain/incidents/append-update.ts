import type { VerbContext } from '../context.ts';
import type { ComponentChange, Incident, IncidentUpdate } from '../model.ts';
import type { ComponentStatus, IncidentStatus } from '../status.ts';
import { randomId } from '../ids.ts';
import { shouldNotify } from '../policy.ts';
import { applyComponentChanges, restoreOnResolve } from './lifecycle.ts';
import { Invalid } from '../errors.ts';

export interface UpdateInput {
  status: IncidentStatus;
  body: string;
  components?: Record<string, ComponentStatus>;
  notify?: boolean;
  /** Backfill: when the update happened, if earlier than now. */
  display_at?: string;
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
 * changes, moves the incident's status and timestamps, renders the body once,
 * and decides by policy whether subscribers are notified.
 */
export function appendUpdate(ctx: VerbContext, incident: Incident, input: UpdateInput): IncidentUpdate {
  const now = ctx.now.toISOString();
  const displayAt = input.display_at ?? now;
  if (Date.parse(displayAt) > ctx.now.getTime() + 60_000) {
    throw new Invalid('display_at cannot be in the future.', 'display_at');
  }
  const resolves = input.status === 'resolved';
  const first = incident.updates.length === 0;
  const wasResolved = incident.resolved_at !== null;
  let changes = input.components ?? {};
  if (resolves && !wasResolved) changes = restoreOnResolve(ctx, incident, changes);
  const affected = applyComponentChanges(ctx, incident, changes);

  const update: IncidentUpdate = newUpdate(ctx, {
    status: input.status,
    body: input.body,
    displayAt,
    affected,
    notify: shouldNotify({ impact: incident.impact, first, resolves: resolves && !wasResolved, notify: input.notify }),
  });
  incident.updates.push(update);
  // A follow-up note on a resolved incident must not take back its published postmortem.
  if (!(wasResolved && incident.status === 'postmortem')) incident.status = input.status;
  incident.updated_at = now;
  if (input.status === 'monitoring' && !incident.monitoring_at) incident.monitoring_at = displayAt;
  if (resolves && !incident.resolved_at) incident.resolved_at = displayAt;
  return update;
}
