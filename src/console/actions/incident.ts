import type { Herald } from '../../herald.ts';
import type { Incident, IncidentUpdate } from '../../domain/model.ts';
import { INCIDENT_STATUS_LABEL } from '../../domain/status.ts';
import { closedBidi } from '../../domain/text.ts';
import { correctUpdate } from '../../domain/incidents/correct-update.ts';
import { savePostmortem } from '../../domain/incidents/postmortem.ts';
import { postmortemSchema, updateCorrectSchema } from '../../input/schemas.ts';
import {
  applyDraftOnce,
  dryRun,
  previewBanner,
  previewEmail,
  publishedUnder,
  staleUpdate,
  type DraftResult,
} from '../../publish/preview.ts';
import { openAlike } from '../../domain/incidents/alike.ts';
import type { Banner } from '../../read/banner.ts';
import type { RenderedMail } from '../../notify/render.ts';
import type { Session } from '../../auth/sessions.ts';
import type { Draft } from '../../store/console/port.ts';
import { Conflict, HeraldError, Unavailable, Unconfirmed } from '../../domain/errors.ts';
import { incidentDraft } from '../maintenance-draft.ts';
import type { DraftAction } from '../../publish/preview.ts';
import { declareFromForm, updateFromForm } from '../draft-input.ts';
import { draftEditHref, type DeclareValues, type UpdateValues } from '../draft-values.ts';
import { atPublish } from '../publish-text.ts';
import { at } from '../format.ts';
import { updateExcerpt, whoWrote, withStop } from '../update-words.ts';
import { authorWords } from '../../domain/words.ts';
import { formFields, refusal, validate, type FieldErrors } from '../forms.ts';
import { formKeyOf, onceKey } from '../form-once.ts';
import { done, refused, type ActionResult } from './result.ts';

/** What the preview page shows: the draft saved for publishing, or the form again with its errors. */
export type PreviewResult =
  | {
      ok: true;
      draft: Draft<DraftAction>;
      result: DraftResult;
      email: { mail: RenderedMail; recipients: number } | null;
      banner: Banner;
      /** The incident this form published already (previewed again: back and resubmit), whose publish this draft's finds. */
      publishedAs: string | null;
    }
  | { ok: false; status: 409 | 422 | 503; values: DeclareValues | UpdateValues; errors: FieldErrors };

const FORM_FIELDS = [
  'name',
  'severity',
  'impact',
  'eta',
  'commander',
  'war_room',
  'status',
  'body',
  'components',
  'root_cause',
  'resolution',
  'prevention',
];

/**
 * The declare or update form, previewed: the real verb on a copy of the data
 * (nothing is published), and the draft kept for this session so that
 * "Publish now" hands exactly this to the verb.
 */
export async function previewAction(herald: Herald, session: Session, form: FormData, incident?: Incident): Promise<PreviewResult> {
  const fc = { db: herald.store.data, timeZone: herald.config.SITE_TIMEZONE, now: herald.now() };
  const read = incident ? updateFromForm(form, fc, incident) : declareFromForm(form, fc);
  if (!read.action) return { ok: false, status: 422, values: read.values, errors: read.errors };
  // Each preview makes its own draft; the form's key, bound to this session, makes their publishes one. Two
  // records: the fields as posted (the same page posted again a minute later, where "in 60 minutes" reads as
  // another instant), and the action they make (the form rebuilt by "Back to edit", which posts the estimate
  // as the instant previewed and the email box as shown: other bytes, the same action).
  const formKey = formKeyOf(form);
  const action: DraftAction = formKey
    ? {
        ...read.action,
        once: { formKey, keys: [onceKey('draft', session.key, formKey, form), onceKey('draft', session.key, formKey, read.action)] },
      }
    : read.action;
  const earlier = publishedUnder(herald.store.data, action);
  // Someone published an update since this form was opened: said before anything else, and the form
  // shown again is written after that update (read now), so the next preview goes through.
  const newer = earlier ? null : staleUpdate(herald.store.data, action);
  if (newer && incident) {
    const values = { ...(read.values as UpdateValues), after: newer.id };
    return {
      ok: false,
      status: 409,
      values,
      errors: { form: `${newerUpdateText(herald, session.actor, incident, newer)} Check that yours still fits, then preview again.` },
    };
  }
  let result: DraftResult;
  try {
    result = dryRun(herald, session.actor, action);
  } catch (err) {
    return { ok: false, status: 422, values: read.values, errors: refusal(err, FORM_FIELDS).errors };
  }
  const email = await previewEmail(herald, result);
  let draft: Draft<DraftAction>;
  try {
    // With what the settings decided of it: its publish is refused if they would now decide otherwise.
    const saved = await herald.console.drafts.save(
      session.key,
      { ...action, previewed: result.outcome },
      herald.now().getTime(),
      email?.mail.html,
    );
    draft = saved as Draft<DraftAction>;
  } catch (err) {
    // The drafts cannot be kept (PostgreSQL down): the form again, as filled in, with why.
    if (err instanceof Unavailable) return { ok: false, status: 503, values: read.values, errors: { form: err.message } };
    throw err;
  }
  return { ok: true, draft, result, email, banner: previewBanner(herald, result), publishedAs: earlier };
}

