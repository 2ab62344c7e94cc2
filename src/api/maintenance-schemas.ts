import { z } from 'zod';
import { LIMITS } from './schemas.ts';

/** Request bodies of the maintenance and postmortem admin API. Unknown keys are refused. */
const name = z
  .string({ error: 'name is required' })
  .trim()
  .min(1, 'name must not be empty')
  .max(LIMITS.name, `name must be at most ${LIMITS.name} characters`);
const body = z
  .string({ error: 'body must be a string' })
  .trim()
  .min(1, 'body must not be empty')
  .max(LIMITS.body, `body must be at most ${LIMITS.body} characters`);
const instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a zone, e.g. 2026-11-30T02:00:00Z' });
/** A postmortem is longer than an update. */
const POSTMORTEM_MAX = 100_000;

export const maintenanceCreateSchema = z.strictObject({
  name,
  scheduled_for: instant,
  scheduled_until: instant,
  components: z.array(z.string().min(1)).max(500).default([]),
  body: body.optional(),
  notify: z.boolean().optional(),
  auto_transitions: z.boolean().optional(),
});

/** start, verify, complete, cancel: all optional, default texts apply. */
export const maintenanceStepSchema = z.strictObject({
  body: body.optional(),
  notify: z.boolean().optional(),
});

export const maintenanceNoteSchema = z.strictObject({
  body,
  notify: z.boolean().optional(),
});

export const maintenanceRescheduleSchema = z.strictObject({
  scheduled_for: instant.optional(),
  scheduled_until: instant.optional(),
  body: body.optional(),
  notify: z.boolean().optional(),
});

export const postmortemSchema = z.strictObject({
  body: z
    .string({ error: 'body must be a string' })
    .trim()
    .min(1, 'body must not be empty')
    .max(POSTMORTEM_MAX, `body must be at most ${POSTMORTEM_MAX} characters`)
    .optional(),
  publish: z.boolean().optional(),
});
