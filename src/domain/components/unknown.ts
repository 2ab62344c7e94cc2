import type { Db } from '../model.ts';
import { joinNames } from '../words.ts';

/**
 * What a refusal says of an id that names no component: "Unknown component" for one that names nothing, but a
 * group's id (listed in the v2 components with `"group": true`, and taken by the banner's filter) is refused for
 * what it is, with the components to name instead: "unknown" sent the operator looking for a typo.
 */
export function unknownComponent(db: Pick<Db, 'groups' | 'components'>, id: string, quoted = true): string {
  const group = db.groups.find((g) => g.id === id);
  if (!group) return quoted ? `Unknown component "${id}".` : `Unknown component ${id}.`;
  const members = db.components.filter((c) => c.group === group.id).map((c) => c.id);
  const name = members.length ? `name its components instead (${joinNames(members)})` : 'it has no components';
  return `"${id}" is the group ${group.name}, not a component: ${name}.`;
}
