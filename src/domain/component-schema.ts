import { z } from 'zod';
import { COMPONENT_STATUSES } from './status.ts';

/** The last place on the page a component or group may take (the API's and the console's limit). */
export const POSITION_MAX = 100_000;

/** Components, their groups, and what an update records of a component's change (see model.ts). */
const isoDate = z.iso.datetime({ offset: true });

export const componentStatusSchema = z.enum(COMPONENT_STATUSES);

export const groupSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  position: z.number().int(),
  created_at: isoDate,
  updated_at: isoDate,
});

/**
 * A stretch a component spent in a status set by hand (the admin PATCH, the console, a component created
 * with a status): from the edit until its status next changed, by any means (`to` null while it holds).
 * Only statuses other than operational are kept, and only while the uptime bars can show them
 * (domain/components/hand-set.ts).
 */
export const handSetPeriodSchema = z.object({
  status: componentStatusSchema,
  from: isoDate,
  to: isoDate.nullable(),
});

export const componentSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  description: z.string().nullable(),
  group: z.string().nullable(),
  status: componentStatusSchema,
  position: z.number().int(),
  created_at: isoDate,
  updated_at: isoDate,
  /**
   * When it took its current status: a status set by hand counts in the uptime from then, and an edit of
   * its name or description (which moves `updated_at`) must not move that. Absent in data from before it
   * was recorded: `updated_at` stands in.
   */
  status_since: isoDate.optional(),
  /**
   * Its hand-set statuses of the last 90 days, oldest first, so the uptime counts them after they end.
   * Absent when there are none (and in data from before it was recorded).
   */
  hand_set: z.array(handSetPeriodSchema).optional(),
});

export const componentChangeSchema = z.object({
  code: z.string(),
  name: z.string(),
  old_status: componentStatusSchema,
  new_status: componentStatusSchema,
  /**
   * The update took the component off the incident (named in error): `new_status` is what it returned to.
   * Absent otherwise. Earlier updates that named it keep their record.
   */
  removed: z.literal(true).optional(),
  /**
   * The status the component took, when it is not `new_status` (this update's word): another open incident
   * still gives it a worse one, or a running window holds it under maintenance (lifecycle.ts
   * applyComponentChanges). Absent otherwise, and in data from before it was recorded.
   */
  shown: componentStatusSchema.optional(),
});

export type Group = z.infer<typeof groupSchema>;
export type Component = z.infer<typeof componentSchema>;
export type HandSetPeriod = z.infer<typeof handSetPeriodSchema>;
export type ComponentChange = z.infer<typeof componentChangeSchema>;

/** The status a change left its component at: the word, unless other incidents or a window held it elsewhere. */
export const statusTaken = (c: Pick<ComponentChange, 'new_status' | 'shown'>) => c.shown ?? c.new_status;
