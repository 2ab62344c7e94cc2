import { estimatePassed } from '../domain/words.ts';
import type { Herald } from '../herald.ts';
import type { Db, EventRecord, Incident, IncidentUpdate, Update } from '../domain/model.ts';
import type { VerbContext } from '../domain/context.ts';
import { declareIncident } from '../domain/incidents/declare.ts';
import { postUpdate } from '../domain/incidents/post-update.ts';
import type { DeclareInput } from '../domain/incidents/declare.ts';
import type { UpdateInput } from '../domain/incidents/append-update.ts';
import type { NoticeKind } from '../store/mail/model.ts';
import { noticeKind } from '../notify/intents.ts';
import { renderNotice, type RenderedMail } from '../notify/render.ts';
import { bannerFor, type Banner } from '../read/banner.ts';
import { madeUnder, remember } from '../domain/once.ts';
import { lateNoticeAt } from '../domain/policy.ts';
import { applyLateNotices } from '../domain/incidents/late-notice.ts';
import { existingIds, noticeComponents } from '../domain/components/following.ts';
import { Conflict } from '../domain/errors.ts';
import { openAlike } from '../domain/incidents/alike.ts';
import { outcomeChanges, outcomeOf, type DraftOutcome } from './outcome.ts';

/**
 * What the Comms Lead previews and then publishes: what publish hands to the verb, but for a body
 * left as its template, which the publish fills in again with its own clock, and the template's time
 * lines an edited body still has as the preview filled them, which take the publish's (console/publish-text.ts). A
 * console draft also keeps the template its body was filled from (`bodyTemplate`), so that "Back to
 * edit" fills an untouched body in again from the choices made then, and the publish knows which lines of
 * an edited one are still the template's; the verb never reads it. It is the template as the preview filled it
 * (with the preview's clock), as are the time lines the body kept from the template the page drew.
 */
export type DraftAction =
  | { kind: 'declare'; input: DeclareInput; bodyTemplate?: string; once?: DraftOnce; previewed?: DraftOutcome }
  | {
      kind: 'update';
      incidentId: string;
      input: UpdateInput;
      bodyTemplate?: string;
      once?: DraftOnce;
      previewed?: DraftOutcome;
      /** The incident's newest update when the form was opened: a newer one makes the draft stale (staleUpdate). */
      after?: string;
    };

/**
 * The form a draft was previewed from (console/form-once.ts): its key, shown again by "Back to edit",
 * and the idempotency keys its publish is recorded under besides the draft's own, so a second
 * preview of the same form (back and resubmit, or Back to edit and preview again) publishes nothing
 * new. The verb never reads it.
 */
export interface DraftOnce {
  formKey: string;
  keys: string[];
}

/** What a draft would publish, computed by running the real verb on a copy of the data. */
export interface DraftResult {
  db: Db;
  incident: Incident;
  update: IncidentUpdate;
  /** Which notice subscribers would get at publish: the update's own, or a late notice already due. */
  noticeKind: NoticeKind | null;
  /**
   * When the disruption notice a level holds back (`email_after_minutes`) falls
   * due after publishing; the timer sends it then if the incident is still
   * open. Null when none is owed later.
   */
  lateNoticeAt: string | null;
  /** What the settings decided of it, which its publish must find the same (applyDraftOnce). */
  outcome: DraftOutcome;
}

/** Runs a draft's verb: on the live data when publishing, on a copy when previewing. */
export function applyDraft(ctx: VerbContext, action: DraftAction): { incident: Incident; update: IncidentUpdate } {
  if (action.kind === 'declare') {
    const incident = declareIncident(ctx, action.input);
    return { incident, update: incident.updates.at(-1)! };
  }
  return postUpdate(ctx, action.incidentId, action.input);
}

/**
 * The update published since an update form was opened (the newest), when there is one: two people
 * writing updates in two tabs would otherwise publish over each other, the later one taking the
 * incident back (Monitoring to Identified) and its components with it, unseen; or resolving it twice.
 * An update that is not a resolution, on an incident resolved since, is the verb's to refuse, with
 * its own reason (resolved since your preview).
 */
export function staleUpdate(db: Pick<Db, 'incidents'>, action: DraftAction): IncidentUpdate | null {
  if (action.kind !== 'update' || !action.after) return null;
  const incident = db.incidents.find((i) => i.id === action.incidentId);
  const newest = incident?.updates.at(-1);
  if (!incident || !newest || newest.id === action.after) return null;
  return incident.resolved_at && action.input.status !== 'resolved' ? null : newest;
}

/**
 * Whether an update drafted to keep the incident's estimate (no `eta` given, not resolving) would now publish an
 * estimate that has passed: the form refuses "keep" of a passed one, but it can pass between preview and publish,
 * and the update would go out as fresh news with a time already gone ("… (passed)").
 */
export function keptEtaPassed(db: Pick<Db, 'incidents'>, action: DraftAction, now: Date): boolean {
  if (action.kind !== 'update' || action.input.eta !== undefined || action.input.status === 'resolved') return false;
  return estimatePassed(db.incidents.find((i) => i.id === action.incidentId)?.eta, now);
}

/**
 * The incident the draft's form published already (another preview of the same form), unless it was withdrawn
 * since: a declare withdrawn by mistake is declared again from the same form (README), as a new incident, and
 * a later publish of that form finds the new one (a key keeps each incident it published, oldest first).
 */
export function publishedUnder(db: Pick<Db, 'idempotency' | 'withdrawn'>, action: DraftAction): string | null {
  const keys = new Set(action.once?.keys ?? []);
  const withdrawn = new Set((db.withdrawn ?? []).map((w) => w.id));
  const published = db.idempotency
    .filter((r) => keys.has(r.key))
    .map((r) => (r.response as { incident_id: string }).incident_id)
    .filter((id) => !withdrawn.has(id));
  return published.at(-1) ?? null;
}

