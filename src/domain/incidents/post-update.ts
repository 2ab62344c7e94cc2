import type { VerbContext } from '../context.ts';
import type { Incident, IncidentUpdate } from '../model.ts';
import type { IncidentStatus } from '../status.ts';
import { recordAudit } from '../audit.ts';
import { appendUpdate, type UpdateInput } from './append-update.ts';
import { assertTransition, findIncident } from './lifecycle.ts';
import { gradeNamed, severityChangeText } from './severity.ts';

/** Posts an update to an incident, following the rules in lifecycle.ts. */
export function postUpdate(
  ctx: VerbContext,
  incidentId: string,
  input: UpdateInput & { status: IncidentStatus },
): { incident: Incident; update: IncidentUpdate } {
  const incident = findIncident(ctx, incidentId);
  assertTransition(incident, input.status, Object.keys(input.components ?? {}).length > 0);
  const update = appendUpdate(ctx, incident, input);
  recordAudit(ctx, 'incident.update', `${incident.id}/${update.id}`, { detail: { status: input.status } });
  const change = update.severity_change;
  if (change) {
    recordAudit(ctx, 'incident.severity', `${incident.id}/${update.id}`, {
      // The level as the audit has always read it: its whole record stays on the update alone.
      previous: gradeNamed(change.from),
      detail: { change: severityChangeText(change), severity: change.to.id, impact: change.to.impact },
    });
  }
  return { incident, update };
}
