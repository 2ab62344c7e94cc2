import { when } from './format.ts';
import { FIELD_LABEL, LEVEL_HEADING } from './settings-changes.ts';

/**
 * The audit log in plain words for the console: what was done ("Declared incident"), by whom ("the
 * admin token (API)") and its details as "Key: value" lines. The codes stay in the data, and the page
 * shows them beside the words, for operators who grep logs or read the API.
 */
const ACTIONS: Record<string, string> = {
  'incident.declare': 'Declared incident',
  'incident.update': 'Posted incident update',
  'incident.severity': 'Changed incident severity',
  'incident.update.correct': 'Corrected incident update',
  'incident.name.correct': 'Corrected incident name',
  'incident.withdraw': 'Withdrew incident published in error',
  'incident.postmortem': 'Saved postmortem',
  'incident.late_notice': 'Disruption notice fell due',
  'maintenance.schedule': 'Scheduled maintenance',
  'maintenance.reschedule': 'Moved maintenance window',
  'maintenance.remind': 'Maintenance reminder fell due',
  'maintenance.start': 'Started maintenance',
  'maintenance.verify': 'Maintenance verifying',
  'maintenance.complete': 'Completed maintenance',
  'maintenance.cancel': 'Cancelled maintenance',
  'maintenance.note': 'Posted maintenance note',
  'maintenance.name.correct': 'Corrected maintenance name',
  'component.create': 'Added component',
  'component.edit': 'Edited component',
  'component.delete': 'Deleted component',
  'group.edit': 'Edited group',
  'channel.create': 'Added channel',
  'channel.edit': 'Edited channel',
  'channel.delete': 'Removed channel',
  'channel.pause': 'Paused channel',
  'channel.resume': 'Resumed channel',
  'channel.disable': 'Disabled channel',
  'channel.secret': 'Replaced webhook signing secret',
  'settings.update': 'Changed settings',
  'subscriber.remove': 'Removed subscriber',
  'subscriber.unsuppress': "Cleared a subscriber's suppression",
  'delivery.retry': 'Retried a failed email',
  'deliveries.retry_all': "Retried a notice's failed emails",
  'deliveries.resume': 'Resumed sending email',
  'session.sign_in': 'Signed in to the console',
  'session.sign_out': 'Signed out of the console',
};

/** "Declared incident" for `incident.declare`; a code this console does not know, as it is. */
export function actionLabel(action: string): string {
  return ACTIONS[action] ?? action;
}

type Described = { action: string; detail?: unknown; previous?: unknown };
const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/**
 * An event's action in words, where its record says more than its code: a postmortem saved as a draft
 * over a published one was withdrawn, which "Saved postmortem" alone hides.
 */
export function eventLabel(e: Described): string {
  if (e.action === 'incident.postmortem') {
    const was = asRecord(e.previous)?.published_at;
    const now = asRecord(e.detail)?.published;
    if (was && now === false) return 'Withdrew postmortem (unpublished, back to a draft)';
    if (!was && now === true) return 'Published postmortem';
  }
  return actionLabel(e.action);
}

/**
 * Who acted. A console session is named at sign-in (the name typed, `comms-lead` when none was); the
 * API's token, the timer and the channel sender act under fixed names.
 */
