import { existingIds } from '../../domain/components/following.ts';
import { joinNames } from '../../domain/words.ts';
import type { Herald } from '../../herald.ts';
import type { Session } from '../../auth/sessions.ts';
import { ComponentInUse, componentUse, createComponent, deleteComponent, editComponent } from '../../domain/components/manage.ts';
import { customerNames } from '../../domain/components/names.ts';
import type { Component, Db, Group } from '../../domain/model.ts';
import { onlyOwn, ownChanges, shownAgain, shownField } from '../own-changes.ts';
import { Stale } from '../../domain/errors.ts';
import { componentCreateSchema, componentPatchSchema, groupPatchSchema } from '../../input/schemas.ts';
import { editGroup } from '../../domain/components/groups.ts';
import { validId } from '../../input/ids.ts';
import { formFields, refusal, validate } from '../forms.ts';
import { formKeyOf, makeOnce, newFormKey, onceKeyOf } from '../form-once.ts';
import { done, refused, type ActionResult } from './result.ts';

/**
 * A deletion asked for and not yet confirmed: the page asks first, naming the component, and the
 * confirming post carries `confirm` (and `force` when past incidents name it, which they keep).
 */
export interface DeleteQuestion {
  id: string;
  name: string;
  /** How many past incidents and windows name it (0: none). */
  pastEvents: number;
  /** The channels scoped to it alone (or to it and others deleted already), which then get every update. */
  widenedChannels: string[];
  /** How many confirmed subscribers follow it alone (or with others deleted already), who then hear about everything. */
  widenedSubscribers: number;
}

/**
 * The components page's result: the action's, plus the component a refused deletion may still
 * delete with force, and for a refused add or edit what was typed, to show again in its form
 * (`editing`: the component whose row it was, or `group:<id>` for a group's; none: the add form).
 */
export type ComponentsResult =
  | (ActionResult & { forceId?: string; values?: Record<string, string>; editing?: string })
  | { ok: 'ask'; question: DeleteQuestion };

const FIELDS = ['name', 'description', 'group', 'position'] as const;

/** The component form's strings as the admin API's input (empty optional fields left out or null). */
function componentInput(f: Record<string, string>) {
  return {
    name: f.name ?? '',
    description: f.description?.trim() ? f.description : null,
    group: f.group?.trim() ? f.group : null,
    ...(f.position?.trim() ? { position: Number(f.position) } : {}),
  };
}

type Field = (typeof FIELDS)[number];

/** A component's fields as its row in the components page shows them, and as the row's `shown_*` fields post them back. */
export function componentAsShown(db: Pick<Db, 'groups'>, c: Component): Record<Field, string> {
  const group = c.group ? (db.groups.find((g) => g.id === c.group)?.name ?? '') : '';
  return { name: c.name, group, position: String(c.position), description: c.description ?? '' };
}

/**
 * Each component's name as the components page says it, by id: with its group when another shares the name
 * ("Core platform / API"), as customers read it. The same name in two groups is allowed, and a table of
 * "Save API" twice, or "API is part of INC-…" alone, left the Comms Lead to guess which.
 */
export function shownNames(db: Pick<Db, 'components' | 'groups'>): Map<string, string> {
  const names = customerNames(db, db.components);
  return new Map(db.components.map((c, i) => [c.id, names[i]!]));
}

const GROUP_FIELDS = ['name', 'position'] as const;

/** A group as its row in the components page shows it, and as the row's `shown_*` fields post it back. */
export const groupAsShown = (g: Group): Record<(typeof GROUP_FIELDS)[number], string> => ({ name: g.name, position: String(g.position) });

/** The row being edited (`editing`: a component's id, or `group:<id>`) as its page shows it now. */
function nowShown(herald: Herald, editing: string | undefined): Record<string, string> | undefined {
  const db = herald.store.data;
  if (editing?.startsWith('group:')) {
    const g = db.groups.find((x) => `group:${x.id}` === editing);
    return g && groupAsShown(g);
  }
  const c = db.components.find((x) => x.id === editing);
  return c && componentAsShown(db, c);
}

