import type { Incident, IncidentUpdate, SeverityChange } from '../model.ts';
import type { SeverityLevel, Settings } from '../settings.ts';
import { IMPACTS } from '../status.ts';

/**
 * The grades an incident had over its life. It stores its grade now (a copy of
 * its level, and its impact); each re-grade records the grade before and after
 * it (id, label and impact only). From these: the grade it had at any update,
 * and the most severe it reached.
 */
type Grade = SeverityChange['from'];
export type Graded = Pick<Incident, 'severity' | 'impact'>;

/**
 * Whether an incident's stored level is this level of the scheme: the same id with the same impact.
 * After a switch of scheme an id may come back with another meaning (SEV-1 is critical in SEV-1–3 and
 * major in SEV-0–3): that is another level, as for levelOf. Here, not in severity.ts, which imports this
 * module: graded() below reads a recorded grade's level by it too.
 */
export const sameLevel = (stored: SeverityLevel | null, level: Pick<SeverityLevel, 'id' | 'impact'>): boolean =>
  stored !== null && stored.id === level.id && stored.impact === level.impact;

/**
 * Whether `a` is more severe than `b`: by impact first; between levels of one impact, by the scheme's order
 * (most severe first), where a level the scheme no longer has (or none) counts as the least severe.
 */
export function moreSevere(settings: Settings, a: Pick<Grade, 'id' | 'impact'>, b: Pick<Grade, 'id' | 'impact'>): boolean {
  const byImpact = IMPACTS.indexOf(a.impact) - IMPACTS.indexOf(b.impact);
  if (byImpact !== 0) return byImpact > 0;
  const position = (id: string | null) => {
    const i = settings.severities.findIndex((l) => l.id === id);
    return i < 0 ? Number.POSITIVE_INFINITY : i;
  };
  return position(a.id) < position(b.id);
}

/**
 * The grade a re-grade recorded, as an incident stores one. The level is the scheme's of that id and impact (as
 * levelOf reads today's: an edit of it applies), or the stored one if it is that level, or the whole level the
 * re-grade recorded (since it records one: a switch of scheme then keeps its cadence and its review owed), else
 * one made of the label alone: no cadence, no email, no review (a scheme changed since no longer says).
 */
function graded(settings: Settings, g: Grade, stored: SeverityLevel | null): Graded {
  if (g.id === null) return { severity: null, impact: g.impact };
  const recorded = { id: g.id, impact: g.impact };
  const level = settings.severities.find((l) => sameLevel(l, recorded)) ??
    (sameLevel(stored, recorded) ? stored : null) ??
    (g.level && sameLevel(g.level, recorded) ? g.level : null) ?? {
      label: g.label,
      impact: g.impact,
      id: g.id,
      description: `${g.label} impact`,
      update_every_minutes: null,
      email_subscribers: false,
      email_every_update: false,
      email_after_minutes: null,
      postmortem_due_hours: null,
      postmortem_overdue_hours: null,
    };
  return { severity: level, impact: g.impact };
}

/** The grade an incident had when an update was written: the `from` of the first re-grade after it, else today's. */
export function gradeAt(settings: Settings, incident: Incident, update: IncidentUpdate): Graded {
  const later = incident.updates.slice(incident.updates.findIndex((u) => u.id === update.id) + 1);
  const from = later.find((u) => u.severity_change)?.severity_change?.from;
  return from ? graded(settings, from, incident.severity) : { severity: incident.severity, impact: incident.impact };
}

/**
 * The most severe grade an incident reached (today's among them) of those `counts` takes, or null when it
 * takes none: what its post-incident review follows, so that an outage lowered before it was resolved still
 * owes the review its worst level asks for.
 */
export function peakGrade(settings: Settings, incident: Incident, counts: (g: Graded) => boolean = () => true): Graded | null {
  const reached: Graded[] = [{ severity: incident.severity, impact: incident.impact }];
  for (const u of incident.updates) if (u.severity_change) reached.push(graded(settings, u.severity_change.from, incident.severity));
  let peak: Graded | null = null;
  for (const g of reached.filter(counts)) {
    if (
      !peak ||
      moreSevere(settings, { id: g.severity?.id ?? null, impact: g.impact }, { id: peak.severity?.id ?? null, impact: peak.impact })
    )
      peak = g;
  }
  return peak;
}
