import type { Db, Incident } from './model.ts';
import type { Impact } from './status.ts';
import type { SeverityLevel, Settings } from './settings.ts';
import { Invalid } from './errors.ts';
import { IMPACTS, isResolvedStatus } from './status.ts';
import { peakGrade } from './incidents/grades.ts';

/**
 * The runbook policy, in one place: which severity level an incident has,
 * who is emailed when, how often the Comms Lead owes an update, and when a
 * post-incident review is due. The levels are settings (src/domain/settings.ts).
 */

/** The level of the current scheme with this id (a declare's or a re-grade's `severity`); refused when there is none. */
export function levelNamed(settings: Settings, id: string): SeverityLevel {
  const level = settings.severities.find((l) => l.id === id);
  if (!level) throw new Invalid(`No severity level "${id}" (levels: ${settings.severities.map((l) => l.id).join(', ')}).`, 'severity');
  return level;
}

/** The level a declare names: by id, or else the first (most severe) level with the impact given. */
export function levelForDeclare(settings: Settings, input: { severity?: string; impact?: Impact }): SeverityLevel | null {
  if (input.severity !== undefined) {
    const level = levelNamed(settings, input.severity);
    if (input.impact !== undefined && input.impact !== level.impact) {
      throw new Invalid(`Severity ${level.label} has impact ${level.impact}, not ${input.impact}; give one or the other.`, 'impact');
    }
    return level;
  }
  if (input.impact === undefined) throw new Invalid('Give the severity (a level id) or the impact.', 'severity');
  return settings.severities.find((l) => l.impact === input.impact) ?? null;
}

/**
 * The level an incident follows now: its level (as declared, or as an update
 * last re-graded it) as configured today (so a new cadence applies to incidents
 * already open), or the level as it was stored when the scheme no longer has
 * it. A level of the same id but another impact is another scheme's (P1 is
 * critical in P1–P4 and major in P0–P3; SEV-1 is critical in SEV-1–3 and major
 * in SEV-0–3), not this one edited: the incident keeps the level it stored.
 * Null when its impact had no level. Cadence, email, late notices and the
 * review owed all read it, so after a re-grade they follow the new level.
 */
export function levelOf(settings: Settings, incident: Pick<Incident, 'severity'>): SeverityLevel | null {
  const declared = incident.severity;
  if (!declared) return null;
  const now = settings.severities.find((l) => l.id === declared.id);
  return now && now.impact === declared.impact ? now : declared;
}

/** The severity as customers and the console read it: the label it was declared with, or the impact's name. */
export function severityLabel(incident: Pick<Incident, 'severity' | 'impact'>): string {
  if (incident.severity) return incident.severity.label;
  return incident.impact === 'none' ? 'No impact' : incident.impact.charAt(0).toUpperCase() + incident.impact.slice(1);
}

export interface NotifyQuestion {
  /** The incident's first update (the disruption notice). */
  first: boolean;
  /** The update that resolves it (the restoration notice). */
  resolves: boolean;
  /** Whether subscribers already heard of this incident (its disruption notice went out). */
  announced: boolean;
  /** What the Comms Lead said; undefined when they said nothing. */
  notify: boolean | undefined;
  /** When this update re-grades the incident (`level` is the new one): the level it had before (null: none), and its impact. */
  regradedFrom?: { level: SeverityLevel | null; impact: Impact };
  /**
   * The update tells of the past (dated over a minute before now): a raise of the impact, or the end of an
   * every-update promise, told of it is no news to those who heard the incident start. It does not silence what
   * the incident's other subscribers have heard nothing of while it is open: a re-grade that makes it their
   * disruption notice, or the trouble it brings to their component.
   */
  past?: boolean;
  /** The update brings trouble to components the incident did not touch (widens): their followers have not heard of it. */
  widens?: boolean;
  /** The impact subscribers last read of it (impactTold), when they heard of it: a raise is one above that. */
  told?: Impact | null;
}

/** Whether a level emails subscribers as an incident starts (not only once it lasts, see lateNoticeAt, nor never). */
const emailsAtStart = (level: SeverityLevel | null): boolean => level?.email_subscribers === true && level.email_after_minutes === null;