/** A row's fields as typed; a position left empty is no change (the API's patch leaves it out). */
function typedOf<K extends string>(f: Record<string, string | undefined>, fields: readonly K[]): Record<K, string> {
  const typed = {} as Record<K, string>;
  for (const k of fields) typed[k] = k === 'position' && !f[k]?.trim() ? (f[shownField(k)] ?? '') : (f[k] ?? '');
  return typed;
}

/**
 * Add, edit or delete a component, from the form of the components page. The add form posted twice
 * (a double click) adds one and the repeat goes where the first went, where it was refused as a
 * duplicate name, which read as if the first had failed.
 */
export async function componentsAction(herald: Herald, session: Session, form: FormData): Promise<ComponentsResult> {
  const actor = session.actor;
  const f = formFields(form);
  const id = f.id ?? '';
  // An id no component can have (a NUL, another control character) is nobody's: not looked up, and not
  // quoted back into the page, where the verb's message would echo it as it came.
  if (f.action !== 'create' && !validId(id)) return refused(404, { form: 'No such component.' });
  let values: Record<string, string> | undefined;
  let editing: string | undefined;
  try {
    if (f.action === 'delete') {
      // One keypress on Delete only asks: the component leaves the page, and its subscribers' choice of it, for good.
      if (f.confirm !== '1') return await deleteQuestion(herald, id);
      // The confirmation posted again (a double click, whose browser shows only the second answer): gone, as asked.
      await herald.run(actor, (ctx) => {
        if (ctx.db.components.some((c) => c.id === id)) deleteComponent(ctx, id, f.force === '1');
      });
      return done('/admin/components?done=deleted');
    }
    if (f.action === 'create') {
      // The same one-time key goes back with what was typed: nothing was added under it.
      values = { name: f.name ?? '', group: f.group ?? '', description: f.description ?? '', once: formKeyOf(form) ?? newFormKey() };
      const parsed = validate(componentCreateSchema, componentInput(f));
      if (!parsed.ok) return { ...refused(422, parsed.errors), values };
      await makeOnce(
        herald,
        actor,
        onceKeyOf('component', session.key, form),
        (ctx) => createComponent(ctx, parsed.data),
        (c) => ({ id: c.id }),
      );
      return done('/admin/components?done=added');
    }
    if (f.action === 'group') {
      const g = herald.store.data.groups.find((x) => x.id === id);
      values = { name: f.name ?? '', position: f.position ?? '', ...shownAgain(GROUP_FIELDS, f, g && groupAsShown(g)) };
      editing = `group:${id}`;
      const parsed = validate(groupPatchSchema, { name: f.name ?? '', ...(f.position?.trim() ? { position: Number(f.position) } : {}) });
      if (!parsed.ok) return { ...refused(422, parsed.errors), values, editing };
      await herald.run(actor, (ctx) => {
        const g = ctx.db.groups.find((x) => x.id === id);
        const patch = g ? onlyOwn(parsed.data, ownChanges(GROUP_FIELDS, f, typedOf(f, GROUP_FIELDS), groupAsShown(g))) : parsed.data;
        if (Object.keys(patch).length > 0 || !g) editGroup(ctx, id, patch);
      });
      return done('/admin/components?done=group');
    }
    const c = herald.store.data.components.find((x) => x.id === id);
    values = {
      name: f.name ?? '',
      group: f.group ?? '',
      description: f.description ?? '',
      position: f.position ?? '',
      ...shownAgain(FIELDS, f, c && componentAsShown(herald.store.data, c)),
    };
    editing = id;
    const parsed = validate(componentPatchSchema, componentInput(f));
    if (!parsed.ok) return { ...refused(422, parsed.errors), values, editing };
    await herald.run(actor, (ctx) => {
      // Only what was changed in the row: someone else's change to another field since the page was drawn stays.
      const c = ctx.db.components.find((x) => x.id === id);
      const patch = c ? onlyOwn(parsed.data, ownChanges(FIELDS, f, typedOf(f, FIELDS), componentAsShown(ctx.db, c))) : parsed.data;
      if (Object.keys(patch).length > 0 || !c) editComponent(ctx, id, patch);
    });
    return done('/admin/components?done=saved');
  } catch (err) {
    if (err instanceof ComponentInUse) {
      // Only past incidents name it: deleting anyway is allowed (they keep its name). An open one: never.
      if (err.openIncidents.length) {
        return stillOpen(shownNames(herald.store.data).get(id) ?? id, err.openIncidents);
      }
      return {
        ...refused(409, { form: `Past incidents name ${id} (${err.incidents.length}). They keep its name if you delete it anyway.` }),
        forceId: id,
      };
    }
    const r = refusal(err, FIELDS);
    // Refused for someone else's change to a field: the page shows that field's value now as its starting point.
    if (err instanceof Stale && values)
      values = { ...values, ...shownAgain(editing?.startsWith('group:') ? GROUP_FIELDS : FIELDS, f, nowShown(herald, editing), err) };
    return { ...refused(r.status, r.errors), values, editing };
  }
}

