import type { Herald } from '../../herald.ts';
import type { Session } from '../../auth/sessions.ts';
import { noteMaintenance } from '../../domain/maintenance/transitions.ts';
import { maintenanceNoteSchema } from '../../input/schemas.ts';
import { validId } from '../../input/ids.ts';
import { formFields, validate } from '../forms.ts';
import { refused, type ActionResult } from './result.ts';
import { madeOnWindow } from './maintenance.ts';

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
  return madeOnWindow(herald, session, id, form, 'note', (ctx) => noteMaintenance(ctx, id, parsed.data));
}
