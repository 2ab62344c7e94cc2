import type { Db, EventRecord, Maintenance } from '../domain/model.ts';
import { isLiveMaintenance, isOpenIncident, newestFirst, overallStatus } from '../domain/overall.ts';
import { cutKeepingLive } from '../domain/live-first.ts';
import { componentsJson, incidentJson, pageJson, type SiteInfo } from './statuspage-records.ts';
import { idOrder } from '../domain/ids.ts';

/**
 * The documents of Statuspage's public v2 API, as pure functions of the data
 * (shapes and endpoints in docs/statuspage-compat.md). The record shapes
 * themselves live in statuspage-records.ts; this module only selects and orders.
 */

/** How many records the list endpoints return, as on Statuspage. */
export const LIST_LIMIT = 50;

const MAINTENANCE_ACTIVE = new Set(['in_progress', 'verifying']);

/** Maintenances newest first by their window (the reference orders by scheduled_for). */
export function maintenancesNewestFirst(list: Maintenance[]): Maintenance[] {
  return [...list].sort((a, b) => Date.parse(b.scheduled_for) - Date.parse(a.scheduled_for) || idOrder(b.id, a.id));
}

const incidents = (db: Db) => newestFirst(db.incidents);
const maintenances = (db: Db) => maintenancesNewestFirst(db.maintenances);

export type V2Document =
  | 'summary'
  | 'status'
  | 'components'
  | 'incidents'
  | 'incidents/unresolved'
  | 'incidents/resolved'
  | 'scheduled-maintenances'
  | 'scheduled-maintenances/upcoming'
  | 'scheduled-maintenances/active';

export const V2_DOCUMENTS: readonly V2Document[] = [
  'summary',
  'status',
  'components',
  'incidents',
  'incidents/unresolved',
  'incidents/resolved',
  'scheduled-maintenances',
  'scheduled-maintenances/upcoming',
  'scheduled-maintenances/active',
];

/** Builds one v2 document (the object behind `/api/v2/<name>.json`). */
export function v2Document(name: V2Document, db: Db, site: SiteInfo): object {
  const page = pageJson(db, site);
  const inc = (list: EventRecord[]) => list.map((i) => incidentJson(i, db, site));
  switch (name) {
    case 'summary':
      return {
        page,
        components: componentsJson(db, site.SITE_TIMEZONE),
        incidents: inc(incidents(db).filter(isOpenIncident)),
        scheduled_maintenances: inc(maintenances(db).filter(isLiveMaintenance)),
        status: overallStatus(db),
      };
    case 'status':
      return { page, status: overallStatus(db) };
    case 'components':
      return { page, components: componentsJson(db, site.SITE_TIMEZONE) };
    // Every unresolved one, as Statuspage's list holds them: one declared now with a past start sorts far back.
    case 'incidents':
      return { page, incidents: inc(cutKeepingLive(incidents(db), isOpenIncident, LIST_LIMIT)) };
    case 'incidents/unresolved':
      return { page, incidents: inc(incidents(db).filter(isOpenIncident)) };
    // Not in Statuspage's documentation, but served by it and read by the legacy se-v2.js client.
    case 'incidents/resolved':
      return {
        page,
        incidents: inc(
          incidents(db)
            .filter((i) => !isOpenIncident(i))
            .slice(0, LIST_LIMIT),
        ),
      };
    // Every active and upcoming one: a running window sorts behind all those planned after it.
    case 'scheduled-maintenances':
      return { page, scheduled_maintenances: inc(cutKeepingLive(maintenances(db), isLiveMaintenance, LIST_LIMIT)) };
    case 'scheduled-maintenances/upcoming':
      return { page, scheduled_maintenances: inc(maintenances(db).filter((m) => m.status === 'scheduled')) };
    case 'scheduled-maintenances/active':
      return { page, scheduled_maintenances: inc(maintenances(db).filter((m) => MAINTENANCE_ACTIVE.has(m.status))) };
  }
}