/** A refused publish, with the way back to the draft when nothing went out and the draft is still this session's. */
export type PublishResult =
  | ActionResult
  | { ok: false; status: number; errors: FieldErrors; editHref: string }
  /** The incident was withdrawn since the preview: no form to go back to, so the text is shown to copy. */
  | { ok: false; status: number; errors: FieldErrors; keptText: string };

/**
 * "Publish now": publishes this session's draft once. A double click or a
 * retried post lands on the same incident; another session, or an expired
 * draft, publishes nothing (410).
 */
export async function publishAction(herald: Herald, session: Session, form: FormData): Promise<PublishResult> {
  const id = String(form.get('draft') ?? '');
  let incidentId: string | null;
  // The reference the preview named, which an incident declared meanwhile may have taken.
  let named: string | undefined;
  try {
    incidentId = await herald.console.drafts.publishOnce(id, session.key, herald.now().getTime(), (kept) => {
      const d = incidentDraft(kept);
      // A window's draft (its id posted here by hand): it is published from its own preview's button.
      if (!d) throw new Conflict('This preview is of a maintenance window, not an incident.', 'not_an_incident');
      named = d.action.previewed?.incident;
      // An untouched template is filled in again here, and an edited body's template time lines, with the clock the verb records (atPublish).
      return herald.run(session.actor, (ctx) =>
        applyDraftOnce(
          ctx,
          d.id,
          atPublish(d.action, { db: ctx.db, timeZone: herald.config.SITE_TIMEZONE, now: ctx.now }),
          new Date(d.createdAt).toISOString(),
        ),
      );
    });
  } catch (err) {
    const r = refusal(err, []);
    // Another request is publishing it, or one was cut off: whether it went out is for the dashboard to say.
    const unknown = err instanceof HeraldError && (err.code === 'publish_in_progress' || err.code === 'publish_interrupted');
    // The draft is given back, and its key makes a second press find the incident if the first one was saved.
    if (err instanceof Unconfirmed)
      return refused(r.status, { form: `${r.errors.form} Press "Publish now" again: this preview is published once either way.` });
    if (unknown) return refused(r.status, r.errors);
    // Nothing went out and the verb gave the draft back: the Comms Lead edits it rather than typing it again.
    const kept = incidentDraft(await herald.console.drafts.peek(id, session.key, herald.now().getTime()).catch(() => null));
    if (!kept) return refused(r.status, { form: `Nothing was published: ${r.errors.form}` });
    // Its page is gone ("No such incident"): "Back to edit" led there, and the text kept in the draft was lost.
    const action = kept.action;
    const withdrawn = action.kind === 'update' ? herald.store.data.withdrawn?.find((w) => w.id === action.incidentId) : undefined;
    if (withdrawn) {
      const form = `Nothing was published: ${withdrawn.id} (“${withdrawn.name}”) was withdrawn since your preview, so it takes no more updates. Your text is below, to copy.`;
      return { ok: false, status: 409, errors: { form }, keptText: action.input.body };
    }
    const since = err instanceof HeraldError && err.code === 'incident_resolved' ? resolvedSince(herald, kept.action) : null;
    const newer = err instanceof HeraldError && err.code === 'stale_form' ? newerSince(herald, session.actor, kept.action) : null;
    const alike =
      err instanceof HeraldError && err.code === 'declared_since' && kept.action.kind === 'declare'
        ? openAlike(herald.store.data, kept.action.input, new Date(kept.createdAt).toISOString())[0]
        : undefined;
    const form = since
      ? `Nothing was published: ${since} Your text is kept in the draft: post it as a follow-up note, or leave it.`
      : newer
        ? `Nothing was published: ${newer.text} Your text is kept in the draft: check that it still fits, then preview it again.`
        : alike
          ? `Nothing was published: since your preview, ${alikeText(herald, session.actor, alike)} Post an update to it, or, to declare a second incident, go back to edit and preview it again: your text is kept in the draft.`
          : err instanceof HeraldError && err.code === 'outcome_changed'
            ? `Nothing was published: ${r.errors.form} Your text is kept in the draft: go back to edit and preview it again to see what goes out now.`
            : `Nothing was published: ${r.errors.form} Your text is kept in the draft.`;
    // Back to edit after a newer update: the form is then written after it (the Comms Lead was just told of it).
    const editHref = newer ? draftEditHref(kept).replace('#', `&seen=${encodeURIComponent(newer.id)}#`) : draftEditHref(kept);
    return { ok: false, status: r.status, errors: { form }, editHref };
  }
  if (!incidentId) return refused(410, { form: 'This preview has expired or belongs to another session. Nothing was published.' });
  const renamed = named && named !== incidentId ? `&named=${encodeURIComponent(named)}` : '';
  return done(`/admin/incidents/${encodeURIComponent(incidentId)}?published=1${renamed}`);
}

