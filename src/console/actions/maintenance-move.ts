import type { Herald } from '../../herald.ts';
import type { Session } from '../../auth/sessions.ts';
import type { Maintenance } from '../../domain/model.ts';
import { rescheduleMaintenance } from '../../domain/maintenance/reschedule.ts';
import { maintenanceRescheduleSchema } from '../../input/schemas.ts';
import { validId } from '../../input/ids.ts';
import { formFields, refusal, validate, type FieldErrors } from '../forms.ts';
import { isoToWallClock, wallClockToIso } from '../zoned-time.ts';
import { formKeyOf, makeOnce, newFormKey, onceKeyOf } from '../form-once.ts';
import { onForm } from './maintenance.ts';
import { done, refused, type ActionResult } from './result.ts';
import { madeUnder } from '../../domain/once.ts';

const movedTo = (id: string) => `/admin/incidents/${encodeURIComponent(id)}?done=move`;

/** The move form's values, as shown (the window's times on first visit, what was typed after an error). */
export interface MoveValues {
  /** datetime-local values, in the page's time zone; `from` is not offered once the window has started. */
  from: string;
  until: string;
  body: string;
  notify: boolean;
  /** The form's one-time key, kept when the form is shown again. */
  once: string;
  /** The window as the form showed it (its `sequence` and status): a move made on a window changed since is refused. */
  seen: string;
}

/** The window as a form shows it: moved (sequence), started or over (status) since, it is another window to move. */
const seenOf = (m: Maintenance): string => `${m.sequence}:${m.status}`;

/** The form as a window's page first shows it: its times as they stand. */
export function moveValues(m: Maintenance, timeZone: string): MoveValues {
  return {
    from: isoToWallClock(m.scheduled_for, timeZone),
    until: isoToWallClock(m.scheduled_until, timeZone),
    body: '',
    notify: false,
    once: newFormKey(),
    seen: seenOf(m),
  };
}

const UNCHANGED = 'the window already has these times.';
/** How the verb (rescheduleMaintenance) refuses a move to the times a window already has. */
const UNCHANGED_BY_VERB = 'The window is already scheduled at these times.';

/**
 * Moves a window from its console page (the admin API's reschedule): both ends while it is
 * scheduled, only the end once it has started. A time left as the form showed it is not sent, so
 * a window scheduled through the API to the second keeps its second. Once per form key.
 */
export async function moveAction(
  herald: Herald,
  session: Session,
  id: string,
  form: FormData,
): Promise<{ result: ActionResult; values: MoveValues | null }> {
  const m = validId(id) ? herald.store.data.maintenances.find((x) => x.id === id) : undefined;
  if (!m) return { result: refused(404, { form: 'No such maintenance.' }), values: null };
  const tz = herald.config.SITE_TIMEZONE;
  const f = formFields(form);
  const shown = moveValues(m, tz);
  const values: MoveValues = {
    from: f.from ?? shown.from,
    until: f.until ?? shown.until,
    body: f.body ?? '',
    notify: form.has('notify'),
    once: formKeyOf(form) ?? newFormKey(),
    seen: f.seen ?? shown.seen,
  };
  const key = onceKeyOf('step', session.key, form);
  // This very form moved it a moment ago (a double click): where the first post went.
  if (key && madeUnder(herald.store.data, key, herald.now())) return { result: done(movedTo(id)), values };
  if (values.seen !== shown.seen) {
    // What was typed stays; the form shown again is read from the window as it is now.
    const fresh = { ...values, ...(m.status === 'scheduled' ? {} : { from: shown.from }), seen: shown.seen };
    const [change, now] =
      m.status === 'scheduled'
        ? ['was moved', 'Check the times below']
        : m.status === 'completed'
          ? ['is over', 'Nothing can move now']
          : ['has started', 'Only its end can move now'];
    const form = `The window ${change} since you opened this form, so it was not moved. ${now}.`;
    return { result: refused(409, { form }), values: fresh };
  }
  const errors: FieldErrors = {};
  const input: Record<string, unknown> = { notify: values.notify, ...(values.body.trim() ? { body: values.body } : {}) };
  const read = (field: 'from' | 'until', api: 'scheduled_for' | 'scheduled_until', missing: string) => {
    if (values[field] === shown[field]) return;
    const r = wallClockToIso(values[field], tz);
    if (r.iso === null) errors[field] = r.message ?? missing;
    else input[api] = r.iso;
  };
  if (m.status === 'scheduled') read('from', 'scheduled_for', 'Choose when the window starts.');
  read('until', 'scheduled_until', 'Choose when the window ends.');
  if (Object.keys(errors).length) return { result: refused(422, errors), values };
  // Nothing changed: the verb refuses it, in words the catch below turns into the form's.
  if (!('scheduled_for' in input) && !('scheduled_until' in input)) input.scheduled_until = m.scheduled_until;
  const parsed = validate(maintenanceRescheduleSchema, input);
  if (!parsed.ok) return { result: refused(422, onForm(parsed.errors)), values };
  try {
    await makeOnce(
      herald,
      session.actor,
      key,
      (ctx) => rescheduleMaintenance(ctx, id, { ...parsed.data, timeZone: tz }),
      () => ({ id }),
    );
    return { result: done(movedTo(id)), values };
  } catch (err) {
    const r = refusal(err, ['scheduled_for', 'scheduled_until', 'body']);
    const errors = onForm(r.errors);
    if (errors.from === UNCHANGED_BY_VERB) {
      delete errors.from;
      if (m.status === 'scheduled') errors.from = `Change the start or the end: ${UNCHANGED}`;
      else errors.until = `Change the end: ${UNCHANGED}`;
    }
    return { result: refused(r.status, errors), values };
  }
}