/**
 * Publishes draft `draftId` once: its incident's id, the one published before if a write under the
 * draft's key, or under its form's (another preview of the same form), is in the document already
 * (a publish whose commit was never confirmed, tried again; the form posted twice). The keys have a
 * space, which no API Idempotency-Key (visible ASCII) can have. A declare previewed at `previewedAt` is
 * refused when an incident like it (openAlike) was declared since: another form's, not this one's.
 */
export function applyDraftOnce(ctx: VerbContext, draftId: string, action: DraftAction, previewedAt?: string): string {
  const own = `console draft ${draftId}`;
  const keys = [own, ...(action.once?.keys ?? [])];
  // This very draft's publish, withdrawn since or not: a retry of a publish never confirmed declares nothing again.
  const mine = madeUnder(ctx.db, own, ctx.now);
  if (mine) return (mine.response as { incident_id: string }).incident_id;
  const earlier = publishedUnder(ctx.db, action);
  if (earlier) return earlier;
  if (staleUpdate(ctx.db, action)) throw new Conflict('A newer update was published since this form was opened.', 'stale_form');
  if (keptEtaPassed(ctx.db, action, ctx.now))
    throw new Conflict(
      'The estimated resolution this update keeps has passed since the preview: give a new one, or choose “Not known yet”.',
      'eta_passed',
      'eta',
    );
  // Declared since the preview (which named any already open): a second incident nobody chose to make.
  if (action.kind === 'declare' && previewedAt && openAlike(ctx.db, action.input, previewedAt).length > 0)
    throw new Conflict('An incident like this one was declared since this preview.', 'declared_since');
  const { incident, update } = applyDraft(ctx, action);
  // Thrown inside the write, so nothing of it is kept: the level decides what a box left as shown does, and it may
  // have been edited since the preview (or the scheme switched), so what the preview said would no longer hold.
  if (action.previewed) {
    const now = outcomeOf(ctx.db, incident, update);
    const changed = outcomeChanges(action.previewed, now);
    const why =
      action.previewed.settings === now.settings ? 'Since this preview, ' : 'The severity settings were changed since this preview: ';
    if (changed.length > 0) throw new Conflict(`${why}${changed.join('; ')}.`, 'outcome_changed');
  }
  for (const key of keys) remember(ctx, { key, request_hash: 'console', status: 303, response: { incident_id: incident.id } });
  return incident.id;
}

/** A verb's context on a deep copy of the data: a preview runs the real verb there, and nothing of it is kept. */
export function onCopy(herald: Herald, actor: string): VerbContext {
  return { ...herald.context(actor), db: structuredClone(herald.store.data) };
}

/**
 * The preview: the same verb as publish, on a deep copy of the data, so the
 * page block, email and banner shown are what publish would produce now.
 * Throws the verb's HeraldError (unknown component, resolved incident, …).
 */
export function dryRun(herald: Herald, actor: string, action: DraftAction): DraftResult {
  const ctx = onCopy(herald, actor);
  const db = ctx.db;
  const { incident, update } = applyDraft(ctx, action);
  const outcome = outcomeOf(db, incident, update);
  // Already due (a start given in the past): the timer's verb marks it within seconds of publishing and
  // the outbox sends it with this update, so the preview runs that verb on its copy and shows that email.
  if (applyLateNotices(ctx).includes(incident.id)) return { db, incident, update, noticeKind: 'disruption', lateNoticeAt: null, outcome };
  const late = lateNoticeAt(db.settings, incident);
  const lateAt = late === null ? null : new Date(late).toISOString();
  return { db, incident, update, noticeKind: update.notify ? noticeKind(incident, update) : null, lateNoticeAt: lateAt, outcome };
}

/** An emailed notice as previewed: the mail, and how many subscribers the fan-out would send it to. */
export interface PreviewedMail {
  mail: RenderedMail;
  recipients: number;
}

/** The email a draft would send (the outbox's own renderer) and to how many subscribers. */
export async function previewEmail(herald: Herald, draft: DraftResult): Promise<PreviewedMail | null> {
  if (!draft.noticeKind) return null;
  return previewNotice(herald, draft.db, draft.incident, draft.update, draft.noticeKind);
}

/**
 * The notice of `update` on `event` (an incident or a maintenance window) in `db`, a copy the verb ran on: rendered
 * as the outbox renders it, with placeholder links, and the count of subscribers its fan-out would reach.
 */
export async function previewNotice(herald: Herald, db: Db, event: EventRecord, update: Update, kind: NoticeKind): Promise<PreviewedMail> {
  const site = herald.config.SITE_URL;
  const mail = renderNotice({
    kind,
    siteName: herald.config.SITE_NAME,
    siteUrl: site,
    incident: event,
    update,
    db,
    // Each subscriber gets their own links; the preview shows placeholders.
    unsubscribeUrl: `${site}/unsubscribe/PREVIEW`,
    manageUrl: `${site}/subscribe/manage/PREVIEW`,
    timeZone: herald.config.SITE_TIMEZONE,
  });
  return {
    mail,
    // Whom the fan-out will reach: followers of components taken off it too, or everyone if it named none at first.
    recipients: await herald.notify.subscribers.countRecipients(noticeComponents(event), [...existingIds(db)]),
  };
}

/** The banner JSON the page would serve once the draft is published. */
export function previewBanner(herald: Herald, draft: DraftResult): Banner {
  return bannerFor(draft.db, herald.config);
}
