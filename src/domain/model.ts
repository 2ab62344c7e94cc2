import { z } from 'zod';
import { COMPONENT_STATUSES, IMPACTS, INCIDENT_STATUSES, MAINTENANCE_STATUSES } from './status.ts';

/**
 * The domain model and the shape of the main data file (`DATA_DIR/herald.json`). Validated on every
 * read: a file that does not match stops the start and is never overwritten.
 * These schemas are the domain types (`z.infer`).
 */
const isoDate = z.iso.datetime({ offset: true });

export const componentStatusSchema = z.enum(COMPONENT_STATUSES);

export const groupSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  position: z.number().int(),
  created_at: isoDate,
  updated_at: isoDate,
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
});

export const componentChangeSchema = z.object({
  code: z.string(),
  name: z.string(),
  old_status: componentStatusSchema,
  new_status: componentStatusSchema,
});

export const updateSchema = z.object({
  id: z.string().min(1),
  status: z.enum([...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES]),
  body: z.string(),
  /** Sanitized HTML rendered from `body` when the update was saved. */
  body_html: z.string(),
  created_at: isoDate,
  display_at: isoDate,
  updated_at: isoDate,
  edited_at: isoDate.nullable(),
  affected_components: z.array(componentChangeSchema),
  notify: z.boolean(),
  author: z.string(),
});

export const postmortemSchema = z.object({
  body: z.string(),
  body_html: z.string(),
  updated_at: isoDate,
  published_at: isoDate.nullable(),
});

export const incidentSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  impact: z.enum([...IMPACTS, 'maintenance']),
  status: z.enum([...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES]),
  created_at: isoDate,
  updated_at: isoDate,
  started_at: isoDate,
  monitoring_at: isoDate.nullable(),
  resolved_at: isoDate.nullable(),
  /** Ids of the components this incident affects. */
  components: z.array(z.string()),
  /** Oldest first, as they were written; outputs sort newest first. */
  updates: z.array(updateSchema),
  postmortem: postmortemSchema.nullable(),
  scheduled_for: isoDate.nullable(),
  scheduled_until: isoDate.nullable(),
  /** Maintenance only: false once the Comms Lead moved it by hand. */
  auto_transitions: z.boolean(),
  /** Maintenance only: when the pre-start reminder became due (the outbox sends it). */
  reminded_at: isoDate.nullable().default(null),
  /**
   * Maintenance only: set when the window was called off before it started. A cancelled
   * maintenance has status `completed` (the Statuspage vocabulary has no "cancelled").
   */
  cancelled_at: isoDate.nullable().default(null),
  /** Maintenance only: raised on every reschedule and on cancel (iCal SEQUENCE). */
  sequence: z.number().int().min(0).default(0),
});

export const auditEventSchema = z.object({
  id: z.string(),
  at: isoDate,
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  previous: z.unknown().optional(),
  detail: z.unknown().optional(),
});

export const idempotencyRecordSchema = z.object({
  key: z.string(),
  request_hash: z.string(),
  status: z.number().int(),
  response: z.unknown(),
  at: isoDate,
});

export const dbSchema = z.object({
  schema_version: z.literal(1),
  page: z.object({ id: z.string().min(1), created_at: isoDate }),
  groups: z.array(groupSchema),
  components: z.array(componentSchema),
  incidents: z.array(incidentSchema),
  audit: z.array(auditEventSchema),
  idempotency: z.array(idempotencyRecordSchema),
});

export type Group = z.infer<typeof groupSchema>;
export type Component = z.infer<typeof componentSchema>;
export type ComponentChange = z.infer<typeof componentChangeSchema>;
export type IncidentUpdate = z.infer<typeof updateSchema>;
export type Postmortem = z.infer<typeof postmortemSchema>;
export type Incident = z.infer<typeof incidentSchema>;
export type AuditEvent = z.infer<typeof auditEventSchema>;
export type IdempotencyRecord = z.infer<typeof idempotencyRecordSchema>;
export type Db = z.infer<typeof dbSchema>;

export function emptyDb(pageId: string, now: string): Db {
  return {
    schema_version: 1,
    page: { id: pageId, created_at: now },
    groups: [],
    components: [],
    incidents: [],
    audit: [],
    idempotency: [],
  };
}
