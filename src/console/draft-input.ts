import { estimatePassed } from '../domain/words.ts';
import type { Db, Incident } from '../domain/model.ts';
import type { ComponentChangesInput } from '../domain/incidents/take-off.ts';
import type { IncidentStatus } from '../domain/status.ts';
import { UPDATE_STATUSES } from '../domain/incidents/lifecycle.ts';
import { checked, componentChanges, formFields, validate, type FieldErrors } from './forms.ts';
import { incidentCreateSchema, updateCreateSchema } from '../input/schemas.ts';
import { etaFromForm } from './eta-input.ts';
import type { DraftAction } from '../publish/preview.ts';
import { formKeyOf, newFormKey } from './form-once.ts';
import { refilled } from './template-lines.ts';
import {
  declareNotifyDefault,
  declareTemplate,
  incidentTemplate,
  levelById,
  notifyDefault,
  regradeLevel,
  type FormContext,
} from './form-defaults.ts';
import type { DeclareValues, UpdateValues } from './draft-values.ts';

/**
 * The "Email subscribers" box: the form also sends how it was shown
 * (`notify_shown`). Left as shown, the runbook policy decides for the level
 * and status actually chosen (undefined), so picking "resolved" on a form
 * rendered for "identified" still sends the restoration notice without
 * JavaScript; ticked or unticked by hand, that choice wins. A form drawn
 * again (refused, or "Back to edit") after a choice by hand says so
 * (`notify_by_hand`): shown as chosen, the box is still the Comms Lead's
 * choice, not the runbook's (a drill unticked must not email when previewed again).
 */
export function notifyChoice(form: FormData): boolean | undefined {
  const now = checked(form, 'notify');
  if (form.get('notify_by_hand') === '1') return now;
  const shown = form.get('notify_shown');
  if (shown === '1' || shown === '0') return now === (shown === '1') ? undefined : now;
  return now;
}

/** The components a form names that exist: an unknown one is refused, and its id as sent (a NUL, say) stays out of the template. */
export const known = (db: Db, changes: Record<string, unknown>) =>
  Object.keys(changes).filter((id) => db.components.some((c) => c.id === id));

/** The components an incident names after an update's changes: those taken off left out, those given a status added. */
export const namedAfter = (db: Db, incident: Pick<Incident, 'components'>, changes: ComponentChangesInput): string[] => {
  const off = new Set(Object.keys(changes).filter((id) => changes[id] === null));
  return [...new Set([...incident.components, ...known(db, changes)])].filter((id) => !off.has(id));
};

/**
 * The body a form sends, for the template filled for its choices now: left exactly as the template it
 * was filled with (`body_template`, as the page drew it or its script filled it), that template; edited,
 * the Comms Lead's text, but for the template's fact and time lines still as they were filled ("Affected
 * services", "Estimated resolution", "Started at", "Updated at", "Resolved at", "Total duration"), which
 * take the components and estimate chosen and the times of now (template-lines.ts), with or without the
 * form's script.
 */
function followed(fields: Record<string, string>, template: string): string {
  const body = fields.body ?? '';
  const filled = fields.body_template ?? '';
  return body.trim() === filled.trim() ? template : refilled(body, filled, template).body;
}

/**
 * Reads the declare form into a draft action. A body left exactly as the
 * template it was prefilled with is filled in again with the chosen level,
 * components and estimate, so the text names them without JavaScript; an
 * edited one keeps its text, its template's fact and time lines brought up to the choices and now (followed).
 */
export function declareFromForm(form: FormData, fc: FormContext): { values: DeclareValues; errors: FieldErrors; action?: DraftAction } {
  const fields = formFields(form);
  const { changes, error } = componentChanges(form);
  // A form (or a script) may still name the Statuspage impact: the first level with it, as the API does.
  const level =
    levelById(fc.db, fields.severity ?? '') ??
    (fields.severity ? null : (fc.db.settings.severities.find((l) => l.impact === fields.impact) ?? null));
  const eta = etaFromForm(fields.eta, fc.now);
  const etaValue = typeof eta === 'string' ? eta : null;
  // The template for the choices made now; the body is kept unless it was left as the one it was filled with.
  const template = declareTemplate(fc, level, known(fc.db, changes), etaValue);
  const body = followed(fields, template);
  const notify = notifyChoice(form);
  const values: DeclareValues = {
    name: fields.name ?? '',
    severity: level?.id ?? '',
    eta: fields.eta ?? '',
    commander: fields.commander ?? '',
    war_room: fields.war_room ?? '',
    body,
    bodyTemplate: template,
    components: changes,
    notify: notify ?? (level ? declareNotifyDefault(level) : checked(form, 'notify')),
    notifyByHand: notify !== undefined,
    once: formKeyOf(form) ?? newFormKey(),
  };
  // The console declares investigating incidents; the API also takes other statuses (backfill).
  const input = {
    name: fields.name ?? '',
    ...(fields.severity || level ? { severity: fields.severity || level!.id } : {}),
    body,
    components: changes,
    ...(etaValue ? { eta: etaValue } : {}),
    ...(fields.commander?.trim() ? { commander: fields.commander } : {}),
    ...(fields.war_room?.trim() ? { war_room: fields.war_room } : {}),
    ...(notify !== undefined ? { notify } : {}),
  };
  const parsed = validate(incidentCreateSchema, input);
  const errors: FieldErrors = parsed.ok ? {} : parsed.errors;
  if (!fields.severity && !level) errors.severity = 'Choose a severity.';
  if (error) errors.components = error;
  if (eta !== null && typeof eta === 'object') errors.eta = eta.error;
  if (!parsed.ok || Object.keys(errors).length) return { values, errors };
  return { values, errors, action: { kind: 'declare', input: parsed.data, bodyTemplate: template } };
}

