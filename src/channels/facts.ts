import type { Db, Incident, IncidentUpdate } from '../domain/model.ts';
import { peakGrade } from '../domain/incidents/grades.ts';
import { regradeSpan } from '../domain/incidents/severity.ts';
import { cadenceFrom, levelOf, nextUpdateDue, reviewDeadline, severityLabel } from '../domain/policy.ts';
import { INCIDENT_STATUS_LABEL, isResolvedStatus } from '../domain/status.ts';
import { durationMinutes, formatDuration } from '../domain/overall.ts';
import { formatDateTime } from '../domain/time-text.ts';
import { everyText, joinNames, passedMark } from '../domain/words.ts';
import { markdownToText } from '../render/markdown-text.ts';
import { incidentUrl } from '../read/statuspage-records.ts';
import { eventComponentNames } from '../domain/components/names.ts';
import type { MessageKind } from './plan.ts';

/**
 * What a war-room message says, field by field, after the runbooks' internal
 * Slack templates ("Incident declared", "Status update", "Incident
 * resolved"), or a maintenance update's message (maintenance-facts.ts).
 * Slack and Teams lay out the same facts their own way.
 */
export interface WarRoomFacts {
  /** followup: an update written after the resolution (a note on a resolved incident), as the email's follow-up. */
  kind: Exclude<MessageKind, 'component'> | 'followup';
  /** "🚨 Incident declared · SEV-1" */
  title: string;
  name: string;
  url: string;
  status: string;
  /** The update's text, plain. */
  text: string;
  fields: Array<{ label: string; value: string }>;
}

/** What the planner calls an incident's message (plan.ts kindOf). */
export type IncidentMessageKind = Extract<MessageKind, 'declared' | 'update' | 'resolved'>;

const EMOJI = { declared: '🚨', update: '📊', resolved: '✅', followup: '📌' } as const;
const HEADING = {
  declared: 'Incident declared',
  update: 'Incident update',
  resolved: 'Incident resolved',
  // The email's words for it (notify/render.ts).
  followup: 'Follow-up on a resolved issue',
} as const;

