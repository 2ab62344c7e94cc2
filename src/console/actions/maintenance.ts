import type { Herald } from '../../herald.ts';
import type { Session } from '../../auth/sessions.ts';
import type { VerbContext } from '../../domain/context.ts';
import { scheduleMaintenance, type ScheduleInput } from '../../domain/maintenance/schedule.ts';
import { MAINTENANCE_STEPS, type MaintenanceStep } from '../../domain/maintenance/transitions.ts';
import { maintenanceCreateSchema, maintenanceStepSchema } from '../../input/schemas.ts';
import { validId } from '../../input/ids.ts';
import { formFields, refusal, validate, type FieldErrors } from '../forms.ts';
import { maintenanceTemplate } from '../templates.ts';
import { wallClockToIso } from '../zoned-time.ts';
import { formKeyOf, makeOnce, newFormKey, onceKeyOf } from '../form-once.ts';
import { done, refused, type ActionResult } from './result.ts';
import { customerNames } from '../../domain/components/names.ts';
import { formatDuration } from '../../domain/overall.ts';

/** The schedule form's values, as shown (first visit, or again after an error). */
export interface ScheduleValues {
  name: string;
  /** datetime-local values, in the page's time zone. */
  from: string;
  until: string;
  components: string[];
  body: string;
  /** The template the body was prefilled with: left as it is, it is filled in with the chosen components. */
  bodyTemplate: string;
  notify: boolean;
  auto: boolean;
  /** The form's one-time key (form-once.ts): kept when the form is shown again, so its repeat still finds the window. */
  once: string;
}

/** The form's fields are named for people (from, until); the API's for clients (scheduled_for, scheduled_until). */
const FORM_FIELD: Record<string, string> = {
  scheduled_for: 'from',
  scheduled_until: 'until',
  name: 'name',
  body: 'body',
  components: 'components',
};
/**
 * The window's rules as the verb words them for the API (whose README names its fields), said
 * the form's way. The API keeps its words: a client reads the field names.
 */
const IN_FORM_WORDS: Record<string, string> = {
  'scheduled_until must be after scheduled_for.': 'The end must be after the start.',
  'scheduled_until is in the past; a maintenance window must end in the future.': 'The end has passed: a window must end in the future.',
};
/** A schema message opens with the API's field name ("Body must be at most …"): the form's name for it instead. */
const FIELD_WORDS: Record<string, string> = {
  name: 'The name',
  body: 'The notice',
  scheduled_for: 'The start',
  scheduled_until: 'The end',
};
const inFormWords = (message: string): string =>
  IN_FORM_WORDS[message] ?? message.replace(/^(name|body|scheduled_for|scheduled_until)\b/i, (f) => FIELD_WORDS[f.toLowerCase()]!);
/** A verb's or schema's errors keyed and worded for the console's maintenance forms. */
export const onForm = (errors: FieldErrors): FieldErrors =>
  Object.fromEntries(Object.entries(errors).map(([k, v]) => [FORM_FIELD[k] ?? 'form', inFormWords(v)]));

/** The schedule form read: the window to schedule (the verb's input), or why not; and its values, to show it again. */
export type ScheduleRead = { values: ScheduleValues } & ({ input: ScheduleInput } | { errors: FieldErrors });

/**
 * Reads the schedule form through the API's schema, as its submit and its preview do: the body left as the
 * template is filled in with the chosen components.
 */
export function readSchedule(herald: Herald, form: FormData): ScheduleRead {
  const tz = herald.config.SITE_TIMEZONE;
  const f = formFields(form);
  const components = form.getAll('components').filter((v): v is string => typeof v === 'string');
  // Known components only: an unknown one is refused below, and its id, as sent, is no name for the body.
  const db = herald.store.data;
  const names = customerNames(
    db,
    components.flatMap((id) => db.components.find((c) => c.id === id) ?? []),
  );
  const template = maintenanceTemplate(names);
  const body = (f.body ?? '').trim() === (f.body_template ?? '').trim() ? template : (f.body ?? '');
  const values: ScheduleValues = {
    name: f.name ?? '',
    from: f.from ?? '',
    until: f.until ?? '',
    components,
    body,
    // The template as filled now: a notice written by hand, shown again (refused, or "Back to edit"), stays the Comms
    // Lead's; it was taken for the template and replaced by it at the next post.
    bodyTemplate: template,
    notify: form.has('notify'),
    auto: form.has('auto'),
    // A keyless post (a page rendered before keys) gets one now, for its next try after an error.
    once: formKeyOf(form) ?? newFormKey(),
  };
  const errors: FieldErrors = {};
  const from = wallClockToIso(values.from, tz);
  const until = wallClockToIso(values.until, tz);
  if (from.iso === null) errors.from = from.message ?? 'Choose when the window starts.';
  if (until.iso === null) errors.until = until.message ?? 'Choose when the window ends.';
  const parsed = validate(maintenanceCreateSchema, {
    name: values.name,
    scheduled_for: from.iso ?? '',
    scheduled_until: until.iso ?? '',
    components,
    ...(body.trim() ? { body } : {}),
    notify: values.notify,
    auto_transitions: values.auto,
  });
  if (!parsed.ok || Object.keys(errors).length) return { values, errors: { ...(parsed.ok ? {} : onForm(parsed.errors)), ...errors } };
  return { values, input: { ...parsed.data, timeZone: tz } };
}

