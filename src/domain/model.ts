import { z } from 'zod';
import { DEFAULT_SETTINGS, settingsSchema } from './settings.ts';
import { channelSchema } from './channels/model.ts';
import { componentSchema, groupSchema } from './component-schema.ts';
import { incidentSchema, maintenanceSchema, type EventRecord } from './event-schema.ts';

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

// The document's parts, by concern; importers take them from here, with the document.
export * from './component-schema.ts';
export * from './event-schema.ts';

const isoDate = z.iso.datetime({ offset: true });

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
