import type { VerbContext } from '../context.ts';
import type { Group } from '../model.ts';
import { Conflict, NotFound } from '../errors.ts';
import { recordAudit } from '../audit.ts';

/** What may change of a group: its name, its place on the page. */
export interface GroupPatch {
  name?: string;
  position?: number;
}

/**
 * Renames a group or moves it on the page. Groups come into being with the first component that
 * names them, placed last; this is how they are put in order afterwards. Components name their group
 * by id, so a new name is theirs at once. Two groups of one name would read as one on the page.
 */
export function editGroup(ctx: VerbContext, id: string, patch: GroupPatch): Group {
  const g = ctx.db.groups.find((x) => x.id === id);
  if (!g) throw new NotFound(`No group with id "${id}".`, 'id');
  const previous = { ...g };
  const name = patch.name?.trim() ?? g.name;
  const position = patch.position ?? g.position;
  // Nothing to change (an empty patch, the console's row saved as it was): no write, so the page's time stays.
  if (name === g.name && position === g.position) return g;
  if (name !== g.name) {
    const twin = ctx.db.groups.find((x) => x.id !== id && x.name.toLowerCase() === name.toLowerCase());
    if (twin) throw new Conflict(`Another group is already named "${twin.name}".`, 'duplicate_name', 'name');
    g.name = name;
  }
  g.position = position;
  g.updated_at = ctx.now.toISOString();
  recordAudit(ctx, 'group.edit', id, { previous });
  return g;
}
