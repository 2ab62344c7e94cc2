import type { DraftAction } from '../publish/preview.ts';
import { etaStated, joinNames } from '../domain/words.ts';
import { declareTemplate, incidentTemplate, levelById, regradeLevel, type FormContext } from './form-defaults.ts';
import { known, namedAfter } from './draft-input.ts';
import { ownFacts, ownRhythm, refilled, type TimeLabel } from './template-lines.ts';
import { TEMPLATE_ALL_NORMAL } from '../notify/notice.ts';

/** Whether a draft's body is still the template it was filled with (the Comms Lead left it as Herald wrote it). */
export const followsTemplate = (action: DraftAction): boolean =>
  !!action.bodyTemplate && action.input.body.trim() === action.bodyTemplate.trim();

/**
 * Whether the publish dates the draft's template by its own clock: a declare that starts now, or an
 * update of an incident still there.
 */
function dated(action: DraftAction, fc: FormContext): boolean {
  if (!action.bodyTemplate) return false;
  // A backfill (a start given) is the API's; the console's declare starts now.
  if (action.kind === 'declare') return !action.input.started_at;
  // Gone (the verb refuses it), or dated by a time of its own (the API's): published as previewed.
  return !!fc.db.incidents.find((i) => i.id === action.incidentId) && !action.input.display_at;
}

/** The draft's template, filled in with the data and clock of `fc`. */
function templateNow(action: DraftAction, fc: FormContext): string {
  const { db } = fc;
  if (action.kind === 'declare') {
    const { input } = action;
    const level = input.severity ? levelById(db, input.severity) : (db.settings.severities.find((l) => l.impact === input.impact) ?? null);
    return declareTemplate(fc, level, known(db, input.components ?? {}), input.eta ?? null);
  }
  const { input } = action;
  const incident = db.incidents.find((i) => i.id === action.incidentId)!;
  const ids = namedAfter(db, incident, input.components ?? {});
  const eta = input.eta === undefined ? incident.eta : input.eta;
  return incidentTemplate(fc, incident, input.status, ids, eta, regradeLevel(db, incident, input.severity ?? ''));
}

/**
 * A draft as published. A body still equal to its template is filled in again
 * with the data and clock of the publish, so the times it states (Started at on
 * a declare, Updated at on an identified or monitoring update, Resolved at and
 * Total duration on a resolve) are the ones Herald
 * records then, whatever the wait since the preview. The estimate stays the
 * instant the preview showed: "In 2 hours" is counted from the preview, which
 * the Comms Lead read as a clock time and checked. A body edited by hand is the
 * Comms Lead's own text, published as previewed but for the template's time
 * lines it still has as the preview filled them (template-lines.ts refilled),
 * which take the publish's (its fact lines too, as the choices give them); a line they changed is theirs.
 */
export function atPublish(action: DraftAction, fc: FormContext): DraftAction {
  if (!dated(action, fc)) return action;
  const template = templateNow(action, fc);
  const body = followsTemplate(action) ? template : refilled(action.input.body, action.bodyTemplate!, template).body;
  if (body === action.input.body && template === action.bodyTemplate) return action;
  return { ...action, input: { ...action.input, body }, bodyTemplate: template } as DraftAction;
}

/** The time lines of the draft's template that the publish states with its own clock (and the incident records so). */
function publishTimes(action: DraftAction, fc: FormContext): TimeLabel[] {
  if (action.kind === 'declare') return ['Started at'];
  // The In progress templates (identified, monitoring) end with the runbooks' "Updated at".
  if (action.input.status === 'identified' || action.input.status === 'monitoring') return ['Updated at'];
  const resolving = action.input.status === 'resolved' && !fc.db.incidents.find((i) => i.id === action.incidentId)?.resolved_at;
  return resolving ? ['Resolved at', 'Total duration'] : [];
}

/** “Resolved at” and “Total duration”. */
const quoted = (labels: TimeLabel[]) => joinNames(labels.map((l) => `“${l}”`));

/** What the lines say at the publish: "will say the time you publish", or count to it. */
const atTheTime = (labels: TimeLabel[]) =>
  labels.includes('Total duration') ? 'will count to the time you publish' : 'will say the time you publish';

