import { createHash } from 'node:crypto';
import { type Settings, settingsSchema } from '../domain/settings.ts';
import { Stale } from '../domain/errors.ts';

/**
 * A tag of the settings as they are: the API's ETag and the settings form's
 * `version`. Settings are one document replaced whole, so an editor who read
 * an older version would otherwise put back what another changed meanwhile.
 */
export function settingsVersion(settings: Settings): string {
  // Through the stored schema first (it reads what was saved under older rules too): its output has the schema's key order, however the copy in hand was made.
  const canonical = JSON.stringify(settingsSchema.parse(settings));
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}

/** Refuses (Stale) when `expected` is given and the settings are none of those versions. Run inside the write. */
export function requireSettingsVersion(current: Settings, expected: string | string[] | undefined, field?: string): void {
  if (expected === undefined || [expected].flat().includes(settingsVersion(current))) return;
  throw new Stale(
    'The settings were changed by someone else since you read them; nothing was saved. Read them again and make your change there.',
    field,
  );
}
