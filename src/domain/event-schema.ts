import { z } from 'zod';
import { IMPACTS, INCIDENT_STATUSES, MAINTENANCE_STATUSES } from './status.ts';
import { severityLevelSchema } from './settings.ts';
import { componentChangeSchema } from './component-schema.ts';

/** Incidents and maintenance windows, their updates and postmortems (see model.ts). */
const isoDate = z.iso.datetime({ offset: true });

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
const gradeSchema = z.object({
  id: z.string().nullable(),
  label: z.string(),
  impact: z.enum(IMPACTS),
  /**
   * The whole level as it was (recorded since this field came): its cadence, email rules and review deadline
   * still known once a switch of scheme has no level of that id and impact (domain/incidents/grades.ts).
   */
  level: severityLevelSchema.optional(),
});

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

export type IncidentUpdate = z.infer<typeof incidentUpdateSchema>;
export type SeverityChange = z.infer<typeof severityChangeSchema>;
export type MaintenanceUpdate = z.infer<typeof maintenanceUpdateSchema>;
export type Update = IncidentUpdate | MaintenanceUpdate;
export type Postmortem = z.infer<typeof postmortemSchema>;
export type Incident = z.infer<typeof incidentSchema>;
export type Maintenance = z.infer<typeof maintenanceSchema>;
/** Anything with a page, an update trail and a place in the history: an incident or a maintenance window. */
export type EventRecord = Incident | Maintenance;
