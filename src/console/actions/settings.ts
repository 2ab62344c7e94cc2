import type { Herald } from '../../herald.ts';
import type { Settings } from '../../domain/settings.ts';
import { settingsInputSchema } from '../../input/schemas.ts';
import { updateSettings } from '../../domain/settings-update.ts';
import { AlreadySaved, requireSettingsVersion, settingsVersion } from '../../read/settings-version.ts';
import { Stale } from '../../domain/errors.ts';
import { formFields, refusal, type FieldErrors } from '../forms.ts';
import { actorName, when } from '../format.ts';
import { done, refused, type ActionResult } from './result.ts';
import { FIELD_LABEL, LEVEL_HEADING, unsavedChanges } from '../settings-changes.ts';

const sentenceStart = (words: string) => words.charAt(0).toUpperCase() + words.slice(1);

/** The rows of the levels table: the scheme may have 2 to 6 levels. */
export const LEVEL_ROWS = 6;

const LEVEL_TEXT = ['id', 'label', 'description', 'impact'] as const;
const LEVEL_NUMBERS = ['update_every_minutes', 'email_after_minutes', 'postmortem_due_hours', 'postmortem_overdue_hours'] as const;
const LEVEL_CHECKS = ['email_subscribers', 'email_every_update'] as const;

/** A number field: empty is null (no cadence, no delay, no review); anything else goes to the schema as a number or as typed. */
const numberOrNull = (v: string | undefined) => {
  const t = (v ?? '').trim();
  if (t === '') return null;
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
};

/**
 * The settings form as the document `PUT /api/admin/settings` takes: the
 * same schema checks both. A row with every text field empty is no level.
 */
export function settingsFromForm(form: FormData): unknown {
  const f = formFields(form);
  const severities: unknown[] = [];
  for (let i = 0; i < LEVEL_ROWS; i++) {
    const at = (name: string) => f[`level.${i}.${name}`];
    if (LEVEL_TEXT.every((n) => !(at(n) ?? '').trim()) || (!at('id')?.trim() && !at('label')?.trim())) continue;
    const row: Record<string, unknown> = {};
    for (const n of LEVEL_TEXT) row[n] = at(n) ?? '';
    for (const n of LEVEL_NUMBERS) row[n] = numberOrNull(at(n));
    for (const n of LEVEL_CHECKS) row[n] = form.has(`level.${i}.${n}`);
    severities.push(row);
  }
  const optional = (v: string | undefined) => ((v ?? '').trim() === '' ? null : v);
  return { audience: f.audience ?? '', signoff: optional(f.signoff), support_contact: optional(f.support_contact), severities };
}

/** The levels table's column headings (LEVEL_HEADING): a level's error names its field as the table does, not as the API does. */
const LEVEL_FIELD = new RegExp(`\\b(${Object.keys(LEVEL_HEADING).join('|')})\\b`, 'g');

/**
 * A level's schema message in the table's words: “Update every (min)” must be …, or left empty (the API's
 * null). Quoted text is what was typed (an id such as "sev-label-1" is used twice) and stays as it is.
 */
export const levelMessage = (message: string): string =>
  message
    .split(/("[^"]*")/)
    .map((part, i) => (i % 2 ? part : part.replace(LEVEL_FIELD, (f) => `“${LEVEL_HEADING[f]}”`)))
    .join('')
    .replace(/ or null$/, ', or left empty');

/** The form's other fields, named by their labels (FIELD_LABEL: "Support contact must be…", not "Support_contact must be…"). */
const fieldMessage = (message: string): string => message.replace(/^(audience|signoff|support_contact)\b/, (f) => FIELD_LABEL[f]!);

/** Zod's path as the form's field name: severities.2.label → level.2.label. */
const fieldName = (path: PropertyKey[]): string =>
  path[0] === 'severities' ? (path.length > 1 ? `level.${path.slice(1).map(String).join('.')}` : 'severities') : String(path[0] ?? 'form');

export async function settingsAction(
  herald: Herald,
  actor: string,
  form: FormData,
): Promise<ActionResult & { values?: unknown; stale?: boolean; unsaved?: string[] }> {
  const input = settingsFromForm(form);
  const parsed = settingsInputSchema.safeParse(input);
  if (!parsed.success) {
    const errors: FieldErrors = {};
    for (const issue of parsed.error.issues) {
      const message = fieldName(issue.path).startsWith('level.') ? levelMessage(issue.message) : fieldMessage(issue.message);
      errors[fieldName(issue.path)] ??= sentenceStart(message);
    }
    return { ...refused(422, errors), values: input };
  }
  // The version the form was read at: someone else's save since then is not put back by this one.
  const version = formFields(form).version || undefined;
  try {
    await herald.run(actor, (ctx) => {
      requireSettingsVersion(ctx.db.settings, version, parsed.data as Settings);
      return updateSettings(ctx, parsed.data as Settings);
    });
  } catch (err) {
    // A double-submitted form: the first submit saved exactly this, so this one is done too.
    if (err instanceof AlreadySaved) return done('/admin/settings?done=1');
    const r = refusal(err, []);
    if (!(err instanceof Stale)) return { ...refused(r.status, r.errors), values: input };
    // The page shows the settings as saved now, and who saved them.
    const last = herald.store.data.audit.findLast((a) => a.action === 'settings.update');
    const who = last
      ? `${sentenceStart(actorName(last.actor))} saved the settings at ${when(last.at, herald.config.SITE_TIMEZONE)} while you were editing.`
      : 'The settings were saved by someone else while you were editing.';
    // What this editor changed is not put over theirs, nor lost: listed, to make again on the form as it is now.
    const read = settingsRead(herald, version);
    const unsaved = read ? unsavedChanges(parsed.data as Settings, read) : [];
    return { ...refused(r.status, { form: `${who} The form now shows what is saved: make your change again.` }), stale: true, unsaved };
  }
  return done('/admin/settings?done=1');
}

/**
 * The settings as a form read them, found by its version among those the audit log keeps (each save
 * records what it replaced): what the editor changed is what differs from these, not from the save
 * made since. Null when the log no longer has them.
 */
function settingsRead(herald: Herald, version: string | undefined): Settings | null {
  if (!version) return null;
  for (const entry of herald.store.data.audit.toReversed()) {
    if (entry.action !== 'settings.update' || !entry.previous) continue;
    try {
      if (settingsVersion(entry.previous as Settings) === version) return entry.previous as Settings;
    } catch {
      // A record from older rules that the stored schema no longer reads: not the one.
    }
  }
  return null;
}