/**
 * Whether an update emails subscribers. An explicit `notify` always wins.
 * Otherwise: the start, for a level that emails (unless the level waits to
 * see whether it lasts: then the timer sends it, see lateNoticeAt), or the
 * update that re-grades an incident nobody was told of to such a level; once
 * subscribers were told it started, the resolution, an update that raises its
 * impact or reaches more components, one that re-grades it to a level that no
 * longer emails every update (ending what the emails promised) and, where the
 * level says so, each update in between.
 */
export function shouldNotify(level: SeverityLevel | null, q: NotifyQuestion): boolean {
  if (q.notify !== undefined) return q.notify;
  if (q.first) return emailsAtStart(level);
  if (!q.announced) {
    // Re-graded to a level that emails at the start from one that did not (a SEV-3 become an outage): subscribers
    // hear now what they would have heard had it been declared so, and this update is their disruption notice.
    // Not with the resolution: a first email that says "restored" tells of an outage nobody heard of. Dated a few
    // minutes back or not, the incident is open and now at that level: skipped, nothing later would ever be the
    // first email of this SEV-1 (its restoration neither), while the channels were told at once.
    return q.regradedFrom !== undefined && !q.resolves && emailsAtStart(level) && !emailsAtStart(q.regradedFrom.level);
  }
  // Whoever heard it started hears it ended, and hears it got worse (a raise of the impact they read: "Impact
  // raised to Critical", a faster cadence), even where the level emails nothing by itself.
  // Above what they last read, too: a SEV-1 lowered to SEV-3 unannounced and raised to SEV-2 is no raise to those
  // told "Critical" (it was emailed as "Impact raised to Major").
  const now = IMPACTS.indexOf(level?.impact ?? 'none');
  const worse =
    q.regradedFrom !== undefined &&
    !q.past &&
    now > IMPACTS.indexOf(q.regradedFrom.impact) &&
    (q.told === undefined || q.told === null || now > IMPACTS.indexOf(q.told));
  // Their emails promised one for every update ("We will email you an update at least every hour"): a re-grade to
  // a level that does not ends that promise, and is emailed, stating the new rhythm, or the emails just stop.
  const promiseEnds =
    q.regradedFrom !== undefined && !q.past && q.regradedFrom.level?.email_every_update === true && level?.email_every_update !== true;
  // And whoever follows a component it now reaches hears of it then, not first from the restoration (however the
  // update is dated: they heard nothing of it).
  return q.resolves || level?.email_every_update === true || worse || promiseEnds || q.widens === true;
}

/**
 * The components an incident's updates have had in trouble. Not its `components`: a component first named
 * as operational is among them, and its followers heard nothing. A component taken off it (named in error)
 * counts only for what updates said of it after its last removal: named again later, it widens the incident.
 */
export function troubledComponents(incident: Pick<Incident, 'updates'>): Set<string> {
  const troubled = new Set<string>();
  for (const u of incident.updates) {
    for (const c of u.affected_components) {
      if (c.removed) troubled.delete(c.code);
      else if (c.new_status !== 'operational') troubled.add(c.code);
    }
  }
  return troubled;
}

/** Whether changes put into trouble a component none of the incident's updates had in trouble. */
export function widens(incident: Pick<Incident, 'updates'>, changes: Readonly<Record<string, string | null>>): boolean {
  const troubled = troubledComponents(incident);
  // null takes a component off the incident: no trouble.
  return Object.entries(changes).some(([id, status]) => status !== null && status !== 'operational' && !troubled.has(id));
}

/** Whether subscribers were told of an incident: any of its updates emailed, or its late notice due. */
export const announced = (incident: Pick<Incident, 'updates' | 'late_notice_at'>): boolean =>
  incident.late_notice_at !== null || incident.updates.some((u) => u.notify);

/**
 * The impact subscribers last read of an incident: as of its latest emailed update, or of its late notice (the
 * latest update then); null when nothing was emailed. Its impact at each update is found walking back from its
 * impact now through the re-grades' `from`.
 */
export function impactTold(incident: Pick<Incident, 'updates' | 'late_notice_at' | 'impact'>): Impact | null {
  let impact: Impact = incident.impact;
  const late = incident.late_notice_at === null ? null : Date.parse(incident.late_notice_at);
  for (let i = incident.updates.length - 1; i >= 0; i--) {
    const u = incident.updates[i]!;
    if (u.notify || (late !== null && Date.parse(u.created_at) <= late)) return impact;
    if (u.severity_change) impact = u.severity_change.from.impact;
  }
  return null;
}

