import { z } from 'zod';
import { COMPONENT_STATUSES, IMPACTS, INCIDENT_STATUSES, MAINTENANCE_STATUSES } from './status.ts';
import { DEFAULT_SETTINGS, settingsSchema, severityLevelSchema } from './settings.ts';
import { channelSchema } from './channels/model.ts';

/**
 * The domain model and the shape of the main data file (`DATA_DIR/herald.json`).
 * Validated on every read: a file that does not match stops the start and is
 * never overwritten. These schemas are the domain types (`z.infer`).
 *
 * Incidents and scheduled maintenance windows are two kinds of record, each
 * with its own vocabulary; the `kind` field tells them apart where both are
 * listed together (history, feeds, uptime). Statuspage's API shows a
 * maintenance as an incident with `impact: maintenance`: only its serializer
 * (src/read/statuspage-records.ts) makes that shape.
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
});

const updateFields = {
  id: z.string().min(1),
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
};

/** A level as a re-grade records it: id (null for an incident that had none), label and impact as they were then. */
const gradeSchema = z.object({ id: z.string().nullable(), label: z.string(), impact: z.enum(IMPACTS) });

/** The re-grade an update made (domain/incidents/severity.ts): the incident's level before and after it. */
export const severityChangeSchema = z.object({
  from: gradeSchema,
  to: gradeSchema,
  direction: z.enum(['raised', 'lowered']),
});

export const incidentUpdateSchema = z.object({
  ...updateFields,
  status: z.enum(INCIDENT_STATUSES),
  /** Absent when the update left the severity as it was. */
  severity_change: severityChangeSchema.optional(),
  /**
   * The incident commander this update named (or changed to); absent when it named none. The declaration records
   * it whether named or not (null: nobody yet), as it does `eta`; one saved before it did has neither.
   */
  commander: z.string().nullable().optional(),
  /**
   * The estimated resolution this update gave (null: not known); absent when it left the estimate as it was. A
   * message about the update sent late tells this one, not a later update's.
   */
  eta: isoDate.nullable().optional(),
});
/** Which move of a window an update records: what its email says it is. */
export const MAINTENANCE_UPDATE_STEPS = [
  'scheduled',
  'started',
  'verifying',
  'completed',
  'cancelled',
  'rescheduled',
  'extended',
  /** A running window's end moved earlier (schema 7 on). */
  'shortened',
  'note',
] as const;
export type MaintenanceUpdateStep = (typeof MAINTENANCE_UPDATE_STEPS)[number];

export const maintenanceUpdateSchema = z.object({
  ...updateFields,
  status: z.enum(MAINTENANCE_STATUSES),
  /** Absent in updates saved before it was recorded: maintenanceStep (domain/maintenance/steps.ts) tells it from the statuses. */
  step: z.enum(MAINTENANCE_UPDATE_STEPS).optional(),
  /**
   * The window as this update left it: a message about it sent late (a channel down meanwhile) tells these
   * times, not a later move's. Absent in updates saved before it was recorded: the window as it is stands in.
   */
  window: z.object({ scheduled_for: isoDate, scheduled_until: isoDate }).optional(),
});

export const postmortemSchema = z.object({
  body: z.string(),
  body_html: z.string(),
  updated_at: isoDate,
  published_at: isoDate.nullable(),
  /** Subscribers were emailed when it was published (the Comms Lead's choice; off by default). */
  notify: z.boolean().default(false),
});

const recordFields = {
  id: z.string().min(1),
  name: z.string().min(1),
  created_at: isoDate,
  updated_at: isoDate,
  started_at: isoDate,
  /** When it ended: an incident's resolution, a window's completion (or cancellation). */
  resolved_at: isoDate.nullable(),
  /** Ids of the components it affects. */
  components: z.array(z.string()),
};

export const incidentSchema = z.object({
  kind: z.literal('incident'),
  ...recordFields,
  impact: z.enum(IMPACTS),
  /**
   * The severity level it was declared with, as it was then: changing the
   * scheme later never rewrites history (its label stays). Null for an
   * impact no level maps to.
   */
  severity: severityLevelSchema.nullable().default(null),
  status: z.enum(INCIDENT_STATUSES),
  monitoring_at: isoDate.nullable(),
  /** When the Comms Lead expects it resolved (the latest estimate), or null when not known. */
  eta: isoDate.nullable().default(null),
  /** What happened, told when it was resolved (shown on the page and in the restoration notice). */
  root_cause: z.string().nullable().default(null),
  resolution: z.string().nullable().default(null),
  prevention: z.string().nullable().default(null),
  /**
   * For a level that emails only once an incident has lasted a while: when
   * that time came with the incident still open, and the disruption notice
   * became due (the outbox sends it).
   */
  late_notice_at: isoDate.nullable().default(null),
  /** The Comms Lead chose, when declaring it, not to email subscribers: no late notice either. */
  email_declined: z.boolean().default(false),
  /** Who leads the response ("@dana"), for the war-room channels; null when not named. */
  commander: z.string().nullable().default(null),
  /** Where responders meet ("#incident-2026-11-30-card-payments"), for the war-room channels. */
  war_room: z.string().nullable().default(null),
  /** Oldest first, as they were written; outputs sort newest first. */
  updates: z.array(incidentUpdateSchema),
  postmortem: postmortemSchema.nullable(),
});