/**
 * Why an update previewed on an open incident was refused: it was resolved since the preview, by
 * whoever posted the resolving update. The verb's own message speaks of reopening, which this Comms
 * Lead never asked for.
 */
function resolvedSince(herald: Herald, action: DraftAction): string | null {
  if (action.kind !== 'update') return null;
  const incident = herald.store.data.incidents.find((i) => i.id === action.incidentId);
  if (!incident?.resolved_at) return null;
  const resolving = incident.updates.find((u) => u.status === 'resolved');
  return `${incident.name} was resolved${resolving ? resolverName(resolving.author) : ''} since your preview.`;
}

/** The update published since an update form was opened, for a draft found stale at its publish: its id, and what to say of it. */
function newerSince(herald: Herald, actor: string, action: DraftAction): { id: string; text: string } | null {
  const newer = staleUpdate(herald.store.data, action);
  const incident = action.kind === 'update' ? herald.store.data.incidents.find((i) => i.id === action.incidentId) : undefined;
  return newer && incident ? { id: newer.id, text: newerUpdateText(herald, actor, incident, newer) } : null;
}

/** "Since you opened this form, Lee posted an update to Checkout errors (Monitoring, 15:10 UTC): “…”." */
function newerUpdateText(herald: Herald, actor: string, incident: Incident, u: IncidentUpdate): string {
  const when = at(u.display_at, herald.config.SITE_TIMEZONE, herald.now());
  const label = INCIDENT_STATUS_LABEL[u.status];
  return withStop(
    `Since you opened this form, ${whoWrote(u.author, actor)} posted an update to ${incident.name} (${label}, ${when})${updateExcerpt(u.body)}`,
  );
}

