import type { Herald } from '../../herald.ts';
import type { Session } from '../../auth/sessions.ts';
import type { Draft } from '../../store/console/port.ts';
import { Conflict, HeraldError, Unavailable, Unconfirmed } from '../../domain/errors.ts';
import { onCopy, previewNotice, type PreviewedMail } from '../../publish/preview.ts';
import { formKeyOf, onceKey } from '../form-once.ts';
import { refusal, type FieldErrors } from '../forms.ts';
import {
  isScheduleDraft,
  scheduledUnder,
  scheduleEditHref,
  scheduleOn,
  scheduleOnce,
  type ConsoleDraftAction,
  type ScheduleDraft,
  type ScheduleRun,
} from '../maintenance-draft.ts';
import { readSchedule, scheduleRefusal, type ScheduleValues } from './maintenance.ts';
import { done, refused } from './result.ts';
import type { PublishResult } from './incident.ts';

/** What the window's preview shows: the draft kept for publishing and what it makes, or the form again with its errors. */
export type SchedulePreview =
  | (ScheduleRun & {
      ok: true;
      draft: Draft<ConsoleDraftAction>;
      /** The notice subscribers get now ("Email subscribers now" ticked), or null. */
      email: PreviewedMail | null;
      /** The window this form scheduled already (previewed or submitted before), whose publish this draft's finds. */
      publishedAs: string | null;
    })
  | { ok: false; status: number; values: ScheduleValues; errors: FieldErrors };

/**
 * The schedule form, previewed: the schedule verb on a copy of the data (nothing is saved), and the draft kept for
 * this session so that "Publish now" hands exactly this to the verb. Refused as its submit would be.
 */
export async function previewScheduleAction(herald: Herald, session: Session, form: FormData): Promise<SchedulePreview> {
  const read = readSchedule(herald, form);
  const { values } = read;
  if ('errors' in read) return { ok: false, status: 422, values, errors: read.errors };
  const formKey = formKeyOf(form);
  // As an incident draft's (previewAction): the fields as posted, which a submit of the same form records too, and
  // the window they make, which the form drawn again by "Back to edit" makes from other bytes.
  const keys = formKey ? [onceKey('maintenance', session.key, formKey, form), onceKey('draft', session.key, formKey, read.input)] : [];
  const action: ScheduleDraft = { kind: 'schedule', input: read.input, values, ...(formKey ? { once: { formKey, keys } } : {}) };
  let run: ScheduleRun;
  try {
    run = scheduleOn(onCopy(herald, session.actor), read.input);
  } catch (err) {
    return { ok: false, ...scheduleRefusal(err), values };
  }
  const email = read.input.notify ? await previewNotice(herald, run.db, run.window, run.update, 'maintenance') : null;
  try {
    const draft = await herald.console.drafts.save(session.key, action, herald.now().getTime(), email?.mail.html);
    return { ok: true, ...run, draft, email, publishedAs: scheduledUnder(herald.store.data, action, herald.now()) };
  } catch (err) {
    // The drafts cannot be kept (PostgreSQL down): the form again, as filled in, with why.
    if (err instanceof Unavailable) return { ok: false, status: 503, values, errors: { form: err.message } };
    throw err;
  }
}

/**
 * "Publish now" on a window's preview: schedules this session's draft once. A double click or a retried post lands
 * on the same window; another session's draft, or an expired one, schedules nothing (410).
 */
export async function publishScheduleAction(herald: Herald, session: Session, form: FormData): Promise<PublishResult> {
  const id = String(form.get('draft') ?? '');
  let windowId: string | null;
  try {
    windowId = await herald.console.drafts.publishOnce(id, session.key, herald.now().getTime(), (d) => {
      const action = d.action;
      if (!isScheduleDraft(action)) throw new Conflict('This preview is of an incident, not a maintenance window.', 'not_a_window');
      return herald.run(session.actor, (ctx) => scheduleOnce(ctx, d.id, action));
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
    if (!kept || !isScheduleDraft(kept.action)) return refused(r.status, { form: `Nothing was published: ${why}` });
    return {
      ok: false,
      status: r.status,
      errors: { form: `Nothing was published: ${why} Your text is kept in the draft.` },
      editHref: scheduleEditHref(id),
    };
  }
  if (!windowId) return refused(410, { form: 'This preview has expired or belongs to another session. Nothing was published.' });
  return done(`/admin/incidents/${encodeURIComponent(windowId)}?done=1`);
}