/** A verb's refusal of a window, worded for the schedule form. */
export function scheduleRefusal(err: unknown): { status: number; errors: FieldErrors } {
  const r = refusal(err, Object.keys(FORM_FIELD));
  return { status: r.status, errors: onForm(r.errors) };
}

/**
 * Reads the schedule form and schedules the window through the API's schema and verb, once per
 * form key: the same form posted again goes to the window the first post made.
 */
export async function scheduleAction(
  herald: Herald,
  session: Session,
  form: FormData,
): Promise<{ result: ActionResult; values: ScheduleValues }> {
  const read = readSchedule(herald, form);
  const { values } = read;
  if ('errors' in read) return { result: refused(422, read.errors), values };
  try {
    const made = await makeOnce(
      herald,
      session.actor,
      onceKeyOf('maintenance', session.key, form),
      (ctx) => scheduleMaintenance(ctx, read.input),
      (m) => ({ id: m.id }),
    );
    const id = 'made' in made ? made.made.id : made.earlier.id;
    return { result: done(`/admin/incidents/${encodeURIComponent(id)}?done=1`), values };
  } catch (err) {
    const r = scheduleRefusal(err);
    return { result: refused(r.status, r.errors), values };
  }
}

/** What the window's page says after each move (its `?done=`); 1 is a window just scheduled. */
export const MAINTENANCE_DONE: Record<string, string> = {
  '1': 'Maintenance scheduled.',
  start: 'Maintenance started.',
  verify: 'Maintenance marked as verifying.',
  complete: 'Maintenance completed.',
  cancel: 'Maintenance cancelled.',
  note: 'Note posted.',
  move: 'Window moved. The page shows the new times (subscribed calendars at their next refresh).',
};

/** A start this many minutes or more before the planned one is asked first: a few minutes early is the usual start. */
const EARLY_START_ASKS_MINUTES = 30;

/**
 * A step asked about and not yet confirmed (a cancel, or a start well before the planned one): what the
 * confirming form posts again, with `confirm`.
 */
export interface StepQuestion {
  step: 'cancel' | 'start';
  name: string;
  /** For a start: how long before its planned start it would begin ("4 days 8 h"). */
  early: string;
  body: string;
  notify: boolean;
  /** The first post's one-time key, so the confirmation posted twice still cancels once. */
  once: string;
}

/**
 * A hand move of a window (start, verify, complete, cancel) with an optional note, from its console
 * page. Posted twice (a double click), the repeat goes where the first went rather than being
 * refused as a move the window already made, which would read as if nothing happened. A cancel is
 * asked first: it cannot be undone and may email every subscriber; so is a start well before the planned one.
 */
export async function stepAction(
  herald: Herald,
  session: Session,
  id: string,
  form: FormData,
): Promise<ActionResult | { ok: 'ask'; question: StepQuestion }> {
  // An id from the URL no window can have (a NUL, another control character) is nobody's: not looked
  // up, and not quoted back, where the verb's message would echo it as it came.
  if (!validId(id)) return refused(404, { form: 'No such maintenance.' });
  const f = formFields(form);
  const step = MAINTENANCE_STEPS[f.step as MaintenanceStep];
  if (!Object.hasOwn(MAINTENANCE_STEPS, f.step ?? '') || !step) return refused(422, { form: 'Unknown step.' });
  const parsed = validate(maintenanceStepSchema, { ...(f.body?.trim() ? { body: f.body } : {}), notify: form.has('notify') });
  if (!parsed.ok) return refused(422, parsed.errors);
  const m = herald.store.data.maintenances.find((x) => x.id === id);
  // Only a window that can still be cancelled, or started, is asked about; the verb refuses any other as it would.
  if (f.confirm !== '1' && m?.status === 'scheduled') {
    const ask = (step: StepQuestion['step'], early = '') => ({
      ok: 'ask' as const,
      question: { step, name: m.name, early, body: f.body ?? '', notify: parsed.data.notify === true, once: formKeyOf(form) ?? '' },
    });
    if (f.step === 'cancel') return ask('cancel');
    // Started, a window cannot go back to scheduled (only be completed): one started hours or days early by a
    // slip of the finger would show its components under maintenance until then.
    const ahead = Math.round((Date.parse(m.scheduled_for) - herald.now().getTime()) / 60_000);
    if (f.step === 'start' && ahead > EARLY_START_ASKS_MINUTES) return ask('start', formatDuration(ahead));
  }
  return madeOnWindow(herald, session, id, form, f.step as MaintenanceStep, (ctx) => step(ctx, id, parsed.data));
}

/**
 * A step or a note made once under its form's one-time key (posted twice, the repeat goes where the first
 * went), then to the window's page saying what was done (`done=<what>`); refused, its message by the note.
 */
export async function madeOnWindow(
  herald: Herald,
  session: Session,
  id: string,
  form: FormData,
  what: string,
  make: (ctx: VerbContext) => unknown,
): Promise<ActionResult> {
  try {
    await makeOnce(herald, session.actor, onceKeyOf('step', session.key, form), make, () => ({ id }));
    return done(`/admin/incidents/${encodeURIComponent(id)}?done=${what}`);
  } catch (err) {
    const r = refusal(err, ['body']);
    return refused(r.status, r.errors);
  }
}