/** "Lee declared Checkout failing (INC-…, 15:10 UTC)." : an open incident a declare would stand beside (openAlike). */
export function alikeText(herald: Herald, actor: string, incident: Incident): string {
  const who = whoWrote(incident.updates[0]?.author ?? '', actor);
  const when = at(incident.created_at, herald.config.SITE_TIMEZONE, herald.now());
  return `${who} declared ${closedBidi(incident.name)} (${incident.id}, ${when}).`;
}

/** " by Dana" for a console user, " through the API" for the admin token; nothing for anyone else. */
function resolverName(author: string): string {
  if (author === 'admin-token') return ' through the API';
  const who = authorWords(author);
  return who === null ? '' : ` by ${who}`;
}

/**
 * The schema's messages in the correction form's words: its field is "Text", not the API's `body`
 * ("The text must not be empty", not "Body must not be empty"). The API keeps its words.
 */
const textErrors = (errors: FieldErrors): FieldErrors =>
  Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, v.replace(/^body\b/i, 'The text')]));

/** A correction of an update's text (audited; never emails). */
export async function correctAction(
  herald: Herald,
  actor: string,
  incidentId: string,
  updateId: string,
  form: FormData,
): Promise<ActionResult> {
  const fields = formFields(form);
  const parsed = validate(updateCorrectSchema, { body: fields.body ?? '' });
  if (!parsed.ok) return refused(422, textErrors(parsed.errors));
  // The update's last correction as the form showed it ('' for none); a form without the field is not checked.
  const seen = fields.edited === undefined ? undefined : fields.edited || null;
  try {
    await herald.run(actor, (ctx) => correctUpdate(ctx, incidentId, updateId, parsed.data.body, seen));
    return done(`/admin/incidents/${encodeURIComponent(incidentId)}?corrected=1`);
  } catch (err) {
    const r = refusal(err, ['body']);
    return refused(r.status, { body: Object.values(r.errors).join(' ') });
  }
}

/**
 * What a postmortem save did, for the notice the console shows after it: `publish-notify` only when this
 * save asked for the email (subscribers are emailed at most once ever), `publish-emailed` when they were
 * emailed at an earlier publication.
 */
export type PostmortemSaved = 'save' | 'publish' | 'publish-notify' | 'publish-emailed' | 'withdraw';

/** Saves, publishes or withdraws an incident's postmortem (the buttons' `action`). */
export async function postmortemAction(herald: Herald, actor: string, incidentId: string, form: FormData): Promise<ActionResult> {
  const f = formFields(form);
  const publish = f.action === 'publish' ? true : f.action === 'withdraw' ? false : undefined;
  const notify = publish === true && form.has('notify');
  const parsed = validate(postmortemSchema, {
    body: f.body ?? '',
    ...(publish !== undefined ? { publish } : {}),
    ...(notify ? { notify } : {}),
  });
  if (!parsed.ok) return refused(422, parsed.errors);
  // The postmortem's updated_at as the form showed it ('' for none yet); a form without the field is not checked.
  const seen = f.seen === undefined ? undefined : f.seen || null;
  try {
    const saved = await herald.run(actor, (ctx): PostmortemSaved => {
      const emailedBefore = ctx.db.incidents.find((i) => i.id === incidentId)?.postmortem?.notify === true;
      const pm = savePostmortem(ctx, incidentId, { ...parsed.data, seen, draft: publish === undefined }).postmortem!;
      // Told from what is stored now, not from the form: a stale tab's "publish and email" may have changed nothing.
      if (!pm.published_at) return publish === false ? 'withdraw' : 'save';
      if (pm.notify) return emailedBefore ? 'publish-emailed' : 'publish-notify';
      return 'publish';
    });
    // A draft keeps the "Email subscribers" tick for the publication to come (the form is drawn again from this address).
    const tick = saved === 'save' && form.has('notify') ? '&notify=1' : '';
    return done(`/admin/incidents/${encodeURIComponent(incidentId)}/postmortem?saved=${saved}${tick}`);
  } catch (err) {
    // The text's own refusals (template blanks left) are said by the text's field.
    const r = refusal(err, ['body']);
    return refused(r.status, r.errors);
  }
}
