import type { Db, Incident } from '../domain/model.ts';
import type { IncidentStatus } from '../domain/status.ts';
import type { SeverityLevel } from '../domain/settings.ts';
import { announced, levelOf, shouldNotify, widens } from '../domain/policy.ts';
import { sameLevel } from '../domain/incidents/grades.ts';
import { stillUnderWay } from '../domain/still-under-way.ts';
import { customerNames } from '../domain/components/names.ts';
import { clientTemplate, updateTemplate, type TemplateName } from './templates.ts';

/**
 * What the console's forms start from, for each choice a Comms Lead can make: the runbook's default
 * for "Email subscribers" and the update template, filled in on the server (draft-input.ts) and, with
 * component names and the estimate left as tokens, for the optional script (public/admin/console.js).
 */

/** What the console's forms read besides the form: the data, the page's time zone and the clock. */
export interface FormContext {
  db: Db;
  timeZone: string;
  now: Date;
}

// As the page and the email name them (two named alike in different groups, each with its group).
const names = (db: Db, ids: string[]) =>
  customerNames(
    db,
    ids.map((id) => db.components.find((c) => c.id === id) ?? { id, name: id, group: null }),
  );
export const levelById = (db: Db, id: string): SeverityLevel | null => db.settings.severities.find((l) => l.id === id) ?? null;

/** Whether declaring at this level emails by the runbook. */
export const declareNotifyDefault = (level: SeverityLevel | null): boolean =>
  shouldNotify(level, { first: true, resolves: false, announced: false, notify: undefined });

/** The level an update form re-grades the incident to: null when it leaves the severity as it is. */
export const regradeLevel = (db: Db, incident: Incident, severity: string): SeverityLevel | null => {
  const level = severity ? levelById(db, severity) : null;
  return level && !sameLevel(incident.severity, level) ? level : null;
};

/** Whether an update of this status (and re-grade and component changes, if any) emails by the runbook (policy.shouldNotify). */
export function notifyDefault(
  db: Db,
  incident: Incident,
  status: IncidentStatus,
  severity = '',
  changes: Readonly<Record<string, string | null>> = {},
): boolean {
  const resolves = status === 'resolved' && incident.resolved_at === null;
  const level = levelOf(db.settings, incident);
  const to = regradeLevel(db, incident, severity);
  const q = { first: false, resolves, announced: announced(incident), notify: undefined, widens: widens(incident, changes) };
  return shouldNotify(to ?? level, to ? { ...q, regradedFrom: { level, impact: incident.impact } } : q);
}

/** The declare form's template, filled for a level and components. */
export function declareTemplate(fc: FormContext, level: SeverityLevel | null, componentIds: string[], eta: string | null = null): string {
  return updateTemplate('investigating', { ...fc, components: names(fc.db, componentIds), level, startedAt: null, eta });
}

/** An update's template for a status, filled from the incident (and the level it is re-graded to: its cadence). */
export function incidentTemplate(
  fc: FormContext,
  incident: Incident,
  status: IncidentStatus,
  componentIds: string[],
  eta: string | null,
  regradedTo: SeverityLevel | null = null,
) {
  // A note on a resolved incident says something new: prefilled with the resolution's template again ("The
  // issue has been resolved… Total duration…"), it read as a second restoration. The Comms Lead writes it.
  if (incident.resolved_at !== null) return '';
  const name: TemplateName = status === 'postmortem' ? 'resolved' : status;
  const level = regradedTo ?? levelOf(fc.db.settings, incident);
  const { started_at: startedAt, resolved_at: resolvedAt } = incident;
  return updateTemplate(name, {
    ...fc,
    components: names(fc.db, componentIds),
    level,
    startedAt,
    resolvedAt,
    eta,
    othersOpen: othersOpen(fc.db, incident, fc.now),
  });
}

/** For the console's script: each choice's template with the component names as tokens. */
export function declareClientTemplates(fc: FormContext): Record<string, string> {
  const levels: Array<[string, SeverityLevel | null]> = [
    ['', null],
    ...fc.db.settings.severities.map((l) => [l.id, l] as [string, SeverityLevel]),
  ];
  return Object.fromEntries(
    levels.map(([id, level]) => [id, clientTemplate('investigating', { ...fc, level, startedAt: null, eta: null })]),
  );
}

/** Whether another incident is open or a window runs now (the resolved text then does not say every service works). */
const othersOpen = (db: Db, incident: Incident, now: Date): boolean => stillUnderWay(db, incident, now.toISOString()) !== null;

/**
 * The update form's templates for its script, keyed "status|level" as its email defaults are: a level
 * id the form re-grades to ('' for none), whose cadence the text promises ("next update within …").
 */
export function updateClientTemplates(
  fc: FormContext,
  incident: Incident,
  statuses: IncidentStatus[],
  regrades: string[] = [''],
): Record<string, string> {
  const current = levelOf(fc.db.settings, incident);
  return Object.fromEntries(
    statuses.flatMap((s) =>
      regrades.map((id) => [
        `${s}|${id}`,
        // As incidentTemplate: no template for a note on a resolved incident.
        incident.resolved_at !== null
          ? ''
          : clientTemplate(s === 'postmortem' ? 'resolved' : s, {
              ...fc,
              level: regradeLevel(fc.db, incident, id) ?? current,
              startedAt: incident.started_at,
              resolvedAt: incident.resolved_at,
              eta: incident.eta,
              othersOpen: othersOpen(fc.db, incident, fc.now),
            }),
      ]),
    ),
  );
}
