import { SEVERITY_LEVEL_FIELDS, type SeverityLevel, type Settings } from './settings.ts';

/** One field's value before and after a change, as the audit records it. */
export interface Change {
  from: unknown;
  to: unknown;
}
export type Changes = Record<string, Change>;

/** Equal as stored: compared as JSON, so a list or an object of the same content is no change. */
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * The fields of `keys` that differ between two versions of a record, each as `{ from, to }`: only what
 * changed, so an investigator reads the edit and not the record again.
 */
export function changedFields<T extends object>(before: T, after: T, keys: ReadonlyArray<keyof T & string>): Changes {
  const out: Changes = {};
  for (const key of keys) if (!same(before[key], after[key])) out[key] = { from: before[key] ?? null, to: after[key] ?? null };
  return out;
}

/** What a settings save changed: the notices' fields, each level's fields by its id, levels added, removed or reordered. */
export interface SettingsChanges {
  changes?: Changes;
  levels?: Record<string, Changes>;
  levels_added?: Record<string, string>;
  levels_removed?: Record<string, string>;
  level_order?: Change;
}

/**
 * The difference of two settings documents. Levels are matched by id, as incidents and the scheme name
 * them: a level's new label is a change of that level, not one removed and another added. An added or
 * removed level is named with its label (what it was called then).
 */
export function settingsChanges(before: Settings, after: Settings): SettingsChanges {
  const out: SettingsChanges = {};
  const keys = (Object.keys({ ...before, ...after }) as Array<keyof Settings & string>).filter((k) => k !== 'severities');
  const changes = changedFields(before, after, keys);
  if (Object.keys(changes).length) out.changes = changes;
  const old = new Map(before.severities.map((l) => [l.id, l]));
  const now = new Map(after.severities.map((l) => [l.id, l]));
  for (const level of after.severities) {
    const was = old.get(level.id);
    if (!was) {
      out.levels_added = { ...out.levels_added, [level.id]: level.label };
      continue;
    }
    const fields = changedFields(was, level, SEVERITY_LEVEL_FIELDS);
    if (Object.keys(fields).length) out.levels = { ...out.levels, [level.id]: fields };
  }
  for (const level of before.severities) if (!now.has(level.id)) out.levels_removed = { ...out.levels_removed, [level.id]: level.label };
  // The scheme's order is its severity (most severe first): moving a level regrades it.
  const kept = (list: SeverityLevel[], other: Map<string, SeverityLevel>) => list.filter((l) => other.has(l.id)).map((l) => l.id);
  const from = kept(before.severities, now);
  const to = kept(after.severities, old);
  if (!same(from, to)) out.level_order = { from, to };
  return out;
}
