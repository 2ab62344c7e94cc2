import type { Db, Incident, IncidentUpdate, Maintenance } from './model.ts';
import { maintenancesIn } from './maintenance/rules.ts';
import { cadenceFrom, levelOf, nextUpdateDue, postmortemDue, type PostmortemDue } from './policy.ts';
import { isResolvedStatus } from './status.ts';
import { isOpenIncident, newestFirst } from './overall.ts';

/** One active incident on the dashboard, with the update the Comms Lead owes. */
export interface ActiveRow {
  incident: Incident;
  /** When its latest update was posted (a new one posted elsewhere moves it: the console's pages follow it). */
  lastUpdateAt: string;
  /**
   * The time customers read beside that update, which the cadence counts from (policy.cadenceFrom): what the
   * row says as "last update", so that it is never later than the due time beside it (a backdated update).
   */
  lastToldAt: string;
  /** When the next update is due by the runbook cadence; null without a cadence. */
  dueAt: string | null;
  overdue: boolean;
  /** Minutes until due (negative when overdue), for "due in 12 min". */
  minutesLeft: number | null;
}

/**
 * Active incidents with their next update due (their level's cadence,
 * multiplied by HERALD_CADENCE_SCALE) and whether it is overdue, the most
 * urgent first. The cadence counts from the time customers read beside the
 * latest update (policy.cadenceFrom): one dated back (a backfill) reads as
 * that old on the page, so it does not put the next one off.
 */
export function activeIncidents(db: Pick<Db, 'incidents' | 'settings'>, now: Date, cadenceScale = 1): ActiveRow[] {
  const rows = newestFirst(db.incidents.filter(isOpenIncident)).map((incident) => {
    const latest = incident.updates.reduce<IncidentUpdate | null>((a, u) => (a === null || u.created_at >= a.created_at ? u : a), null);
    const lastUpdateAt = latest?.created_at ?? incident.created_at;
    const from = latest ? cadenceFrom(incident, latest) : lastUpdateAt;
    const due = nextUpdateDue(levelOf(db.settings, incident), from, isResolvedStatus(incident.status));
    if (!due) return { incident, lastUpdateAt, lastToldAt: from, dueAt: null, overdue: false, minutesLeft: null };
    const last = Date.parse(from);
    const dueMs = last + (due.getTime() - last) * cadenceScale;
    return {
      incident,
      lastUpdateAt,
      lastToldAt: from,
      dueAt: new Date(dueMs).toISOString(),
      overdue: now.getTime() >= dueMs,
      // Overdue by seconds already reads "1 min ago"; due in seconds, "in under a minute".
      minutesLeft:
        now.getTime() >= dueMs ? -Math.max(1, Math.round((now.getTime() - dueMs) / 60_000)) : Math.floor((dueMs - now.getTime()) / 60_000),
    };
  });
  return rows.sort((a, b) => (a.dueAt ?? '9').localeCompare(b.dueAt ?? '9'));
}

/** Maintenances scheduled or under way, soonest first. */
export function liveMaintenances(db: Pick<Db, 'maintenances'>): Maintenance[] {
  return maintenancesIn(db, ['scheduled', 'in_progress', 'verifying']);
}

const URGENCY = { overdue: 0, due: 1, owed: 2 } as const;

/** How many postmortems owed the dashboard lists (its page and GET /api/admin/dashboard); the rest it counts. */
export const DASHBOARD_POSTMORTEMS = 10;

export interface PostmortemsOwed {
  rows: Array<{ incident: Incident; due: PostmortemDue }>;
  /** How many are owed in all, `rows` among them. */
  total: number;
}

/**
 * Resolved incidents that owe a post-incident review (policy.postmortemDue): the `limit` most recently
 * resolved, overdue first, then due, then owed, each the most recent first. A site used for years owes a
 * backlog of thousands, overdue since long ago: listed all, the oldest first, it put yesterday's SEV-1
 * last, below the lot; the newest ten keep it in sight, the backlog counted in `total`.
 */
export function postmortemsOwed(db: Pick<Db, 'incidents' | 'settings'>, now: Date, limit = DASHBOARD_POSTMORTEMS): PostmortemsOwed {
  const owed = db.incidents.flatMap((incident) => {
    const due = postmortemDue(db.settings, incident, now);
    return due ? [{ incident, due }] : [];
  });
  type Row = (typeof owed)[number];
  const newer = (a: Row, b: Row) =>
    Date.parse(b.incident.resolved_at!) - Date.parse(a.incident.resolved_at!) || a.incident.id.localeCompare(b.incident.id);
  const rows = owed.sort(newer).slice(0, limit);
  return { rows: rows.sort((a, b) => URGENCY[a.due.state] - URGENCY[b.due.state] || newer(a, b)), total: owed.length };
}
