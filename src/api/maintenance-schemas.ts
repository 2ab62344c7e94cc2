import { z } from 'zod';
import { body, instant, name } from './schemas.ts';
import { CONTROL_IN_TEXT, CONTROL_MESSAGE } from '../domain/text.ts';

/** Request bodies of the maintenance and postmortem admin API. Unknown keys are refused. */
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
    .refine((v) => !CONTROL_IN_TEXT.test(v), `body ${CONTROL_MESSAGE}`)
    .trim()
    .min(1, 'body must not be empty')
    .max(POSTMORTEM_MAX, `body must be at most ${POSTMORTEM_MAX} characters`)
    .optional(),
  publish: z.boolean().optional(),
});
