import type { VerbContext } from '../context.ts';
import { allEvents, type Component, type Db } from '../model.ts';
import { POSITION_MAX } from '../component-schema.ts';
import type { ComponentStatus } from '../status.ts';
import { Conflict, NotFound } from '../errors.ts';
import { bareSlug, freeId } from '../ids.ts';
import { recordAudit } from '../audit.ts';
import { changedFields } from '../audit-changes.ts';
import { isResolvedStatus } from '../status.ts';
import { noteStatusChange } from './hand-set.ts';

export interface ComponentInput {
  name: string;
  description?: string | null;
  /** Group name; created when new, null/empty for none. */
  group?: string | null;
  status?: ComponentStatus;
  position?: number;
  id?: string;
}

export function findComponent(db: Db, id: string): Component {
  const c = db.components.find((x) => x.id === id);
  if (!c) throw new NotFound(`No component with id "${id}".`, 'id');
  return c;
}

/**
 * The group a component names: one of that name (any case), or with that id, as the API lists a component's
 * `group` (so a component read and sent back stays where it is, rather than in a new group named by an id);
 * a new name makes a group.
 */
function groupIdFor(ctx: VerbContext, name: string | null | undefined): string | null {
  const trimmed = name?.trim();
  if (!trimmed) return null;
  const existing = ctx.db.groups.find((g) => g.name.toLowerCase() === trimmed.toLowerCase()) ?? ctx.db.groups.find((g) => g.id === trimmed);
  if (existing) return existing.id;
  const now = ctx.now.toISOString();
  const position = nextPosition(ctx.db, null);
  // Groups and components share one list in v2 and one filter in the banner: a group never takes an id in use.
  const id = freeId(idsInUse(ctx.db));
  ctx.db.groups.push({ id, name: trimmed, position, created_at: now, updated_at: now });
  return id;
}

/**
 * The position after the last of a level: a group's components, or the top
 * level, where groups and ungrouped components share one sequence (the page
 * and /api/v2/components.json interleave them by it).
 */
function nextPosition(db: Db, group: string | null): number {
  const level = group
    ? db.components.filter((c) => c.group === group)
    : [...db.groups, ...db.components.filter((c) => !c.group || !db.groups.some((g) => g.id === c.group))];
  // Never past the limit a form or the API may give (one placed at it, the next ties it and sorts by name): one
  // past it could not be saved again from the console's row, whose position field posts it back.
  return Math.min(POSITION_MAX, Math.max(0, ...level.map((x) => x.position)) + 1);
}

/** The ids components, groups and past events' (deleted) components go by: one namespace on the page and in v2. */
function idsInUse(db: Db): Set<string> {
  return new Set([...db.components.map((c) => c.id), ...db.groups.map((g) => g.id), ...allEvents(db).flatMap((e) => e.components)]);
}

/**
 * A component joined or left these groups: their `updated_at` moves, since their status and list of components
 * may have changed, and v2's group time (the latest of its own and its components') would otherwise go back
 * to an older child's when the newest one leaves.
 */
function touchGroups(ctx: VerbContext, ...ids: Array<string | null>): void {
  const now = ctx.now.toISOString();
  for (const g of ctx.db.groups) if (ids.includes(g.id)) g.updated_at = now;
}

/** Groups exist only while they hold components. */
function dropEmptyGroups(db: Db): void {
  db.groups = db.groups.filter((g) => db.components.some((c) => c.group === g.id));
}

/**
 * The id of a new component: the one given, else the slug of its name, made
 * free with -2, -3, … when another component has it ("C++" and "C#" are both
 * "c"; a name with no slug, Платежи or 支付, is "component"): the console has
 * no id field, so a taken slug would be a refusal nobody could get round.
 */
function newComponentId(db: Db, input: ComponentInput): string {
  if (input.id !== undefined) return input.id;
  const stem = bareSlug(input.name) || 'component';
  // An id past incidents still name (its component deleted with force) is not handed out again: the new
  // component would take on their history and uptime.
  const taken = idsInUse(db);
  let id = stem;
  for (let n = 2; taken.has(id); n++) id = `${stem.slice(0, 59 - String(n).length).replace(/-+$/, '')}-${n}`;
  return id;
}

/**
 * Two components of one name in one group would read as one ("API, API" in a
 * notice); the same name in two groups (API under EU and under US) is fine.
 */