/** Reads the update form of an incident into a draft action (same template rule as declare). */
export function updateFromForm(
  form: FormData,
  fc: FormContext,
  incident: Incident,
): { values: UpdateValues; errors: FieldErrors; action?: DraftAction } {
  const fields = formFields(form);
  const { changes, error } = componentChanges(form);
  const status = (UPDATE_STATUSES as readonly string[]).includes(fields.status ?? '') ? (fields.status as IncidentStatus) : '';
  // A form without the field (none of the console's) keeps the estimate, as its value shown says ('keep').
  const eta = fields.eta === undefined ? undefined : etaFromForm(fields.eta, fc.now);
  const etaAfter = eta === undefined ? incident.eta : typeof eta === 'string' ? eta : null;
  // '' (the default) leaves the severity as it is; an id the scheme does not have is the verb's to refuse.
  const severity = fields.severity ?? '';
  const regradedTo = regradeLevel(fc.db, incident, severity);
  // As on declare; without a status there is no template yet, and the form keeps the one it had.
  const template = status
    ? incidentTemplate(fc, incident, status, namedAfter(fc.db, incident, changes), etaAfter, regradedTo)
    : (fields.body_template ?? '');
  const body = status ? followed(fields, template) : (fields.body ?? '');
  const notify = notifyChoice(form);
  // As typed: the schema checks for control characters before it trims, so a trailing one (a VT) is refused
  // as on the API rather than cut off here. A blank field is left out.
  const told = (name: 'root_cause' | 'resolution' | 'prevention') => fields[name] ?? '';
  const values: UpdateValues = {
    status,
    severity,
    eta: fields.eta ?? 'keep',
    root_cause: told('root_cause'),
    resolution: told('resolution'),
    prevention: told('prevention'),
    commander: fields.commander ?? '',
    body,
    bodyTemplate: template,
    components: changes,
    notify: notify ?? (status ? notifyDefault(fc.db, incident, status, severity, changes) : checked(form, 'notify')),
    notifyByHand: notify !== undefined,
    once: formKeyOf(form) ?? newFormKey(),
    after: fields.after ?? '',
  };
  const resolving = status === 'resolved';
  const input = {
    status: fields.status ?? '',
    body,
    ...(Object.keys(changes).length ? { components: changes } : {}),
    ...(severity ? { severity } : {}),
    ...(notify !== undefined ? { notify } : {}),
    // Resolving clears the estimate; what happened goes with the resolving update only. "Not known yet" (null)
    // clears it too: `typeof null` is 'object', so it once read as "keep" and the old time went out again.
    ...(!resolving && (eta === null || typeof eta === 'string') ? { eta } : {}),
    ...(resolving && values.root_cause.trim() ? { root_cause: values.root_cause } : {}),
    ...(resolving && values.resolution.trim() ? { resolution: values.resolution } : {}),
    ...(resolving && values.prevention.trim() ? { prevention: values.prevention } : {}),
    // As on the declare: a blank field names nobody (here: keeps the current commander).
    ...(values.commander.trim() ? { commander: values.commander } : {}),
  };
  const parsed = validate(updateCreateSchema, input);
  const errors: FieldErrors = parsed.ok ? {} : parsed.errors;
  if (error) errors.components = error;
  if (eta !== null && typeof eta === 'object') errors.eta = eta.error;
  // "Keep" of an estimate that passed since the form was opened: a fresh update would give the missed time.
  if (eta === undefined && fields.eta === 'keep' && !resolving && estimatePassed(incident.eta, fc.now))
    errors.eta = 'The estimate given before has passed: give a new one, or choose “Not known yet”.';
  // What happened goes out with the resolving update only: typed with another status, it was dropped unsaid.
  for (const name of ['root_cause', 'resolution', 'prevention'] as const) {
    if (status && !resolving && values[name].trim())
      errors[name] =
        'This is published with the resolving update: choose Resolved to publish it now, or clear it and give it when you resolve.';
  }
  if (!parsed.ok || Object.keys(errors).length) return { values, errors };
  const after = values.after ? { after: values.after } : {};
  return { values, errors, action: { kind: 'update', incidentId: incident.id, input: parsed.data, bodyTemplate: template, ...after } };
}
