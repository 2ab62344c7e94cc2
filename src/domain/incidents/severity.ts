import type { Incident, SeverityChange } from '../model.ts';
import type { SeverityLevel, Settings } from '../settings.ts';
import { IMPACT_LABEL, type Impact } from '../status.ts';
import { moreSevere, sameLevel } from './grades.ts';
import { levelNamed, severityLabel } from '../policy.ts';

/**
 * An incident's grade: the severity level it stores and the impact that goes
 * with it. The declare grades an incident, and an update may re-grade it (the
 * runbooks escalate "if the incident severity increases": a SEV-3 that turns
 * into an outage becomes a SEV-1); both write it through `grade`.
 */

/**
 * The fields an incident stores for its level: a copy of the level (a later
 * scheme change never rewrites it) and its impact; with no level (an impact
 * no level maps to), the impact alone.
 */
export function grade(level: SeverityLevel | null, impact: Impact): Pick<Incident, 'severity' | 'impact'> {
  return { severity: level ? structuredClone(level) : null, impact: level?.impact ?? impact };
}

/**
 * The re-grade an update asks for with a level id of the current scheme: the
 * level and the change to record, or null when the incident has that level
 * already (nothing changes). An unknown id is refused (field severity).
 */
export function regradeOf(
  settings: Settings,
  incident: Incident,
  levelId: string,
): { level: SeverityLevel; change: SeverityChange } | null {
  const level = levelNamed(settings, levelId);
  if (sameLevel(incident.severity, level)) return null;
  const from = {
    id: incident.severity?.id ?? null,
    label: severityLabel(incident),
    impact: incident.impact,
    ...(incident.severity ? { level: { ...incident.severity } } : {}),
  };
  const to = { id: level.id, label: level.label, impact: level.impact, level: { ...level } };
  return { level, change: { from, to, direction: moreSevere(settings, to, from) ? 'raised' : 'lowered' } };
}

/** Applies a re-grade to the incident (its level and impact). */
export function applyRegrade(incident: Incident, level: SeverityLevel): void {
  Object.assign(incident, grade(level, level.impact));
}

/** A level as a re-grade names it to others (the admin API, the audit): id, label and impact, not the whole level it keeps. */
export const gradeNamed = ({ id, label, impact }: SeverityChange['from']) => ({ id, label, impact });

/**
 * "from SEV-3 to SEV-1"; with each one's impact when the labels are alike, as levels of two schemes may be
 * (SEV-2 is major in SEV-1–3 and minor in SEV-0–3): "from SEV-2 (Major) to SEV-2 (Minor)".
 */
export const regradeSpan = (c: SeverityChange): string =>
  c.from.label === c.to.label
    ? `from ${c.from.label} (${IMPACT_LABEL[c.from.impact]}) to ${c.to.label} (${IMPACT_LABEL[c.to.impact]})`
    : `from ${c.from.label} to ${c.to.label}`;

/** For the Comms Lead (the console's timeline, the audit): "Severity raised from SEV-3 to SEV-1". */
export const severityChangeText = (c: SeverityChange): string => `Severity ${c.direction} ${regradeSpan(c)}`;

/** The console timeline's line: the change, then the impact it left (already said when the labels are alike). */
export const severityChangeLine = (c: SeverityChange): string =>
  c.from.label === c.to.label ? severityChangeText(c) : `${severityChangeText(c)} (${IMPACT_LABEL[c.to.impact]})`;

/**
 * For customers (the status page), who read impacts, never internal labels
 * such as SEV-1: "Impact raised to Critical"; null when the impact stayed
 * (a re-grade between two levels of one impact changes nothing they see).
 */
export const impactChangeText = (c: SeverityChange): string | null =>
  c.from.impact === c.to.impact ? null : `Impact ${c.direction} to ${IMPACT_LABEL[c.to.impact]}`;