/**
 * What the preview says of a template atPublish fills in again and whose text states times: the
 * declare's "Started at", an identified or monitoring update's "Updated at", or a resolve's "Resolved at"
 * and "Total duration" (an incident not resolved before), are the publish's; the estimate, `eta`, stays
 * the previewed instant. An edited body: which of those lines it still has as Herald filled them (brought
 * up to the publish), and which it states in words of its own (published as written, while the incident
 * records the publish's time). Null when the text goes out as previewed, or states no time of the publish.
 */
export function templateTimesNote(action: DraftAction, fc: FormContext, eta: string | null): string | null {
  if (!dated(action, fc)) return null;
  const times = publishTimes(action, fc);
  if (!times.length) return null;
  const estimate = eta ? ` The estimated resolution stays ${etaStated(eta, fc.now.toISOString(), fc.timeZone)}.` : '';
  if (followsTemplate(action))
    return `The text is Herald's template: ${quoted(times)} ${atTheTime(times)}, as the incident records it.${estimate}`;
  const { brought, own } = refilled(action.input.body, action.bodyTemplate!, action.bodyTemplate!);
  const kept = times.filter((l) => brought.includes(l));
  const written = times.filter((l) => own.includes(l));
  const notes = [
    ...(kept.length
      ? [
          `Your text keeps Herald's ${quoted(kept)} ${kept.length > 1 ? 'lines' : 'line'}: ${kept.length > 1 ? 'they' : 'it'} ${atTheTime(kept)}, as the incident records it.`,
        ]
      : []),
    ...(written.length
      ? [
          `You wrote ${quoted(written)} yourself: ${written.length > 1 ? 'they go' : 'it goes'} out as you wrote ${written.length > 1 ? 'them' : 'it'}, while the incident records the time you publish.`,
        ]
      : []),
  ];
  return notes.length ? `${notes.join(' ')}${kept.length ? estimate : ''}` : null;
}

/**
 * What the preview warns of an edited body whose "Affected services" or "Estimated resolution" line the Comms
 * Lead changed by hand and which now says otherwise than the choices made (the components, the estimate): the
 * line stays theirs (refilled), while the summary, the page's and the email's own facts give the choices, so
 * an email would carry both. One sentence per line; none for a body left as the template, or without one.
 */
export function ownFactsNotes(action: DraftAction): string[] {
  if (!action.bodyTemplate || followsTemplate(action)) return [];
  return ownFacts(action.input.body, action.bodyTemplate).map(
    ({ said, chosen }) =>
      `Your text says “${said}” while your choices give “${chosen}”, which the rest of this update states. You changed that line, so it goes out as you wrote it: go back to edit to make them agree.`,
  );
}

/**
 * What the preview warns of an edited body whose update rhythm is the Comms Lead's and not the level's: a
 * sentence they wrote or changed, or one a re-grade could not bring up (refilled brings only the sentence the
 * template wrote). The page keeps it as written, while the email leaves it out for its own promise (the level's)
 * and the incident page counts the next update by the level: both are named. None for a body left as the template.
 */
export function ownRhythmNote(action: DraftAction): string | null {
  if (!action.bodyTemplate || followsTemplate(action)) return null;
  // A resolution promises no more updates: its template states no rhythm to differ from.
  if (action.kind === 'update' && (action.input.status === 'resolved' || action.input.status === 'postmortem')) return null;
  const own = ownRhythm(action.input.body, action.bodyTemplate);
  if (!own) return null;
  const level = own.chosen ? `promises “${own.chosen}”` : 'sets no update rhythm';
  return `Your text promises “${own.said}” while the severity chosen ${level}, which the email and the next update due follow. You wrote that sentence, so the page shows it as you wrote it: go back to edit to make them agree.`;
}

/**
 * What the preview warns of an edited resolution whose text still says every service works again while another
 * incident is open: the template leaves that sentence out then, and the page and the email say other issues
 * are still open. Drawn before the other incident was declared, or the sentence typed by hand. A body left as
 * the template needs no warning: it is filled in again at the publish (atPublish), without the sentence.
 */
export function allNormalNote(action: DraftAction, fc: FormContext): string | null {
  if (action.kind !== 'update' || action.input.status !== 'resolved' || followsTemplate(action)) return null;
  if (!action.input.body.includes(TEMPLATE_ALL_NORMAL) || !fc.db.incidents.some((i) => i.id === action.incidentId)) return null;
  if (templateNow(action, fc).includes(TEMPLATE_ALL_NORMAL)) return null;
  return `Your text says “${TEMPLATE_ALL_NORMAL}” while another incident is still open: the page shows it as open, and the email says other issues are still open. Go back to edit to take that sentence out.`;
}