export function actorLabel(actor: string): string {
  if (actor.startsWith('console:')) {
    const name = actor.slice('console:'.length);
    return name === 'comms-lead' ? 'A signed-in Comms Lead (no name given)' : `Signed-in Comms Lead ${name}`;
  }
  if (actor === 'admin-token') return 'The admin token (API)';
  if (actor === 'timer') return 'Herald, on schedule';
  if (actor === 'channels') return "Herald's channel sender";
  if (actor === 'seed') return 'The demo content';
  return actor;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** A value as a line of text: times in the site's zone, lists joined, "none" for nothing, yes/no. */
function valueText(v: unknown, tz: string): string {
  if (v === null || v === undefined || v === '') return 'none';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string') return ISO_TIME.test(v) ? when(v, tz) : v;
  if (Array.isArray(v)) return v.length ? v.map((x) => valueText(x, tz)).join(', ') : 'none';
  if (typeof v === 'object')
    return lines(v as Record<string, unknown>, tz)
      .map(([k, x]) => `${k}: ${x}`)
      .join('; ');
  return String(v);
}

/** `scheduled_for` → "Scheduled for". */
const keyText = (key: string) => {
  const words = key.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/**
 * A record's fields as lines. A component's group is stored by id and, since the audit names groups,
 * with its name beside it (`group_name`): shown by the name, as the group was called then.
 */
function lines(o: Record<string, unknown>, tz: string): Array<[string, string]> {
  const named =
    'group_name' in o
      ? Object.entries(o).flatMap(([k, v]) => (k === 'group_name' ? [] : [[k, k === 'group' ? o.group_name : v] as const]))
      : Object.entries(o);
  return named.map(([k, v]) => [keyText(k), valueText(v, tz)]);
}

/** "Dashboard → Web dashboard": a change as before and after. */
const changeText = (c: unknown, tz: string): string => {
  const { from, to } = asRecord(c) ?? {};
  return `${valueText(from, tz)} → ${valueText(to, tz)}`;
};

/** Which secret a sign-in used (`via`): the name is free text, this is what vouches for it. */
const SIGNED_IN_WITH: Record<string, string> = { token: 'the admin token', password: 'the console password (ADMIN_PASSWORD)' };

/** Keys of a detail told in lines of their own (changes), not as "Key: value". */
const CHANGE_KEYS = new Set(['changes', 'levels', 'levels_added', 'levels_removed', 'level_order']);

/**
 * An event's detail as lines an investigator reads: each change "Name: Dashboard → Web dashboard"
 * (a setting by its label on the settings form, a severity level's field by level and column), then
 * the rest as "Key: value". A fact the changes already tell (a component's new status) is not told twice.
 */
export function eventDetailLines(detail: unknown, tz: string, action = ''): Array<[string | null, string]> {
  const d = asRecord(detail);
  if (!d) return detail === undefined ? [] : detailLines(detail, tz);
  if (action === 'session.sign_in' && typeof d.via === 'string') return [['With', SIGNED_IN_WITH[d.via] ?? d.via]];
  const settings = action === 'settings.update';
  const out: Array<[string | null, string]> = [];
  for (const [key, c] of Object.entries(asRecord(d.changes) ?? {}))
    out.push([(settings && FIELD_LABEL[key]) || keyText(key), changeText(c, tz)]);
  for (const [level, fields] of Object.entries(asRecord(d.levels) ?? {})) {
    for (const [key, c] of Object.entries(asRecord(fields) ?? {}))
      out.push([`Level ${level}, ${LEVEL_HEADING[key] ?? keyText(key)}`, changeText(c, tz)]);
  }
  for (const [level, label] of Object.entries(asRecord(d.levels_added) ?? {}))
    out.push([`Level ${level}`, `added (${valueText(label, tz)})`]);
  for (const [level, label] of Object.entries(asRecord(d.levels_removed) ?? {}))
    out.push([`Level ${level}`, `removed (was ${valueText(label, tz)})`]);
  if (d.level_order !== undefined) out.push(['Level order, most severe first', changeText(d.level_order, tz)]);
  const told = new Set(Object.keys(asRecord(d.changes) ?? {}));
  const rest = Object.fromEntries(Object.entries(d).filter(([k]) => !CHANGE_KEYS.has(k) && !told.has(k)));
  return [...out, ...(Object.keys(rest).length ? lines(rest, tz) : [])];
}

/**
 * A previous value as lines: as detailLines, except that the settings' severity levels, which joined made one
 * long line, are one line each.
 */
export function previousLines(previous: unknown, tz: string, action = ''): Array<[string | null, string]> {
  const p = asRecord(previous);
  if (action !== 'settings.update' || !p || !Array.isArray(p.severities)) return detailLines(previous, tz);
  const { severities, ...fields } = p;
  const levels = (severities as unknown[]).map((l): [string, string] => [`Level ${String(asRecord(l)?.id ?? '?')}`, valueText(l, tz)]);
  const named = Object.entries(fields).map(([k, v]): [string, string] => [FIELD_LABEL[k] ?? keyText(k), valueText(v, tz)]);
  return [...named, ...levels];
}

/**
 * A detail or a previous value as "Key: value" lines; a value that is not an object (a corrected
 * update's old text) as one line with no key.
 */
export function detailLines(value: unknown, tz: string): Array<[string | null, string]> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return lines(value as Record<string, unknown>, tz);
  return [[null, valueText(value, tz)]];
}