function refuseDuplicateName(db: Db, name: string, group: string | null, self: string | null): void {
  const wanted = name.trim().toLowerCase();
  const twin = db.components.find((c) => c.id !== self && c.group === group && c.name.trim().toLowerCase() === wanted);
  if (twin) {
    throw new Conflict(`Another component in the same group is already named "${twin.name}".`, 'duplicate_name', 'name');
  }
}

export function createComponent(ctx: VerbContext, input: ComponentInput): Component {
  const id = newComponentId(ctx.db, input);
  if (ctx.db.components.some((c) => c.id === id)) {
    throw new Conflict(`A component with id "${id}" already exists.`, 'duplicate', 'id');
  }
  // A group's id too: v2 would list the id twice and the banner's ?components= filter would match both.
  if (ctx.db.groups.some((g) => g.id === id)) {
    throw new Conflict(`A group with id "${id}" already exists.`, 'duplicate', 'id');
  }
  // As for an automatic id (newComponentId): one that past incidents or windows still name (its component
  // deleted with force) would hand their history and uptime to a new component.
  const { referencing } = componentUse(ctx.db, id);
  if (referencing.length > 0) {
    const named = `${referencing.slice(0, 3).join(', ')}${referencing.length > 3 ? ', …' : ''}`;
    throw new Conflict(
      `Component id "${id}" is still named by ${referencing.length} past incident(s) or maintenance window(s) (${named}) ` +
        'of a deleted component: a new component with it would take on their history and uptime. Choose another id, or leave it out for a free one.',
      'id_in_history',
      'id',
    );
  }
  const group = groupIdFor(ctx, input.group);
  refuseDuplicateName(ctx.db, input.name, group, null);
  const now = ctx.now.toISOString();
  const component: Component = {
    id,
    name: input.name.trim(),
    description: input.description?.trim() || null,
    group,
    status: input.status ?? 'operational',
    position: input.position ?? nextPosition(ctx.db, group),
    created_at: now,
    updated_at: now,
    status_since: now,
  };
  // A component made in trouble was set so by hand: counted in its uptime like a later edit.
  if (component.status !== 'operational') component.hand_set = [{ status: component.status, from: now, to: null }];
  ctx.db.components.push(component);
  touchGroups(ctx, group);
  recordAudit(ctx, 'component.create', id, {
    detail: {
      name: component.name,
      description: component.description,
      group: groupName(ctx.db, component.group),
      status: component.status,
    },
  });
  return component;
}

/** A group's name as it is now (null for none): the audit names groups so, since an id tells a reader nothing and a deleted group's nothing ever. */
const groupName = (db: Db, group: string | null): string | null => (group ? (db.groups.find((g) => g.id === group)?.name ?? group) : null);

/**
 * A component as the audit keeps it: without its hand-set periods, which the uptime needs and the audit
 * does not (copied into every edit's entry, a status flapping by script grew the log by their square);
 * with its group's name beside the id (read before the edit, while the group still exists).
 */
const audited = (db: Db, { hand_set: _periods, ...c }: Component): Omit<Component, 'hand_set'> & { group_name: string | null } => ({
  ...c,
  group_name: groupName(db, c.group),
});

/** The fields of a component an edit changes, as the audit tells them (its group by name). */
const EDITED = ['name', 'description', 'group', 'status', 'position'] as const;

