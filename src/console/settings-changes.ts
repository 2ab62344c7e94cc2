import type { SeverityLevel, Settings } from '../domain/settings.ts';

/** The settings form's own words for each field: the notices' fields by their labels, a level's by its column. */
export const FIELD_LABEL: Record<string, string> = { audience: 'Audience', signoff: 'Sign-off', support_contact: 'Support contact' };
export const LEVEL_HEADING: Record<string, string> = {
  id: 'Id',
  label: 'Label',
  description: 'Customers read',
  impact: 'Impact',
  update_every_minutes: 'Update every (min)',
  email_subscribers: 'Email',
  email_every_update: 'Every update',
  email_after_minutes: 'Email after (min)',
  postmortem_due_hours: 'Review due (h)',
  postmortem_overdue_hours: 'Overdue (h)',
};

const shown = (v: unknown): string =>
  v === null || v === undefined || v === '' ? '(empty)' : v === true ? 'yes' : v === false ? 'no' : String(v);

/**
 * What an editor changed in the settings they read, one line per field in the form's words
 * ("Support contact: help@acme.example", "Level sev2, “Update every (min)”: 15"): what a save
 * refused as made over someone else's would otherwise lose, listed for its editor to make again.
 * Levels are matched by id, as the scheme names them.
 */
export function unsavedChanges(mine: Settings, read: Settings): string[] {
  const lines: string[] = [];
  for (const key of Object.keys(FIELD_LABEL) as Array<keyof Settings>) {
    if ((mine[key] ?? null) !== (read[key] ?? null)) lines.push(`${FIELD_LABEL[key]}: ${shown(mine[key])}`);
  }
  const theirs = new Map(read.severities.map((l) => [l.id, l]));
  for (const level of mine.severities) {
    const other = theirs.get(level.id);
    if (!other) {
      lines.push(`Level ${level.id} (${level.label}): added`);
      continue;
    }
    for (const key of Object.keys(LEVEL_HEADING) as Array<keyof SeverityLevel>) {
      if ((level[key] ?? null) !== (other[key] ?? null)) lines.push(`Level ${level.id}, “${LEVEL_HEADING[key]}”: ${shown(level[key])}`);
    }
  }
  for (const level of read.severities) if (!mine.severities.some((l) => l.id === level.id)) lines.push(`Level ${level.id}: removed`);
  return lines;
}