/**
 * What the page asks before deleting: read here, changed by nothing. A component an open incident
 * or window names is refused at once, as deleting it would be (deleteComponent says the same when
 * it runs). It says who then gets everything: a channel or subscriber left following no component
 * that exists hears about every one (wantsMail, channel-scope), a war room or partner flooded unawares.
 */
async function deleteQuestion(herald: Herald, id: string): Promise<ComponentsResult> {
  const db = herald.store.data;
  const c = db.components.find((x) => x.id === id);
  if (!c) return refused(404, { form: 'No such component.' });
  const { referencing, open } = componentUse(db, id);
  const name = shownNames(db).get(id) ?? c.name;
  if (open.length) return stillOpen(name, open);
  const now = [...existingIds(db)];
  const after = now.filter((x) => x !== id);
  const widenedChannels = db.channels
    .filter((ch) => ch.components.includes(id) && !ch.components.some((x) => after.includes(x)))
    .map((ch) => ch.name);
  // A notice about a component nobody follows (no id holds a space) reaches exactly those following everything:
  // counted as if it were deleted and as it is, the difference follow it alone.
  const everyone = (existing: string[]) => herald.notify.subscribers.countRecipients([' '], existing);
  const widenedSubscribers = (await everyone(after)) - (await everyone(now));
  return { ok: 'ask', question: { id, name, pastEvents: referencing.length, widenedChannels, widenedSubscribers } };
}

/** What the question says of the channels and subscribers a delete leaves following everything. */
export function widenedWords(q: DeleteQuestion): string[] {
  const words: string[] = [];
  const ch = q.widenedChannels;
  if (ch.length > 0) {
    const one = ch.length === 1;
    words.push(
      `${one ? 'The channel' : `${ch.length} channels`} ${joinNames(ch.map((n) => `“${n}”`))} ${one ? 'follows' : 'follow'} only it, so ` +
        `${one ? 'it then gets' : 'they then get'} the updates of every incident and window. To keep ${one ? 'it' : 'them'} narrow, ` +
        `choose ${one ? 'its' : 'their'} components on the Channels page first.`,
    );
  }
  const n = q.widenedSubscribers;
  if (n > 0) {
    words.push(
      `${n === 1 ? '1 subscriber follows' : `${n.toLocaleString('en-GB')} subscribers follow`} only it, and then ${n === 1 ? 'hears' : 'hear'} about every component.`,
    );
  }
  return words;
}

/** A component open incidents or windows still name cannot go, asked about or not. */
const stillOpen = (name: string, open: string[]): ComponentsResult =>
  refused(409, { form: `${name} is part of ${open.join(', ')}, still open. Resolve it first.` });
