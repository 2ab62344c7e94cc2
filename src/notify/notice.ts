import type { Db, EventRecord, Maintenance, MaintenanceUpdate, Update } from '../domain/model.ts';
import {
  type MaintenanceNoticeStep,
  maintenanceStep,
  noticeMovedFrom,
  restatedSentences,
  stepStatusLabel,
  windowSentences,
  stepWindow,
  windowLabel,
} from '../domain/maintenance/steps.ts';
import { customerNames, eventComponentNames } from '../domain/components/names.ts';
import { CUSTOMER_STATUS_LABEL, type MaintenanceStatus } from '../domain/status.ts';
import { cadenceFrom, levelOf, nextUpdateDue } from '../domain/policy.ts';
import { impactChangeText } from '../domain/incidents/severity.ts';
import { durationMinutes, formatDuration, formatDurationAsOnceWritten } from '../domain/overall.ts';
import { formatDateTime } from '../domain/time-text.ts';
import { cadenceText, etaDated, etaStated, everyText, joinNames } from '../domain/words.ts';
import { type Stated, withoutStated } from './without-stated.ts';
import { isRhythmSentence } from '../domain/rhythm-sentences.ts';
import { asOf } from '../domain/event-as-of.ts';
import { renderMarkdown, withAbsoluteLinks } from '../render/markdown.ts';
import { markdownToText } from '../render/markdown-text.ts';
import { summarySection } from '../render/postmortem-summary.ts';
import { stillUnderWay, underMaintenanceByHand } from '../domain/still-under-way.ts';
import type { NoticeKind } from '../store/mail/model.ts';

/**
 * What a notice says, field by field, as the runbooks' "Service Disruption
 * Notice" and "Service Restoration Notice" lay it out (docs/runbooks.md): the
 * values the email templates (templates/email/*.hbs) put in their places.
 * Pure: the outbox and the console's preview both build it from the data.
 */
export interface NoticeFacts {
  /** "Dear <audience>,". */
  audience: string;
  name: string;
  incidentId: string;
  incidentUrl: string;
  /**
   * "Card payments, Payouts and Email delivery", or null when it names no component. A notice with an
   * "Affected services" field (disruption, update) names them there only, not again in its opening; the
   * restoration and postmortem, which have no such field, name them in their opening.
   */
  affected: string | null;
  statusLabel: string;
  /** The level's plain-language description (never its internal label, such as SEV-1). */
  impact: string | null;
  /** "Impact raised to Critical" when this update re-graded the impact customers read, as the page's timeline says. */
  impactChange: string | null;
  startedAt: string;
  /** The ETA as customers read it, or null (the templates say "not known yet"). */
  eta: string | null;
  /** Stated in the "Resolved at" field alone: the openings say it was resolved, not again when. */
  resolvedAt: string | null;
  duration: string | null;
  rootCause: string | null;
  resolution: string | null;
  prevention: string | null;
  bodyHtml: string;
  bodyText: string;
  /** The postmortem's own Summary section (a postmortem notice only, when it has one): what its email quotes. */
  summaryHtml: string | null;
  summaryText: string | null;
  /** The postmortem on the incident page (its section's anchor, as the Slack and Teams messages link it). */
  postmortemUrl: string;
  /** How the next news reaches them (the promise kept): by email, or on the status page. */
  emailEveryUpdate: boolean;
  /** "30 minutes", "4 hours": the level's cadence, or null. */
  cadence: string | null;
  /** The same as "every 30 minutes", "every hour". */
  every: string | null;
  nextUpdate: string | null;
  /** Maintenance: "30 Nov 2026, 02:00 UTC to 30 Nov 2026, 03:00 UTC". */
  window: string | null;
  /** What the window's line is called ("Window", "Carried out", "Was scheduled for"…), with `window`. */
  windowLabel: string | null;
  /**
   * A reminder (or a start no reminder came before) after the window moved without a notice: the window
   * subscribers were told of, which the notice says it moved from (steps.ts noticeMovedFrom); else null.
   */
  movedFrom: string | null;
  reminder: boolean;
  /** An update on an incident already resolved (a follow-up): it promises no more news and gives no estimate. */
  followUp: boolean;
  /**
   * Another incident was open when this update was posted, or else a maintenance window was running: a
   * restoration then says so rather than the runbooks' "All services are now operating normally".
   */
  othersOpen: boolean;
  maintenanceUnderWay: boolean;
  /**
   * Else, the components set by hand under maintenance with no window running (their names, joined): the
   * restoration names them, as maintenance is under way on none; null otherwise.
   */
  stillUnderMaintenance: string | null;
  /** Maintenance: which move the notice tells of (the reminder is its own); null for an incident. */
  step: MaintenanceNoticeStep | null;
  /** Where customers get urgent help (an address or a URL), and its link. */
  support: string | null;
  supportHref: string | null;
  signoff: string;
  /** Its lines, for HTML (a line break between them). */
  signoffLines: string[];
}

export type { MaintenanceNoticeStep };

