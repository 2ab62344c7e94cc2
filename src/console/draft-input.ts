import type { Db, Incident } from '../domain/model.ts';
import type { ComponentStatus, Impact, IncidentStatus } from '../domain/status.ts';
import { IMPACTS } from '../domain/status.ts';
import { shouldNotify } from '../domain/policy.ts';
import { UPDATE_STATUSES } from '../domain/incidents/lifecycle.ts';
import { checked, componentChanges, formFields, validate, type FieldErrors } from './forms.ts';
import { incidentCreateSchema, updateCreateSchema } from '../input/schemas.ts';
import { updateTemplate, type TemplateName } from './templates.ts';
import type { DraftAction } from '../publish/preview.ts';

/** The declare form's values, as shown (first visit, after an error, back from preview). */
export interface DeclareValues {
  name: string;
  impact: Impact | '';
  body: string;
  /** The template text the body was prefilled with: unchanged means "fill it in for me". */
  bodyTemplate: string;
  components: Record<string, ComponentStatus>;
  /** The box as shown; left as shown, the runbook decides (see notifyChoice). */
  notify: boolean;
}

export interface UpdateValues {
  status: IncidentStatus | '';
  body: string;
  bodyTemplate: string;
  components: Record<string, ComponentStatus>;
  notify: boolean;
}

/**
 * The "Email subscribers" box: the form also sends how it was shown
 * (`notify_shown`). Left as shown, the runbook policy decides for the impact
 * and status actually chosen (undefined), so picking "resolved" on a form
 * rendered for "identified" still sends the restoration notice without
 * JavaScript; ticked or unticked by hand, that choice wins.
 */
export function notifyChoice(form: FormData): boolean | undefined {
  const now = checked(form, 'notify');
  const shown = form.get('notify_shown');
  if (shown === '1' || shown === '0') return now === (shown === '1') ? undefined : now;
  return now;
}

const names = (db: Db, ids: string[]) => ids.map((id) => db.components.find((c) => c.id === id)?.name ?? id);

/** A fresh declare form: the investigating template, notify as the runbook says for a major incident. */
export function blankDeclare(): DeclareValues {
  const body = updateTemplate('investigating', { components: [] });
  return { name: '', impact: '', body, bodyTemplate: body, components: {}, notify: true };
}

/** A fresh update form for an incident, for the chosen status's template. */
export function blankUpdate(db: Db, incident: Incident, status: IncidentStatus): UpdateValues {
  const body = templateFor(status, db, incident.components, incident.impact);
  return { status, body, bodyTemplate: body, components: {}, notify: notifyDefault(incident, status) };
}

/** Whether an update of this status emails by the runbook (policy.shouldNotify). */
export function notifyDefault(incident: Incident, status: IncidentStatus): boolean {
  const resolves = status === 'resolved' && incident.resolved_at === null;
  return shouldNotify({ impact: incident.impact, first: false, resolves, notify: undefined });
}

function templateFor(status: IncidentStatus, db: Db, componentIds: string[], impact: Impact | 'maintenance'): string {
  const name: TemplateName = status === 'postmortem' ? 'resolved' : status;
  return updateTemplate(name, { components: names(db, componentIds), impact });
}

/**
 * Reads the declare form into a draft action. A body left exactly as the
 * template it was prefilled with is filled in again with the chosen
 * components and impact, so the text names them without JavaScript.
 */
export function declareFromForm(form: FormData, db: Db): { values: DeclareValues; errors: FieldErrors; action?: DraftAction } {
  const fields = formFields(form);
  const { changes, error } = componentChanges(form);
  const impact = (IMPACTS as readonly string[]).includes(fields.impact ?? '') ? (fields.impact as Impact) : '';
  let body = fields.body ?? '';
  const bodyTemplate = fields.body_template ?? '';
  if (body.trim() === bodyTemplate.trim()) {
    body = updateTemplate('investigating', { components: names(db, Object.keys(changes)), impact: impact || undefined });
  }
  const notify = notifyChoice(form);
  const policy = impact ? shouldNotify({ impact, first: true, resolves: false, notify: undefined }) : checked(form, 'notify');
  const values: DeclareValues = {
    name: fields.name ?? '',
    impact,
    body,
    bodyTemplate: body,
    components: changes,
    notify: notify ?? policy,
  };
  // The console declares investigating incidents; the API also takes other statuses (backfill).
  const input = {
    name: fields.name ?? '',
    impact: fields.impact ?? '',
    body,
    components: changes,
    ...(notify !== undefined ? { notify } : {}),
  };
  const parsed = validate(incidentCreateSchema, input);
  const errors: FieldErrors = parsed.ok ? {} : parsed.errors;
  if (error) errors.components = error;
  if (!parsed.ok || error) return { values, errors };
  return { values, errors, action: { kind: 'declare', input: parsed.data } };
}

/** Reads the update form of an incident into a draft action (same template rule as declare). */
export function updateFromForm(
  form: FormData,
  db: Db,
  incident: Incident,
): { values: UpdateValues; errors: FieldErrors; action?: DraftAction } {
  const fields = formFields(form);
  const { changes, error } = componentChanges(form);
  const status = (UPDATE_STATUSES as readonly string[]).includes(fields.status ?? '') ? (fields.status as IncidentStatus) : '';
  let body = fields.body ?? '';
  const bodyTemplate = fields.body_template ?? '';
  if (status && body.trim() === bodyTemplate.trim()) {
    body = templateFor(status, db, [...new Set([...incident.components, ...Object.keys(changes)])], incident.impact);
  }
  const notify = notifyChoice(form);
  const values: UpdateValues = {
    status,
    body,
    bodyTemplate: body,
    components: changes,
    notify: notify ?? (status ? notifyDefault(incident, status) : checked(form, 'notify')),
  };
  const input = {
    status: fields.status ?? '',
    body,
    ...(Object.keys(changes).length ? { components: changes } : {}),
    ...(notify !== undefined ? { notify } : {}),
  };
  const parsed = validate(updateCreateSchema, input);
  const errors: FieldErrors = parsed.ok ? {} : parsed.errors;
  if (error) errors.components = error;
  if (!parsed.ok || error) return { values, errors };
  return { values, errors, action: { kind: 'update', incidentId: incident.id, input: parsed.data } };
}

/** The form values back from a saved draft ("back to edit"); `incident` for an update's policy default. */
export function valuesFromDraft(action: DraftAction, incident?: Incident): DeclareValues | UpdateValues {
  const { input } = action;
  const base = { body: input.body, bodyTemplate: '', components: input.components ?? {} };
  if (action.kind === 'declare') {
    const policy = shouldNotify({ impact: action.input.impact, first: true, resolves: false, notify: undefined });
    return { ...base, notify: input.notify ?? policy, name: action.input.name, impact: action.input.impact };
  }
  const policy = incident ? notifyDefault(incident, action.input.status) : false;
  return { ...base, notify: input.notify ?? policy, status: action.input.status };
}