export function warRoomFacts(
  db: Db,
  incident: Incident,
  update: IncidentUpdate,
  planned: IncidentMessageKind,
  site: { SITE_URL: string; SITE_TIMEZONE: string },
  now: Date,
): WarRoomFacts {
  const tz = site.SITE_TIMEZONE;
  // The planner's 'update' after the resolution (the first resolving update is 'resolved'), told as the email does:
  // nothing is being worked on, so no ETA and no next update, but when it was resolved and how long it lasted.
  const kind = planned === 'update' && isResolvedStatus(update.status) ? 'followup' : planned;
  const level = levelOf(db.settings, incident);
  const label = severityLabel(incident);
  const names = eventComponentNames(db, incident);
  const affected = names.length ? joinNames(names) : 'None named';
  const impact = level?.description ?? `${label} impact`;
  const eta = incident.eta ? formatDateTime(incident.eta, tz) + passedMark(incident.eta, update.display_at) : 'Not known yet';
  const fields: WarRoomFacts['fields'] = [];
  const add = (label: string, value: string | null | undefined) => {
    if (value) fields.push({ label, value });
  };
  // A re-grade is an escalation (or a stand-down) responders act on: said in words, not left to the title's label.
  const change = update.severity_change;
  const regrade = change ? `${change.direction === 'raised' ? 'Raised' : 'Lowered'} ${regradeSpan(change)}` : null;
  // From the time the update reads (as the console counts it): one dated back past it leaves the next overdue.
  const due = nextUpdateDue(level, cadenceFrom(incident, update), incident.resolved_at !== null);
  const nextUpdate = due
    ? `${due.getTime() <= Date.parse(update.created_at) ? 'Now: it was due ' : ''}${formatDateTime(due.toISOString(), tz)}`
    : 'As needed';
  if (kind === 'declared') {
    add('Severity', regrade);
    add('Start time', formatDateTime(incident.started_at, tz));
    add('Affected systems', affected);
    add('Customer impact', impact);
    add('Incident commander', incident.commander ?? 'Not named yet');
    add('War room', incident.war_room);
    add('Status updates', level?.update_every_minutes ? everyText(level.update_every_minutes).replace(/^e/, 'E') : 'As needed');
    // Runbook 001's declaration gives the time of the next update, as every update's message does.
    if (level?.update_every_minutes) add('Next update', nextUpdate);
    add('ETA', eta);
  } else if (kind === 'update') {
    add('Status', INCIDENT_STATUS_LABEL[update.status]);
    add('Severity', regrade);
    // Named after the declaration (runbooks: within 15 min for SEV-1): responders learn who leads.
    add('Incident commander', update.commander);
    // An update that named a component or took one off (or changed one's status): the systems it affects now,
    // which the page's "Affects" already says; else left to the declaration, as the runbooks' template does.
    if (update.affected_components.length > 0) add('Affected systems', affected);
    add('Next update', nextUpdate);
    add('Impact', impact);
    add('ETA', eta);
    add('War room', incident.war_room);
  } else if (kind === 'followup') {
    add('Status', INCIDENT_STATUS_LABEL[update.status]);
    add('Resolution time', incident.resolved_at ? formatDateTime(incident.resolved_at, tz) : null);
    add('Duration', formatDuration(durationMinutes(incident, now)));
    add('Incident commander', update.commander);
    add('Customer impact', impact);
    // A resolution may leave them to a later note (README): the war room was told they were still to come.
    add('Root cause', incident.root_cause);
    add('Resolution', incident.resolution);
  } else {
    // The runbooks give the review a deadline (24–48 h): the time the console's list says it is due by.
    const reviewBy = reviewDeadline(db.settings, incident)?.dueAt ?? null;
    add('Resolution time', incident.resolved_at ? formatDateTime(incident.resolved_at, tz) : null);
    add('Severity', regrade);
    add('Duration', formatDuration(durationMinutes(incident, now)));
    // No review owed, none will find it: said beside "Post-incident review: Not required", that pointed nowhere.
    add('Root cause', incident.root_cause ?? (reviewBy ? 'To be found in the post-incident review' : null));
    add('Resolution', incident.resolution);
    add('Customer impact', impact);
    add('Post-incident review', reviewBy ? `Due by ${formatDateTime(reviewBy, tz)}` : 'Not required');
  }
  return {
    kind,
    title: `${EMOJI[kind]} ${HEADING[kind]} · ${label}`,
    name: incident.name,
    url: incidentUrl(site.SITE_URL.replace(/\/+$/, ''), incident.id),
    status: INCIDENT_STATUS_LABEL[update.status],
    text: markdownToText(update.body, { siteUrl: site.SITE_URL }),
    fields,
  };
}

/**
 * The war room's message when an incident's postmortem is published (the Comms Lead distributing the
 * post-incident summary): its review's level (the most severe it reached that expects a review, as the
 * *Resolved* message's deadline follows, else the most severe it reached), the name, when it was resolved, how
 * long it lasted, when the review was published, and the incident's page, where the review is.
 */
export function postmortemFacts(db: Db, incident: Incident, site: { SITE_URL: string; SITE_TIMEZONE: string }, now: Date): WarRoomFacts {
  const tz = site.SITE_TIMEZONE;
  const review = (g: Pick<Incident, 'severity'>) => Boolean(levelOf(db.settings, g)?.postmortem_due_hours);
  const peak = peakGrade(db.settings, incident, review) ?? peakGrade(db.settings, incident) ?? incident;
  const names = eventComponentNames(db, incident);
  const fields: WarRoomFacts['fields'] = [];
  if (incident.resolved_at) fields.push({ label: 'Resolution time', value: formatDateTime(incident.resolved_at, tz) });
  fields.push({ label: 'Duration', value: formatDuration(durationMinutes(incident, now)) });
  fields.push({ label: 'Affected systems', value: names.length ? joinNames(names) : 'None named' });
  if (incident.postmortem?.published_at) fields.push({ label: 'Published', value: formatDateTime(incident.postmortem.published_at, tz) });
  return {
    kind: 'postmortem',
    title: `📝 Post-incident review published · ${severityLabel(peak)}`,
    name: incident.name,
    url: `${incidentUrl(site.SITE_URL.replace(/\/+$/, ''), incident.id)}#postmortem`,
    status: INCIDENT_STATUS_LABEL[incident.status],
    text: '',
    fields,
  };
}