export interface NoticeSource {
  kind: NoticeKind;
  siteName: string;
  siteUrl: string;
  incident: EventRecord;
  update: Update;
  db: Db;
  timeZone: string;
  reminder?: boolean;
  /** When the notice arose (intents.ts), if later than its update's time: a late disruption notice. */
  at?: string;
}

export function noticeFacts(s: NoticeSource): NoticeFacts {
  const { update, db, timeZone: tz } = s;
  const settings = db.settings;
  // The incident as it stood at its update (for a late disruption notice, the update it fell due after): a notice
  // sent late (a 4xx retry, "Retry all", a slow fan-out) tells what its update told, as the war room's message of
  // it does, not the estimate, components or resolution of updates since, emailed or not. A window is left as it
  // is now: its reminder must give the window as it stands (domain/maintenance/steps.ts reads it through the step).
  const incident =
    s.incident.kind === 'incident' && s.incident.updates.some((u) => u.id === update.id) ? asOf(s.incident, update, settings) : s.incident;
  const siteUrl = s.siteUrl.replace(/\/+$/, '');
  // The level as of this update: a notice sent late (a retry) after a re-grade keeps the impact and cadence it had.
  const level = incident.kind === 'incident' ? levelOf(settings, incident) : null;
  const names = eventComponentNames(db, incident);
  const resolved = incident.resolved_at !== null && s.kind !== 'disruption';
  // From the time the update reads (as the console counts it). No time already gone when the notice arose is
  // promised: an update dated back past it, or a late disruption notice due after it.
  const cadenceDue =
    incident.kind === 'incident' ? nextUpdateDue(level, cadenceFrom(incident, update), incident.resolved_at !== null) : null;
  const arose = Math.max(Date.parse(update.created_at), s.at ? Date.parse(s.at) : 0);
  const due = cadenceDue && cadenceDue.getTime() > arose ? cadenceDue : null;
  const support = settings.support_contact;
  const signoff = settings.signoff ?? `The ${s.siteName} team`;
  const step: MaintenanceNoticeStep | null =
    incident.kind !== 'maintenance' ? null : s.reminder ? 'reminder' : maintenanceStep(incident, update as MaintenanceUpdate);
  const affected = names.length ? joinNames(names) : null;
  const startedAt = formatDateTime(incident.started_at, tz);
  // As of when the notice arose: a late disruption notice, due after the estimate it repeats, says it has passed.
  const toldAt = s.at && Date.parse(s.at) > Date.parse(update.display_at) ? s.at : update.display_at;
  const eta = incident.kind === 'incident' && incident.eta ? etaDated(incident.eta, toldAt, tz) : null;
  // The update's own line gives the estimate as the page reads it beside the update (a time alone on its day):
  // the same estimate still, so that line goes too.
  const etaAsWritten = incident.kind === 'incident' && incident.eta ? etaStated(incident.eta, toldAt, tz) : null;
  const resolvedAt = resolved ? formatDateTime(incident.resolved_at!, tz) : null;
  const minutes = resolved ? durationMinutes(incident, new Date(incident.resolved_at!)) : null;
  const duration = minutes === null ? null : formatDuration(minutes);
  const followUp = s.kind === 'update' && (update.status === 'resolved' || update.status === 'postmortem');
  // The facts the email states itself (its fields, or its opening sentence for the affected services), by the
  // label the update templates (templates/updates/) give them in the body: a body line saying the same is left out.
  // A maintenance notice states its affected services as a field too (templates/email/maintenance.*.hbs).
  const ended = s.kind === 'restoration' || followUp;
  const stated: Record<string, Stated> =
    incident.kind !== 'incident'
      ? { 'affected services': affected }
      : {
          'affected services': affected,
          'started at': ended ? null : startedAt,
          'estimated resolution': ended ? null : eta && etaAsWritten ? [eta, etaAsWritten] : 'not known yet',
          'resolved at': ended ? resolvedAt : null,
          'total duration': ended && minutes !== null ? [formatDuration(minutes), formatDurationAsOnceWritten(minutes)] : null,
        };
  // The update rhythm the email's promise states (templates/email/promise.*.hbs: a disruption notice, an update
  // that is no follow-up), in the words the update templates give it in the body: a body sentence saying the same
  // is left out too, as a line restating a field is (the page keeps it: it has no promise of its own).
  const promises = incident.kind === 'incident' && (s.kind === 'disruption' || (s.kind === 'update' && !followUp));
  // A maintenance notice's opening and window line say what the step's default text says: that goes too.
  // A restoration's opening says the issue has been resolved, and its closing that all services work when
  // nothing else is under way, or that something is: the resolved template's sentences saying so go from the
  // body, so the email says each once and never both.
  const underWay = stillUnderWay(db, incident, update.created_at, update.affected_components);
  // Any level's rhythm sentence goes, not only this one's: a body filled for the level before a re-grade (and
  // edited, so not filled again) or a rhythm the Comms Lead restated by hand would promise beside the email's own.
  const restated = promises
    ? isRhythmSentence
    : incident.kind === 'maintenance' && step
      ? restatedSentences(step, incident, tz)
      : s.kind === 'restoration'
        ? [RESOLVED, ...ALL_NORMAL]
        : [];
  const said =
    incident.kind === 'maintenance' && step === 'reminder'
      ? reminderSaid(incident, stated, tz)
      : { body: withoutStated(update.body, stated, restated), update };
  const body = said.body;
  const summary =
    s.kind === 'postmortem' && incident.kind === 'incident' && incident.postmortem ? summarySection(incident.postmortem.body) : null;
  const incidentUrl = `${siteUrl}/incidents/${encodeURIComponent(incident.id)}`;
  return {
    audience: settings.audience,
    name: incident.name,
    incidentId: incident.id,
    incidentUrl,
    affected,
    statusLabel:
      step && incident.kind === 'maintenance'
        ? stepStatusLabel(step, update.status as MaintenanceStatus, incident)
        : CUSTOMER_STATUS_LABEL[update.status],
    // The level's description tells how bad it is while it lasts: in an update beside "Monitoring" (a fix is out)
    // or a follow-up (resolved) it would read as the state now, contradicting the words beside it. A disruption
    // notice (sent late, or first with a monitoring update) still says how bad it is: it is the first word.
    impact: s.kind === 'update' && (update.status === 'monitoring' || followUp) ? null : (level?.description ?? null),
    impactChange: 'severity_change' in update && update.severity_change ? impactChangeText(update.severity_change) : null,
    startedAt,
    eta,
    resolvedAt,
    duration,
    rootCause: incident.kind === 'incident' ? incident.root_cause : null,
    resolution: incident.kind === 'incident' ? incident.resolution : null,
    prevention: incident.kind === 'incident' ? incident.prevention : null,
    // The HTML saved with the update when nothing is left out; else the same renderer on what is left.
    // Links as they work in a mail client: a relative one ("/history") resolved against the site.
    bodyHtml: withAbsoluteLinks(body === said.update.body ? said.update.body_html : renderMarkdown(body), siteUrl),
    bodyText: markdownToText(body, { siteUrl }),
    summaryHtml: summary === null ? null : withAbsoluteLinks(renderMarkdown(summary), siteUrl),
    summaryText: summary === null ? null : markdownToText(summary, { siteUrl }),
    postmortemUrl: `${incidentUrl}#postmortem`,
    emailEveryUpdate: level?.email_every_update ?? false,
    cadence: level?.update_every_minutes ? cadenceText(level.update_every_minutes) : null,
    every: level?.update_every_minutes ? everyText(level.update_every_minutes) : null,
    nextUpdate: due ? formatDateTime(due.toISOString(), tz) : null,
    window: incident.kind === 'maintenance' && step ? stepWindow(step, update.status as MaintenanceStatus, incident, tz) : null,
    windowLabel: incident.kind === 'maintenance' && step ? windowLabel(step, update.status as MaintenanceStatus, incident) : null,
    movedFrom: incident.kind === 'maintenance' && step ? noticeMovedFrom(step, incident, update as MaintenanceUpdate, tz) : null,
    reminder: s.reminder === true,
    followUp,
    othersOpen: underWay === 'incident',
    maintenanceUnderWay: underWay === 'maintenance',
    stillUnderMaintenance:
      underWay === 'hand' ? joinNames(customerNames(db, underMaintenanceByHand(db.components, update.created_at))) : null,
    step,
    support,
    supportHref: support === null ? null : /^https?:/.test(support) ? support : `mailto:${support}`,
    signoff,
    signoffLines: signoff.split('\n'),
  };
}

