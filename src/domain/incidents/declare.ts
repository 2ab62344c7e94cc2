import type { VerbContext } from '../context.ts';
import type { Incident } from '../model.ts';
import type { ComponentStatus, Impact, IncidentStatus } from '../status.ts';
import { nextDailyId } from '../ids.ts';
import { Invalid } from '../errors.ts';
import { recordAudit } from '../audit.ts';
import { appendUpdate } from './append-update.ts';

export interface DeclareInput {
  name: string;
  impact: Impact;
  status: IncidentStatus;
  body: string;
  components: Record<string, ComponentStatus>;
  notify?: boolean;
  /** Backfill: when the incident really started. */
  started_at?: string;
}

/** Declares an incident with its first update. Its id is `INC-<UTC start date>-<n>`. */
export function declareIncident(ctx: VerbContext, input: DeclareInput): Incident {
  if (input.status === 'postmortem') throw new Invalid('An incident cannot start as postmortem.', 'status');
  const startedAt = input.started_at ?? ctx.now.toISOString();
  if (Date.parse(startedAt) > ctx.now.getTime() + 60_000) {
    throw new Invalid('started_at cannot be in the future.', 'started_at');
  }
  const now = ctx.now.toISOString();
  const incident: Incident = {
    kind: 'incident',
    id: nextDailyId(
      'INC',
      new Date(startedAt),
      ctx.db.incidents.map((i) => i.id),
    ),
    name: input.name.trim(),
    impact: input.impact,
    status: input.status,
    created_at: now,
    updated_at: now,
    started_at: startedAt,
    monitoring_at: null,
    resolved_at: null,
    components: [],
    updates: [],
    postmortem: null,
  };
  appendUpdate(ctx, incident, {
    status: input.status,
    body: input.body,
    components: input.components,
    notify: input.notify,
    display_at: startedAt,
  });
  ctx.db.incidents.push(incident);
  recordAudit(ctx, 'incident.declare', incident.id, { detail: { impact: input.impact } });
  return incident;
}
