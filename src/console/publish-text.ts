import type { DraftAction } from '../publish/preview.ts';
import { etaStated } from '../domain/words.ts';
import { declareTemplate, incidentTemplate, levelById, regradeLevel, type FormContext } from './form-defaults.ts';
import { known, namedAfter } from './draft-input.ts';

/** Whether a draft's body is still the template it was filled with (the Comms Lead left it as Herald wrote it). */
export const followsTemplate = (action: DraftAction): boolean =>
  !!action.bodyTemplate && action.input.body.trim() === action.bodyTemplate.trim();

/**
 * Whether atPublish fills the draft's body in again: a template left as it was, on a declare that
 * starts now or an update of an incident still there, dated by the publish.
 */
function refilled(action: DraftAction, fc: FormContext): boolean {
  if (!followsTemplate(action)) return false;
  // A backfill (a start given) is the API's; the console's declare starts now.
  if (action.kind === 'declare') return !action.input.started_at;
  // Gone (the verb refuses it), or dated by a time of its own (the API's): published as previewed.
  return !!fc.db.incidents.find((i) => i.id === action.incidentId) && !action.input.display_at;
}

/**
 * A draft as published. A body still equal to its template is filled in again
 * with the data and clock of the publish, so the times it states (Started at on
 * a declare, Updated at on an identified or monitoring update, Resolved at and
 * Total duration on a resolve) are the ones Herald
 * records then, whatever the wait since the preview. The estimate stays the
 * instant the preview showed: "In 2 hours" is counted from the preview, which
 * the Comms Lead read as a clock time and checked. A body edited by hand is the
 * Comms Lead's own text, published as previewed.
 */
export function atPublish(action: DraftAction, fc: FormContext): DraftAction {
  if (!refilled(action, fc)) return action;
  const { db } = fc;
  let body: string;
  if (action.kind === 'declare') {
    const { input } = action;
    const level = input.severity ? levelById(db, input.severity) : (db.settings.severities.find((l) => l.impact === input.impact) ?? null);
    body = declareTemplate(fc, level, known(db, input.components ?? {}), input.eta ?? null);
  } else {
    const { input } = action;
    const incident = db.incidents.find((i) => i.id === action.incidentId)!;
    const ids = namedAfter(db, incident, input.components ?? {});
    const eta = input.eta === undefined ? incident.eta : input.eta;
    body = incidentTemplate(fc, incident, input.status, ids, eta, regradeLevel(db, incident, input.severity ?? ''));
  }
  return { ...action, input: { ...action.input, body }, bodyTemplate: body } as DraftAction;
}

/**
 * What the preview says of a template atPublish fills in again and whose text states times: the
 * declare's "Started at", an identified or monitoring update's "Updated at", or a resolve's "Resolved at"
 * and "Total duration" (an incident not resolved before), are the publish's; the estimate, `eta`, stays the previewed instant. Null when the text
 * goes out as previewed, or states no time of the publish.
 */
export function templateTimesNote(action: DraftAction, fc: FormContext, eta: string | null): string | null {
  if (!refilled(action, fc)) return null;
  const resolving =
    action.kind === 'update' && action.input.status === 'resolved' && !fc.db.incidents.find((i) => i.id === action.incidentId)?.resolved_at;
  // The In progress templates (identified, monitoring) end with the runbooks' "Updated at".
  const inProgress = action.kind === 'update' && (action.input.status === 'identified' || action.input.status === 'monitoring');
  if (action.kind !== 'declare' && !resolving && !inProgress) return null;
  const times =
    action.kind === 'declare'
      ? '“Started at” will say the time you publish'
      : inProgress
        ? '“Updated at” will say the time you publish'
        : '“Resolved at” and “Total duration” will count to the time you publish';
  const estimate = eta ? ` The estimated resolution stays ${etaStated(eta, fc.now.toISOString(), fc.timeZone)}.` : '';
  return `The text is Herald's template: ${times}, as the incident records it.${estimate}`;
}