/** The resolved template's opening sentence (templates/updates/resolved.md.hbs), which a restoration's opening says. */
const RESOLVED = 'The issue has been resolved.';

/**
 * The resolved template's sentence (templates/updates/resolved.md.hbs, which the console's preview also looks
 * for) and the restoration notice's closing (templates/email/restoration.*.hbs) that say every service works again.
 */
export const TEMPLATE_ALL_NORMAL = 'All services are operating normally.';
const ALL_NORMAL = [TEMPLATE_ALL_NORMAL, 'All services are now operating normally.'];

/**
 * What a reminder says of the work: the latest text about the window still to come that says more than the
 * steps' default words. A move's default text gives only the new times, which the reminder's window line gives:
 * carried alone, it left the reminder silent on what the announcement said the work is. Each text's own
 * window's default sentences go too, so an earlier text's times never contradict the window line.
 */
function reminderSaid(m: Maintenance, stated: Record<string, Stated>, tz: string): { body: string; update: Update } {
  const now = restatedSentences('reminder', m, tz);
  const told = m.updates.filter((u) => u.status === 'scheduled');
  for (const u of told.toReversed()) {
    // An update saved before each recorded its window: its default sentences go whatever their times.
    const own = u.window ? restatedSentences('reminder', u.window, tz) : windowSentences(u.body);
    const body = withoutStated(u.body, stated, [...now, ...own]);
    if (body) return { body, update: u };
  }
  return { body: '', update: told.at(-1) ?? m.updates.at(-1)! };
}
