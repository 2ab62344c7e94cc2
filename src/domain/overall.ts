import type { Component, Db, EventRecord, Group, Incident, Maintenance } from './model.ts';
import {
  componentStatusToImpact,
  INDICATOR_DESCRIPTION,
  isResolvedStatus,
  worstComponentStatus,
  worstImpact,
  type ComponentStatus,
  type Impact,
  type Indicator,
} from './status.ts';

export interface Overall {
  indicator: Indicator;
  description: string;
}

export const isOpenIncident = (i: Incident): boolean => !isResolvedStatus(i.status);
export const isActiveMaintenance = (m: Maintenance): boolean => m.status === 'in_progress' || m.status === 'verifying';
/** A window not over: scheduled or under way (a cancelled one is completed too). Lists and feeds never cut these. */
export const isLiveMaintenance = (m: Pick<Maintenance, 'status'>): boolean => m.status !== 'completed';

/**
 * The page's overall indicator: the worst of the components' statuses
 * (degraded → minor, partial → major, major outage → critical) and of the
 * impacts of incidents still being worked on (investigating, identified).
 * Once an incident is monitoring, its fix is out and the page follows its
 * components: all operational again reads green, not the impact it was
 * declared with. When nothing is worse than none but maintenance is under
 * way, it is `maintenance`.
 */
export function overallStatus(db: Pick<Db, 'components' | 'incidents' | 'maintenances'>): Overall {
  const impacts: Impact[] = db.components.map((c) => componentStatusToImpact(c.status));
  for (const i of db.incidents) if (isOpenIncident(i) && i.status !== 'monitoring') impacts.push(i.impact);
  const worst = worstImpact(impacts);
  let indicator: Indicator = worst;
  if (worst === 'none' && (db.components.some((c) => c.status === 'under_maintenance') || db.maintenances.some(isActiveMaintenance))) {
    indicator = 'maintenance';
  }
  return { indicator, description: INDICATOR_DESCRIPTION[indicator] };
}

export interface GroupView {
  group: Group | null;
  status: ComponentStatus;
  components: Component[];
}

/** The page's order of groups and components: by position, a tie by name. The console lists groups by it too. */
export const byPosition = <T extends { position: number; name: string }>(a: T, b: T) =>
  a.position - b.position || a.name.localeCompare(b.name);

/**
 * Components in display order: groups by position, each with its children by
 * position; ungrouped components form groups of their own (group: null) in
 * the same ordering, as Statuspage interleaves them.
 */
export function componentsByGroup(db: Pick<Db, 'components' | 'groups'>): GroupView[] {
  const views: Array<GroupView & { position: number; name: string }> = [];
  for (const g of db.groups) {
    const children = db.components.filter((c) => c.group === g.id).sort(byPosition);
    if (children.length === 0) continue;
    views.push({
      group: g,
      status: worstComponentStatus(children.map((c) => c.status)),
      components: children,
      position: g.position,
      name: g.name,
    });
  }
  for (const c of db.components) {
    if (c.group && db.groups.some((g) => g.id === c.group)) continue;
    views.push({ group: null, status: c.status, components: [c], position: c.position, name: c.name });
  }
  return views.sort(byPosition).map(({ group, status, components }) => ({ group, status, components }));
}

/** Incidents newest first by start; of two started at once, the later declared first (a list cut at 50 keeps it). */
export function newestFirst<T extends { started_at: string; created_at: string }>(list: T[]): T[] {
  // By instant, not by string (stored times may carry different offsets), each parsed once.
  return list
    .map((r) => ({ r, s: Date.parse(r.started_at), c: Date.parse(r.created_at) }))
    .sort((a, b) => b.s - a.s || b.c - a.c)
    .map(({ r }) => r);
}

/** Duration between start and resolution (or now), in whole minutes. */
export function durationMinutes(incident: EventRecord, now: Date): number {
  const end = incident.resolved_at ? Date.parse(incident.resolved_at) : now.getTime();
  return Math.max(0, Math.round((end - Date.parse(incident.started_at)) / 60000));
}

/**
 * "under 1 min", "42 min", "1 h 8 min", "3 d 4 h", "4 d 0 h 30 min". An incident of a few seconds did not
 * last "0 min"; one of days keeps its minutes, as the same figure written in hours would (the total duration
 * is a fact people quote, and the body's line of it must match the email's field to be left out).
 */
export function formatDuration(minutes: number): string {
  if (minutes < 1) return 'under 1 min';
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const min = m ? ` ${m} min` : '';
  if (h < 48) return `${h} h${min}`;
  return `${Math.floor(h / 24)} d ${h % 24} h${min}`;
}

/**
 * The same span as releases before 2026-12 wrote it: days and hours, the minutes dropped. A resolved update
 * written then says "Total duration: 4 d 0 h"; a restoration sent for it later (queued across the upgrade, or
 * a failed one retried) still leaves that line out beside its own "4 d 0 h 30 min".
 */
export function formatDurationAsOnceWritten(minutes: number): string {
  return formatDuration(minutes < 48 * 60 ? minutes : minutes - (minutes % 60));
}
