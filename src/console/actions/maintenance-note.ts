import type { Herald } from '../../herald.ts';
import type { Session } from '../../auth/sessions.ts';
import { noteMaintenance } from '../../domain/maintenance/transitions.ts';
import { maintenanceNoteSchema } from '../../input/schemas.ts';
import { validId } from '../../input/ids.ts';
import { formFields, refusal, validate } from '../forms.ts';
import { makeOnce, onceKeyOf } from '../form-once.ts';
import { done, refused, type ActionResult } from './result.ts';

/**
 * A note on a window from its console page (`step=note`): offered when a step was refused because the
 * window moved on meanwhile (the timer completed it, another tab cancelled it), so what the Comms Lead
 * typed for the step can still reach the page, and subscribers when "Email subscribers" stays ticked.
 * A note is possible in every status. Posted twice, it is posted once (its form's one-time key).
 */
export async function noteAction(herald: Herald, session: Session, id: string, form: FormData): Promise<ActionResult> {
  if (!validId(id)) return refused(404, { form: 'No such maintenance.' });
  const f = formFields(form);
  if (!f.body?.trim()) return refused(422, { body: 'Write the note.' });
  const parsed = validate(maintenanceNoteSchema, { body: f.body, notify: form.has('notify') });
  if (!parsed.ok) return refused(422, parsed.errors);
  try {
    await makeOnce(
      herald,
      session.actor,
      onceKeyOf('step', session.key, form),
      (ctx) => noteMaintenance(ctx, id, parsed.data),
      () => ({ id }),
    );
    return done(`/admin/incidents/${encodeURIComponent(id)}?done=note`);
  } catch (err) {
    const r = refusal(err, ['body']);
    return refused(r.status, r.errors);
  }
}
