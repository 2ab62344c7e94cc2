import type { Herald } from '../../herald.ts';
import type { Session } from '../../auth/sessions.ts';
import { noteMaintenance } from '../../domain/maintenance/transitions.ts';
import { Unavailable } from '../../domain/errors.ts';
import { maintenanceNoteSchema } from '../../input/schemas.ts';
import { validId } from '../../input/ids.ts';
import { formFields, refusal, validate } from '../forms.ts';
import { formKeyOf, newFormKey } from '../form-once.ts';
import type { NoteDraft } from '../maintenance-draft.ts';
import type { ActionResult } from './result.ts';
import { madeOnWindow } from './maintenance.ts';
import { previewWindowDraft, windowOnce, type WindowPreview } from './maintenance-preview.ts';

/** The note form read: what the verb takes, or why not (the status and the errors by field). */
function readNote(id: string, form: FormData): { input: NoteDraft['input'] } | { result: ActionResult & { ok: false } } {
  if (!validId(id)) return { result: { ok: false, status: 404, errors: { form: 'No such maintenance.' } } };
  const f = formFields(form);
  if (!f.body?.trim()) return { result: { ok: false, status: 422, errors: { body: 'Write the note.' } } };
  const parsed = validate(maintenanceNoteSchema, { body: f.body, notify: form.has('notify') });
  if (!parsed.ok) return { result: { ok: false, status: 422, errors: parsed.errors } };
  return { input: { body: parsed.data.body, notify: parsed.data.notify === true } };
}

/**
 * A note on a window from its console page (`step=note`): offered when a step was refused because the
 * window moved on meanwhile (the timer completed it, another tab cancelled it), so what the Comms Lead
 * typed for the step can still reach the page, and subscribers when "Email subscribers" stays ticked.
 * A note is possible in every status. Posted twice, it is posted once (its form's one-time key).
 */
export async function noteAction(herald: Herald, session: Session, id: string, form: FormData): Promise<ActionResult> {
  const read = readNote(id, form);
  if ('result' in read) return read.result;
  return madeOnWindow(herald, session, id, form, 'note', (ctx) => noteMaintenance(ctx, id, read.input));
}

/**
 * The note form's Preview: the note on a copy of the window (nothing is posted) and, with "Email subscribers"
 * ticked, its email as sent; kept for "Publish now", which posts it once (as the form's own submit would: the same
 * form posted then finds it). Refused as its submit would be.
 */
export async function previewNoteAction(
  herald: Herald,
  session: Session,
  id: string,
  form: FormData,
): Promise<WindowPreview | (ActionResult & { ok: false })> {
  const read = readNote(id, form);
  if ('result' in read) return read.result;
  const formKey = formKeyOf(form) ?? newFormKey();
  const action: NoteDraft = {
    kind: 'note',
    maintenanceId: id,
    input: read.input,
    formKey,
    ...windowOnce('step', session, form, { id, ...read.input }),
  };
  try {
    return await previewWindowDraft(herald, session, action);
  } catch (err) {
    if (err instanceof Unavailable) return { ok: false, status: 503, errors: { form: err.message } };
    const r = refusal(err, ['body']);
    return { ok: false, status: r.status, errors: r.errors };
  }
}
