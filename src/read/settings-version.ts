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

/**
 * A save that finds the settings already as it would make them (its own retry, a double-submitted form, or
 * someone else saving the same): thrown from inside the write so that nothing is written (a throw leaves the
 * document unchanged, on both engines) and no second audit entry is made; the caller answers success with
 * `settings`.
 */
export class AlreadySaved extends Error {
  readonly settings: Settings;
  constructor(settings: Settings) {
    super('The settings already are as submitted.');
    this.name = 'AlreadySaved';
    this.settings = settings;
  }
}

/**
 * Throws AlreadySaved when the settings already equal `next` (compared as their versions: the stored schema's
 * canonical form), whatever was expected: a save that changes nothing writes nothing and audits nothing.
 * Otherwise refuses (Stale) when `expected` is given and the settings are none of those versions. Run inside
 * the write.
 */
export function requireSettingsVersion(current: Settings, expected: string | string[] | undefined, next: Settings, field?: string): void {
  const version = settingsVersion(current);
  if (version === settingsVersion(next)) throw new AlreadySaved(current);
  if (expected === undefined) return;
  if ([expected].flat().includes(version)) return;
  throw new Stale(
    'The settings were changed by someone else since you read them; nothing was saved. Read them again and make your change there.',
    field,
  );
}
