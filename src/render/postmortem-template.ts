import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import type { Db, Incident } from '../domain/model.ts';
import { severityLabel } from '../domain/policy.ts';
import { peakGrade } from '../domain/incidents/grades.ts';
import { impactChangeText } from '../domain/incidents/severity.ts';
import { CUSTOMER_STATUS_LABEL } from '../domain/status.ts';
import { durationMinutes, formatDuration } from '../domain/overall.ts';
import { formatDateTime, zoneLabel } from '../domain/time-text.ts';
import { joinNames } from '../domain/words.ts';
import { leadText } from './markdown-text.ts';
import { firstSentence } from './first-sentence.ts';
import { markdownBlockLiteral, markdownLiteral } from './markdown-literal.ts';
import { templatePath } from '../paths.ts';
import { eventComponentNames } from '../domain/components/names.ts';

const TEMPLATE_FILE = templatePath('postmortem.md');

let compiled: Handlebars.TemplateDelegate | null = null;

/**
 * The default postmortem of an incident: templates/postmortem.md (every
 * section of the runbooks' post-incident report) filled with what the record
 * already knows (times, timeline, what the resolving update said). What only
 * people know, and for an open incident what only its resolution will tell
 * (its end, its duration, the timeline's resolution), is left as `[fill in: …]` blanks, which publishing refuses
 * (domain/incidents/postmortem.ts). The result is Markdown for the Comms Lead
 * to edit; like every body it is sanitized when rendered, so no HTML
 * escaping happens here.
 */
export function postmortemDraft(incident: Incident, db: Db, timeZone: string, now: Date): string {
  compiled ??= Handlebars.compile(readFileSync(TEMPLATE_FILE, 'utf8'), { noEscape: true });
  const at = (iso: string) => formatDateTime(iso, timeZone);
  // The record's text (title, names, the updates as plain text) goes into Markdown shown as it is.
  const names = eventComponentNames(db, incident).map(markdownLiteral);
  const updates = [...incident.updates].sort((a, b) => a.display_at.localeCompare(b.display_at));
  const peak = peakGrade(db.settings, incident) ?? incident;
  return compiled({
    id: incident.id,
    name: markdownLiteral(incident.name),
    date: new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'long', year: 'numeric' }).format(
      new Date(incident.started_at),
    ),
    affectedSentence: names.length ? `${joinNames(names)} had a service disruption` : 'we had a service disruption',
    // Customers read the level's plain description, not an internal label such as "P0": of the worst it
    // reached, as the review is (an outage lowered before its end was still an outage).
    severity: markdownLiteral(peak.severity?.description ?? severityLabel(peak)),
    started: at(incident.started_at),
    // Still open, its end is not known: blanks (which publishing refuses), not "ongoing" and the time up to now,
    // which a draft saved now would publish unchanged after the resolution, against the page's duration.
    resolved: incident.resolved_at ? at(incident.resolved_at) : '[fill in: when it was resolved]',
    duration: incident.resolved_at ? formatDuration(durationMinutes(incident, now)) : '[fill in: how long it lasted]',
    // Its timeline has no resolution yet: a blank in its place.
    open: incident.resolved_at === null,
    components: names.length ? joinNames(names) : 'none recorded',
    timezone: zoneLabel(timeZone),
    timeline: updates.map((u) => ({
      time: at(u.display_at),
      status: CUSTOMER_STATUS_LABEL[u.status],
      // What happened, in the update's first sentence: the rest (its promise of the next update, its estimate, its
      // list of facts) was true then and is stale in a review. A re-grade is part of the story: in customers' words,
      // as the page shows it.
      text: markdownLiteral(
        [u.severity_change && impactChangeText(u.severity_change), firstSentence(leadText(u.body))].filter(Boolean).join('. '),
      ),
    })),
    // Plain text as told with the resolution, shown as the page's "What happened" box shows it: "Old *_wal* files"
    // was emphasis, "# of WAL files…" a heading.
    rootCause: incident.root_cause && markdownBlockLiteral(incident.root_cause),
    resolution: incident.resolution && markdownBlockLiteral(incident.resolution),
    prevention: incident.prevention && markdownBlockLiteral(incident.prevention),
  }).replace(/\n{3,}/g, '\n\n');
}