export function editComponent(ctx: VerbContext, id: string, patch: Partial<ComponentInput>): Component {
  const c = findComponent(ctx.db, id);
  const previous = { ...c };
  const before = audited(ctx.db, previous);
  // Data from before `status_since`: its status dates from the last edit, which this one is about to move.
  c.status_since ??= c.updated_at;
  if (patch.name !== undefined) c.name = patch.name.trim();
  if (patch.description !== undefined) c.description = patch.description?.trim() || null;
  // Moved to another level, it goes last there unless the patch places it: a position as it was (the
  // console's edit row posts every field) is no placing, and would tie it with the first of its new level.
  const placed = patch.position !== undefined && patch.position !== c.position;
  if (patch.group !== undefined) {
    const group = groupIdFor(ctx, patch.group);
    if (group !== c.group && !placed) c.position = nextPosition(ctx.db, group);
    c.group = group;
  }
  if (patch.status !== undefined && patch.status !== c.status) {
    noteStatusChange(ctx.db, c, ctx.now.toISOString(), patch.status);
    c.status = patch.status;
    c.status_since = ctx.now.toISOString();
  }
  // The status it shows already, by an incident's or a window's word: naming it is still the operator's hand,
  // which holds it past their end (a resolution leaves maintenance set by hand). Once held, again is no change.
  const takenByHand = patch.status !== undefined && patch.status === previous.status && !heldByHand(c) && patch.status !== 'operational';
  if (takenByHand) noteStatusChange(ctx.db, c, ctx.now.toISOString(), patch.status);
  if (placed) c.position = patch.position!;
  // Only a new name or group is checked: a pair named alike before this rule can still be edited otherwise.
  if (c.name !== previous.name || c.group !== previous.group) refuseDuplicateName(ctx.db, c.name, c.group, c.id);
  // An edit that changes nothing (an empty patch, the same status again once held by hand) is no change: no new
  // updated_at, no audit. The same status while not held by hand is the operator's hand taking it (takenByHand).
  const same = EDITED.every((k) => c[k] === previous[k]);
  if (same && !takenByHand) return c;
  // A status taken by hand that it showed already moves no updated_at: the page shows no change.
  if (!same) c.updated_at = ctx.now.toISOString();
  // Named before an emptied group is dropped, so the group it left is named as it was.
  const changes = changedFields({ ...before, group: before.group_name }, { ...c, group: groupName(ctx.db, c.group) }, EDITED);
  if (c.group !== previous.group) touchGroups(ctx, previous.group, c.group);
  dropEmptyGroups(ctx.db);
  // The status it took too, when it took one: the audit is then the one record of a return to operational by
  // hand (hand_set keeps other statuses alone), which a webhook's page as of an update needs (channels/page-as-of.ts).
  recordAudit(ctx, 'component.edit', id, {
    previous: before,
    detail: { changes, ...(c.status !== previous.status || takenByHand ? { status: c.status } : {}) },
  });
  return c;
}

/** Whether a status set by hand holds the component now (its open hand-set period). */
const heldByHand = (c: Component): boolean => (c.hand_set ?? []).some((p) => p.to === null);

/** A component incidents still name: deleting it is refused (only with force, and never while one is open). */
export class ComponentInUse extends Conflict {
  readonly incidents: string[];
  readonly openIncidents: string[];
  constructor(id: string, incidents: string[], openIncidents: string[]) {
    const named = (ids: string[]) => `${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ', …' : ''}`;
    // Open ones block it even with force: those are named, not past ones that would read as the blockers.
    super(
      openIncidents.length
        ? `Component "${id}" is named by ${openIncidents.length} incident(s) or window(s) not over yet (${named(openIncidents)}): ` +
            'resolve them, or let the windows end, first.'
        : `Component "${id}" is named by ${incidents.length} past incident(s) or window(s) (${named(incidents)}). ` +
            'Pass ?force=true to delete it anyway; they keep its name.',
      'component_in_use',
      'id',
    );
    this.incidents = incidents;
    this.openIncidents = openIncidents;
  }
}

/** The incidents and windows that name a component (their ids), and those of them still open. */
export function componentUse(db: Pick<Db, 'incidents' | 'maintenances'>, id: string): { referencing: string[]; open: string[] } {
  const referencing = allEvents(db).filter((i) => i.components.includes(id));
  return { referencing: referencing.map((i) => i.id), open: referencing.filter((i) => !isResolvedStatus(i.status)).map((i) => i.id) };
}

/**
 * Deleting a component that incidents or windows refer to would rewrite
 * history silently, so it is refused unless `force` is set; open incidents
 * (and windows not yet over) always block it.
 */
export function deleteComponent(ctx: VerbContext, id: string, force = false): void {
  const c = findComponent(ctx.db, id);
  const { referencing, open } = componentUse(ctx.db, id);
  if (open.length > 0 || (referencing.length > 0 && !force)) throw new ComponentInUse(id, referencing, open);
  // Read while its group still exists: deleting its last component drops the group.
  const previous = audited(ctx.db, c);
  ctx.db.components = ctx.db.components.filter((x) => x.id !== id);
  touchGroups(ctx, c.group);
  dropEmptyGroups(ctx.db);
  ctx.db.page.removed_at = ctx.now.toISOString();
  recordAudit(ctx, 'component.delete', id, { previous });
}