export const maintenanceSchema = z.object({
  kind: z.literal('maintenance'),
  ...recordFields,
  status: z.enum(MAINTENANCE_STATUSES),
  updates: z.array(maintenanceUpdateSchema),
  scheduled_for: isoDate,
  scheduled_until: isoDate,
  /** False once the Comms Lead moved it by hand. */
  auto_transitions: z.boolean(),
  /**
   * Whether the timer's start and completion email subscribers: the scheduling's `notify`, so a window
   * subscribers were told of ends in the same thread it began. Absent on windows scheduled before it
   * (they were never emailed by the timer, and stay so).
   */
  notify_steps: z.boolean().optional(),
  /** When the pre-start reminder became due (the outbox sends it). */
  reminded_at: isoDate.nullable(),
  /**
   * Set when the window was called off before it started. A cancelled window
   * has status `completed` (the Statuspage vocabulary has no "cancelled").
   */
  cancelled_at: isoDate.nullable(),
  /** Raised on every reschedule and on cancel (iCal SEQUENCE). */
  sequence: z.number().int().min(0),
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
  /** The incident or window an admin answer showed, kept in its place (null): a retry answers it as it is then. */
  event: z.string().optional(),
  at: isoDate,
});

/**
 * An incident withdrawn as published in error (domain/incidents/withdraw.ts): gone from the data, its id
 * kept so that it is never given to another incident (the outboxes and the audit log still name it) and
 * a repeated withdrawal finds it done.
 */
export const withdrawnSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  at: isoDate,
  actor: z.string(),
});

/**
 * Bumped with every change to the document's shape, new optional fields too: an older Herald's schema strips
 * keys it does not know, so on PostgreSQL an older replica still running in a rolling deploy would erase them at
 * its next write. A newer version is refused instead (its writes fail with storage_invalid, its reads keep the
 * last valid copy; it does not start). See src/store/migrate.ts.
 */
export const DB_SCHEMA_VERSION = 8;

export const dbSchema = z.object({
  schema_version: z.literal(DB_SCHEMA_VERSION),
  page: z.object({
    id: z.string().min(1),
    created_at: isoDate,
    // When a record left the page (a component deleted): the page's last change is otherwise read off the
    // records still there, and a deletion would take it back in time.
    removed_at: isoDate.optional(),
  }),
  settings: settingsSchema,
  groups: z.array(groupSchema),
  components: z.array(componentSchema),
  incidents: z.array(incidentSchema),
  maintenances: z.array(maintenanceSchema),
  channels: z.array(channelSchema),
  audit: z.array(auditEventSchema),
  idempotency: z.array(idempotencyRecordSchema),
  /** Incidents withdrawn, oldest first; absent until the first. */
  withdrawn: z.array(withdrawnSchema).optional(),
});

export type Group = z.infer<typeof groupSchema>;
export type Component = z.infer<typeof componentSchema>;
export type HandSetPeriod = z.infer<typeof handSetPeriodSchema>;
export type ComponentChange = z.infer<typeof componentChangeSchema>;
export type IncidentUpdate = z.infer<typeof incidentUpdateSchema>;
export type SeverityChange = z.infer<typeof severityChangeSchema>;
export type MaintenanceUpdate = z.infer<typeof maintenanceUpdateSchema>;
export type Update = IncidentUpdate | MaintenanceUpdate;
export type Postmortem = z.infer<typeof postmortemSchema>;
export type Incident = z.infer<typeof incidentSchema>;
export type Maintenance = z.infer<typeof maintenanceSchema>;
/** Anything with a page, an update trail and a place in the history: an incident or a maintenance window. */
export type EventRecord = Incident | Maintenance;
export type AuditEvent = z.infer<typeof auditEventSchema>;
export type IdempotencyRecord = z.infer<typeof idempotencyRecordSchema>;
export type Withdrawn = z.infer<typeof withdrawnSchema>;
export type Db = z.infer<typeof dbSchema>;

export function emptyDb(pageId: string, now: string): Db {
  return {
    schema_version: DB_SCHEMA_VERSION,
    page: { id: pageId, created_at: now },
    settings: structuredClone(DEFAULT_SETTINGS),
    groups: [],
    components: [],
    incidents: [],
    maintenances: [],
    channels: [],
    audit: [],
    idempotency: [],
  };
}

/** Every incident and maintenance window (for views that list both). */
export const allEvents = (db: Pick<Db, 'incidents' | 'maintenances'>): EventRecord[] => [...db.incidents, ...db.maintenances];

/** The incident or maintenance window with this id (ids differ by prefix: INC-…, MNT-…). */
export function findEvent(db: Pick<Db, 'incidents' | 'maintenances'>, id: string): EventRecord | undefined {
  return db.incidents.find((i) => i.id === id) ?? db.maintenances.find((m) => m.id === id);
}
