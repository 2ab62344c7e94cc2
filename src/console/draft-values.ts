import { estimatePassed } from '../domain/words.ts';
import type { Db, Incident } from '../domain/model.ts';
import type { ComponentChangesInput } from '../domain/incidents/take-off.ts';
import type { IncidentStatus } from '../domain/status.ts';
import type { DraftAction } from '../publish/preview.ts';
import { newFormKey } from './form-once.ts';
import { declareNotifyDefault, declareTemplate, incidentTemplate, levelById, notifyDefault, type FormContext } from './form-defaults.ts';

/** The declare form's values, as shown (first visit, after an error, back from preview). */
export interface DeclareValues {
  name: string;
  /** A level id of the settings' scheme, or '' before one is chosen. */
  severity: string;
  /** The estimate as the form sends it (see etaFromForm). */
  eta: string;
  /** For the war-room channels: who leads, and where responders meet (empty: the default name). */
  commander: string;
  war_room: string;
  body: string;
  /** The template text the body was prefilled with: unchanged means "fill it in for me". */
  bodyTemplate: string;
  components: ComponentChangesInput;
  /** The box as shown; left as shown, the runbook decides (see notifyChoice). */
  notify: boolean;
  /** The box was ticked or unticked by hand: the form, drawn again, keeps that choice (see notifyChoice). */
  notifyByHand: boolean;
  /** The form's one-time key (form-once.ts), carried into its draft: the same form previewed again publishes once. */
  once: string;
}

export interface UpdateValues {
  status: IncidentStatus | '';
  /** A level id to re-grade the incident to, or '' to leave its severity as it is. */
  severity: string;
  eta: string;
  root_cause: string;
  resolution: string;
  prevention: string;
  /** Names (or changes) the incident commander; empty keeps the current one. */
  commander: string;
  body: string;
  bodyTemplate: string;
  /** A status per component, or null for one taken off the incident. */
  components: ComponentChangesInput;
  notify: boolean;
  notifyByHand: boolean;
  once: string;
  /** The incident's newest update when the form was opened (publish/preview.ts staleUpdate); '' for none known. */
  after: string;
}

/** A fresh declare form: the investigating template; notify as the runbook says for the most severe level. */
export function blankDeclare(fc: FormContext): DeclareValues {
  const body = declareTemplate(fc, null, []);
  const notify = declareNotifyDefault(fc.db.settings.severities[0] ?? null);
  return {
    name: '',
    severity: '',
    eta: '',
    commander: '',
    war_room: '',
    body,
    bodyTemplate: body,
    components: {},
    notify,
    notifyByHand: false,
    once: newFormKey(),
  };
}

/** A fresh update form of an incident, for the chosen status's template. */
export function blankUpdate(fc: FormContext, incident: Incident, status: IncidentStatus): UpdateValues {
  // An estimate that has passed is not offered again as the default: kept, a fresh update would tell
  // customers the time it has missed. "Not known yet" unless the Comms Lead gives a new one (or keeps it).
  const eta = estimatePassed(incident.eta, fc.now) ? null : incident.eta;
  const body = incidentTemplate(fc, incident, status, incident.components, eta);
  return {
    status,
    severity: '',
    eta: eta ? 'keep' : '',
    root_cause: '',
    resolution: '',
    prevention: '',
    commander: '',
    body,
    bodyTemplate: body,
    components: {},
    notify: notifyDefault(fc.db, incident, status),
    notifyByHand: false,
    once: newFormKey(),
    after: incident.updates.at(-1)?.id ?? '',
  };
}

/** Where "Back to edit" takes a draft: its form, filled from it. */
export const draftEditHref = (draft: { id: string; action: DraftAction }): string =>
  draft.action.kind === 'declare'
    ? `/admin/incidents/new?draft=${encodeURIComponent(draft.id)}`
    : `/admin/incidents/${encodeURIComponent(draft.action.incidentId)}?draft=${encodeURIComponent(draft.id)}#post-update`;

/** The page of the form a draft was made from, without the draft (another session's cannot open it). */
export const draftFormPath = (action: DraftAction): string =>
  action.kind === 'declare' ? '/admin/incidents/new' : `/admin/incidents/${encodeURIComponent(action.incidentId)}`;

/** The form values back from a saved draft ("back to edit"). */
export function valuesFromDraft(action: DraftAction, db: Db, incident?: Incident): DeclareValues | UpdateValues {
  const { input } = action;
  const base = {
    body: input.body,
    // The template the body was filled from: a body still equal to it follows the choices changed now.
    bodyTemplate: action.bodyTemplate ?? '',
    components: input.components ?? {},
    eta: input.eta ?? (action.kind === 'update' && input.eta === undefined ? 'keep' : ''),
    // The draft's form key: previewed again and published, it still finds what this form published.
    once: action.once?.formKey ?? newFormKey(),
  };
  if (action.kind === 'declare') {
    const level = action.input.severity
      ? levelById(db, action.input.severity)
      : (db.settings.severities.find((l) => l.impact === action.input.impact) ?? null);
    return {
      ...base,
      notify: input.notify ?? declareNotifyDefault(level),
      notifyByHand: input.notify !== undefined,
      name: action.input.name,
      severity: level?.id ?? '',
      commander: action.input.commander ?? '',
      war_room: action.input.war_room ?? '',
    };
  }
  const severity = action.input.severity ?? '';
  const policy = incident ? notifyDefault(db, incident, action.input.status, severity, input.components) : false;
  return {
    ...base,
    notify: input.notify ?? policy,
    notifyByHand: input.notify !== undefined,
    status: action.input.status,
    severity,
    root_cause: action.input.root_cause ?? '',
    resolution: action.input.resolution ?? '',
    prevention: action.input.prevention ?? '',
    commander: action.input.commander ?? '',
    after: action.after ?? '',
  };
}