/**
 * When a level that emails only after a while owes the disruption notice: the
 * start plus its `email_after_minutes`, while the incident is open and
 * subscribers have not heard of it. Null when nothing is owed.
 */
export function lateNoticeAt(settings: Settings, incident: Incident): number | null {
  const after = heldBackFor(settings, incident);
  if (after === null || announced(incident)) return null;
  return Date.parse(incident.started_at) + after * 60_000;
}

/**
 * How long after its start the level holds an open incident's disruption notice back, in minutes, whether or
 * not subscribers were told since; null when it holds none back (it emails at once or never, or the Comms
 * Lead said "do not email" when declaring it: that choice stands).
 */
export function heldBackFor(settings: Settings, incident: Incident): number | null {
  const level = levelOf(settings, incident);
  if (!level?.email_subscribers || level.email_after_minutes === null) return null;
  if (isResolvedStatus(incident.status) || incident.email_declined) return null;
  return level.email_after_minutes;
}

/**
 * Where an incident's cadence counts from after this update: the time it reads (display_at), as customers see it
 * on the page, so one dated back does not put the next off; but the declaration from its posting, however far
 * back its start is dated: a late declaration is where the Comms Lead's cadence begins (runbooks), and its
 * first update is dated at the start for the history alone.
 */
export const cadenceFrom = (
  incident: { updates: ReadonlyArray<{ id: string }> },
  update: { id: string; created_at: string; display_at: string },
): string => (incident.updates[0]?.id === update.id ? update.created_at : update.display_at);

/** When the next update is due by the level's cadence, or null (no cadence, or resolved). */
export function nextUpdateDue(level: SeverityLevel | null, lastUpdateAt: string, resolved: boolean): Date | null {
  if (resolved || !level?.update_every_minutes) return null;
  return new Date(Date.parse(lastUpdateAt) + level.update_every_minutes * 60_000);
}

/** Where an incident's post-incident review stands: due, overdue, or nothing owed. */
export interface PostmortemDue {
  /** Owed from the resolution, due at `dueAt` (the runbook's "within N hours"), overdue at `overdueAt`. */
  state: 'owed' | 'due' | 'overdue';
  dueAt: string;
  overdueAt: string | null;
}

/**
 * When a resolved incident's post-incident review is due and overdue (runbooks: within 24–48 h of a SEV-1/2):
 * `postmortem_due_hours` and `postmortem_overdue_hours` after the resolution, of the most severe level it
 * reached that expects one (an outage lowered before it was resolved still owes the review of its worst
 * level). Null when none of them expects one, or the incident is open.
 */
export function reviewDeadline(settings: Settings, incident: Incident): { dueAt: string; overdueAt: string | null } | null {
  const owes = (g: Pick<Incident, 'severity'>) => Boolean(levelOf(settings, g)?.postmortem_due_hours);
  // Of the levels that expect a review: one the scheme no longer has (a re-grade kept only its label) does not say.
  const peak = peakGrade(settings, incident, owes);
  const level = peak && levelOf(settings, peak);
  if (!level?.postmortem_due_hours || !incident.resolved_at) return null;
  const after = (hours: number) => new Date(Date.parse(incident.resolved_at!) + hours * 3_600_000).toISOString();
  return {
    dueAt: after(level.postmortem_due_hours),
    overdueAt: level.postmortem_overdue_hours ? after(level.postmortem_overdue_hours) : null,
  };
}

/**
 * The review a resolved incident owes (reviewDeadline) from its resolution until a postmortem is published:
 * owed until its due time, so the Comms Lead sees it while the runbook's window runs, then due, then overdue.
 */
export function postmortemDue(settings: Settings, incident: Incident, now: Date): PostmortemDue | null {
  const deadline = incident.postmortem?.published_at ? null : reviewDeadline(settings, incident);
  if (!deadline) return null;
  const at = now.toISOString();
  const state = deadline.overdueAt !== null && at >= deadline.overdueAt ? 'overdue' : at >= deadline.dueAt ? 'due' : 'owed';
  return { state, ...deadline };
}

/** The settings a store holds (a helper for code that only has the data). */
export const settingsOf = (db: Pick<Db, 'settings'>): Settings => db.settings;
