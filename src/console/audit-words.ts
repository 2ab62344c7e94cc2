import { when } from './format.ts';

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
};

/** "Declared incident" for `incident.declare`; a code this console does not know, as it is. */
export function actionLabel(action: string): string {
  return ACTIONS[action] ?? action;
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

function lines(o: Record<string, unknown>, tz: string): Array<[string, string]> {
  return Object.entries(o).map(([k, v]) => [keyText(k), valueText(v, tz)]);
}

/**
 * A detail or a previous value as "Key: value" lines; a value that is not an object (a corrected
 * update's old text) as one line with no key.
 */
export function detailLines(value: unknown, tz: string): Array<[string | null, string]> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return lines(value as Record<string, unknown>, tz);
  return [[null, valueText(value, tz)]];
}
