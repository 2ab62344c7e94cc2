import type { Herald } from '../../herald.ts';
import type { Session } from '../../auth/sessions.ts';
import type { Draft } from '../../store/console/port.ts';
import { Conflict, HeraldError, Unavailable, Unconfirmed } from '../../domain/errors.ts';
import { onCopy, previewNotice, type PreviewedMail } from '../../publish/preview.ts';
import { formKeyOf, onceKey } from '../form-once.ts';
import { refusal, type FieldErrors } from '../forms.ts';
import {
  isWindowDraft,
  publishedUnder,
  publishWindowDraft,
  runWindowDraft,
  windowEditHref,
  type ConsoleDraftAction,
  type ScheduleDraft,
  type WindowDraft,
  type WindowRun,
} from '../maintenance-draft.ts';
import { readSchedule, scheduleRefusal, type ScheduleValues } from './maintenance.ts';
import { done, refused } from './result.ts';
import type { PublishResult } from './incident.ts';

/** A window's draft previewed: what it makes, the draft kept for "Publish now", and the email it sends now. */
export type WindowPreview = WindowRun & {
  ok: true;
  draft: Draft<ConsoleDraftAction>;
  /** The draft's action, as kept. */
  action: WindowDraft;
  /** The notice subscribers get now ("Email subscribers" ticked), or null. */
  email: PreviewedMail | null;
  /** The window this form published already (previewed or submitted before), whose publish this draft's finds. */
  publishedAs: string | null;
};

/** What the schedule form's preview shows: the window previewed, or the form again with its errors. */
export type SchedulePreview = WindowPreview | { ok: false; status: number; values: ScheduleValues; errors: FieldErrors };

/**
 * Runs a window's draft on a copy of the data (nothing is saved) and keeps it for this session, so that "Publish now"
 * hands exactly this to the verb. Throws the verb's refusal, and Unavailable when drafts cannot be kept.
 */
export async function previewWindowDraft(herald: Herald, session: Session, action: WindowDraft): Promise<WindowPreview> {
  const run = runWindowDraft(onCopy(herald, session.actor), action);
  const email = action.input.notify ? await previewNotice(herald, run.db, run.window, run.update, 'maintenance') : null;
  const kept: WindowDraft = action.kind === 'schedule' ? { ...action, previewedId: run.window.id } : action;
  const draft = await herald.console.drafts.save(session.key, kept, herald.now().getTime(), email?.mail.html);
  return { ok: true, ...run, draft, action: kept, email, publishedAs: publishedUnder(herald.store.data, action, herald.now()) };
}

/**
 * The keys a window draft's publish is recorded under besides its own (as an incident draft's: previewAction): the
 * fields as posted, which a submit of the same form (`kind`) records too, and what they were read as, which the form
 * drawn again by "Back to edit" makes from other bytes.
 */
export function windowOnce(kind: 'maintenance' | 'step', session: Session, form: FormData, read: object) {
  const formKey = formKeyOf(form);
  return formKey
    ? { once: { formKey, keys: [onceKey(kind, session.key, formKey, form), onceKey('draft', session.key, formKey, read)] } }
    : {};
}

/** The schedule form, previewed; refused as its submit would be. */
export async function previewScheduleAction(herald: Herald, session: Session, form: FormData): Promise<SchedulePreview> {
  const read = readSchedule(herald, form);
  const { values } = read;
  if ('errors' in read) return { ok: false, status: 422, values, errors: read.errors };
  const action: ScheduleDraft = { kind: 'schedule', input: read.input, values, ...windowOnce('maintenance', session, form, read.input) };
  try {
    return await previewWindowDraft(herald, session, action);
  } catch (err) {
    // The drafts cannot be kept (PostgreSQL down): the form again, as filled in, with why.
    if (err instanceof Unavailable) return { ok: false, status: 503, values, errors: { form: err.message } };
    return { ok: false, ...scheduleRefusal(err), values };
  }
}

/**
 * "Publish now" on a window's preview: publishes this session's draft once. A double click or a retried post lands
 * on the same window; another session's draft, or an expired one, publishes nothing (410).
 */
export async function publishWindowAction(herald: Herald, session: Session, form: FormData): Promise<PublishResult> {
  const id = String(form.get('draft') ?? '');
  // What the draft answers a retry with: where its publish led (the window's page, saying what was done).
  let led: string | null;
  try {
    led = await herald.console.drafts.publishOnce(id, session.key, herald.now().getTime(), async (d) => {
      const action = d.action;
      if (!isWindowDraft(action)) throw new Conflict('This preview is of an incident, not a maintenance window.', 'not_a_window');
      const windowId = await herald.run(session.actor, (ctx) => publishWindowDraft(ctx, d.id, action));
      // Scheduled under another reference than its preview gave (a window scheduled meanwhile took that one): said there.
      const named =
        action.kind === 'schedule' && action.previewedId && action.previewedId !== windowId
          ? `&named=${encodeURIComponent(action.previewedId)}`
          : '';
      return `/admin/incidents/${encodeURIComponent(windowId)}?done=${action.kind === 'schedule' ? '1' : 'note'}${named}`;
    });
  } catch (err) {
    const r = refusal(err, []);
    const why = Object.values(scheduleRefusal(err).errors).join(' ');
    if (err instanceof Unconfirmed)
      return refused(r.status, { form: `${r.errors.form} Press "Publish now" again: this preview is published once either way.` });
    if (err instanceof HeraldError && (err.code === 'publish_in_progress' || err.code === 'publish_interrupted'))
      return refused(r.status, r.errors);
    // Nothing went out and the draft was given back: the Comms Lead edits it rather than typing it again.
    const kept = await herald.console.drafts.peek(id, session.key, herald.now().getTime()).catch(() => null);
    if (!kept || !isWindowDraft(kept.action)) return refused(r.status, { form: `Nothing was published: ${why}` });
    const editHref = windowEditHref(id, kept.action);
    return { ok: false, status: r.status, errors: { form: `Nothing was published: ${why} Your text is kept in the draft.` }, editHref };
  }
  if (!led) return refused(410, { form: 'This preview has expired or belongs to another session. Nothing was published.' });
  return done(led);
}
