import type { VerbContext } from '../context.ts';
import type { ComponentChange, Incident } from '../model.ts';
import type { ComponentStatus } from '../status.ts';
import { Invalid } from '../errors.ts';
import { moveComponentStatus } from '../components/hand-set.ts';
import { givenBack } from './lifecycle.ts';
import { unknownComponent } from '../components/unknown.ts';

/**
 * An update's component changes as its input gives them: a status per component, or `null` to take the
 * component off the incident ("not affected").
 */
export type ComponentChangesInput = Record<string, ComponentStatus | null>;

/** The statuses to set and the components to take off, apart. */
export function splitChanges(changes: ComponentChangesInput = {}): { set: Record<string, ComponentStatus>; off: string[] } {
  // No prototype, as the input's own record: a component may be called "constructor".
  const set: Record<string, ComponentStatus> = Object.create(null);
  const off: string[] = [];
  for (const [id, status] of Object.entries(changes)) {
    if (status === null) off.push(id);
    else set[id] = status;
  }
  return { set, off };
}

/**
 * Refuses, before anything changes, to take off a component the incident does not name, or its last
 * one while the update names no other: an incident that names no component concerns everyone (its
 * notices go to every subscriber, the banner shows for every filter), the opposite of what was meant.
 */
export function assertTakeOff(ctx: Pick<VerbContext, 'db'>, incident: Incident, off: string[], set: Record<string, ComponentStatus>): void {
  for (const id of off) {
    const component = ctx.db.components.find((c) => c.id === id);
    if (!component) throw new Invalid(unknownComponent(ctx.db, id), `components.${id}`, 'unknown_component');
    if (!incident.components.includes(id)) {
      throw new Invalid(
        `${component.name} is not affected by ${incident.id}: there is nothing to take off.`,
        `components.${id}`,
        'not_affected',
      );
    }
  }
  const left = incident.components.filter((id) => !off.includes(id));
  if (off.length > 0 && left.length === 0 && !Object.keys(set).some((id) => !off.includes(id))) {
    throw new Invalid(
      `${incident.id} would name no component, and so concern every service and every subscriber: set another component's status in the same update; to end it, resolve it without taking this one off.`,
      `components.${off[0]}`,
      'last_component',
    );
  }
}

/**
 * Takes components off an incident: they were named in error, so they leave its set, and with it the
 * page's "Affects", the banner, the templates, the notices and who gets them, and the postmortem; the
 * updates that named them keep their own record. Each returns to what the incident's resolution would
 * give it (lifecycle.ts givenBack: maintenance in a running window, else what other open incidents say,
 * else operational), and the change is recorded with `removed: true`. Call assertTakeOff first.
 */
export function takeOff(ctx: VerbContext, incident: Incident, off: string[]): ComponentChange[] {
  const now = ctx.now.toISOString();
  const recorded: ComponentChange[] = [];
  for (const id of off) {
    const component = ctx.db.components.find((c) => c.id === id)!;
    const back = givenBack(ctx, incident, id) ?? component.status;
    recorded.push({ code: id, name: component.name, old_status: component.status, new_status: back, removed: true });
    moveComponentStatus(ctx.db, component, back, now);
  }
  incident.components = incident.components.filter((id) => !off.includes(id));
  return recorded;
}
