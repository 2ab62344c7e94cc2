import { allEvents, type Component, type Db, type EventRecord, type Group, statusTaken, type Update } from '../domain/model.ts';
import { worstComponentStatus } from '../domain/status.ts';
import { componentsByGroup } from '../domain/overall.ts';
import { laterFirst } from '../domain/live-first.ts';
import { isoDay, localDate } from '../domain/zoned-days.ts';
import { deletedComponent } from '../domain/components/as-deleted.ts';
import { existedFrom, firstNamed } from '../domain/components/existed-from.ts';

/**
 * Herald records in the shapes of Atlassian Statuspage's public v2 API, so
 * existing clients work unchanged. Timestamps always carry milliseconds.
 */
export const ms = (iso: string | null): string | null => (iso === null ? null : new Date(iso).toISOString());

/** What the public outputs need to know about the site (a slice of Config). */
export interface SiteInfo {
  SITE_URL: string;
  SITE_NAME: string;
  SITE_TIMEZONE: string;
}

/** IANA name as Statuspage writes it: plain `UTC` is `Etc/UTC` there. */
export const statuspageTimeZone = (tz: string): string => (tz === 'UTC' ? 'Etc/UTC' : tz);

/** The page's last change: the newest timestamp of its components, groups and incidents. */
export function pageUpdatedAt(db: Db): string {
  let at = updatedAt.get(db);
  if (at === undefined) updatedAt.set(db, (at = newestChange(db)));
  return at;
}

// A scan of every record and update (about 10 ms with 5,000 incidents), asked for by each v2 document, the feeds, the
// banner and the pages' clock: once per data object, which every write replaces (a write works on a copy).
const updatedAt = new WeakMap<Db, string>();

function newestChange(db: Db): string {
  let latest = db.page.removed_at ?? db.page.created_at;
  const consider = (iso: string) => {
    if (Date.parse(iso) > Date.parse(latest)) latest = iso;
  };
  for (const c of db.components) consider(c.updated_at);
  for (const g of db.groups) consider(g.updated_at);
  for (const i of allEvents(db)) {
    consider(i.updated_at);
    for (const u of i.updates) consider(u.updated_at);
  }
  return new Date(latest).toISOString();
}

/** The `page` object every v2 document starts with. */
export function pageJson(db: Db, site: SiteInfo) {
  return {
    id: db.page.id,
    name: site.SITE_NAME,
    url: site.SITE_URL,
    time_zone: statuspageTimeZone(site.SITE_TIMEZONE),
    updated_at: pageUpdatedAt(db),
  };
}

/** Absolute URL of an incident's (or maintenance's) public page. */
export const incidentUrl = (siteUrl: string, id: string): string => `${siteUrl}/incidents/${encodeURIComponent(id)}`;

/** What a record needs of the site: its address for links, its zone for a component's start date. */
export type RecordSite = Pick<SiteInfo, 'SITE_URL' | 'SITE_TIMEZONE'>;

/**
 * When each component existed from (existedFrom's `named`), once per data object as pageUpdatedAt: a
 * scan of every incident and window, asked for by every record of a component.
 */
function namedOf(db: Pick<Db, 'incidents' | 'maintenances'>): Map<string, number> {
  let named = firstNamedAt.get(db);
  if (named === undefined) firstNamedAt.set(db, (named = firstNamed(db)));
  return named;
}
const firstNamedAt = new WeakMap<object, Map<string, number>>();

/**
 * A component's record. Its `start_date` is the first day of its uptime bar in SITE_TIMEZONE: the day it was
 * added, or that of an incident backfilled on it from before.
 */
export function componentJson(c: Component, db: Pick<Db, 'page' | 'incidents' | 'maintenances'>, timeZone: string) {
  const pageId = db.page.id;
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    created_at: ms(c.created_at),
    updated_at: ms(c.updated_at),
    position: c.position,
    description: c.description,
    showcase: true,
    start_date: isoDay(localDate(existedFrom(c, namedOf(db)), timeZone)),
    group_id: c.group,
    page_id: pageId,
    group: false,
    only_show_if_degraded: false,
  };
}

/** A group as Statuspage writes it: its status and last change are its components' (worst, latest). */
export function groupJson(g: Group, children: Component[], pageId: string) {
  const latest = [g.updated_at, ...children.map((c) => c.updated_at)].sort(laterFirst)[0]!;
  return {
    id: g.id,
    name: g.name,
    status: worstComponentStatus(children.map((c) => c.status)),
    created_at: ms(g.created_at),
    updated_at: ms(latest),
    position: g.position,
    description: null,
    showcase: false,
    start_date: null,
    group_id: null,
    page_id: pageId,
    group: true,
    only_show_if_degraded: false,
    components: children.map((c) => c.id),
  };
}

/** Groups and components as one flat list in the page's order (componentsByGroup), groups before their children. */
export function componentsJson(db: Db, timeZone: string) {
  return componentsByGroup(db).flatMap((v) => [
    ...(v.group ? [groupJson(v.group, v.components, db.page.id)] : []),
    ...v.components.map((c) => componentJson(c, db, timeZone)),
  ]);
}

/**
 * Statuspage's four fields: the status change each component went through (a component taken off the incident
 * too; one another open incident held at a worse status shows that status, as the component does), null when
 * none changed. One held so stays out: a window starting over an incident's outage read "Website: partial outage
 * → partial outage" (from a hunt).
 */
function changedComponents(u: Update) {
  const changed = u.affected_components
    .map((c) => ({ code: c.code, name: c.name, old_status: c.old_status, new_status: statusTaken(c) }))
    .filter((c) => c.new_status !== c.old_status);
  return changed.length ? changed : null;
}

export function updateJson(u: Update, incidentId: string) {
  return {
    id: u.id,
    status: u.status,
    body: u.body,
    incident_id: incidentId,
    created_at: ms(u.created_at),
    updated_at: ms(u.updated_at),
    display_at: ms(u.display_at),
    affected_components: changedComponents(u),
    deliver_notifications: u.notify,
    custom_tweet: null,
    tweet_id: null,
  };
}

/** An incident's or a window's updates, newest first (clients take the first as the latest). */
export function updatesNewestFirst<U extends Update>(e: { updates: U[] }): U[] {
  // Kept in the order posted: of two posted within one millisecond (a script), the later one comes first.
  return [...e.updates].reverse().sort((a, b) => laterFirst(a.display_at, b.display_at) || laterFirst(a.created_at, b.created_at));
}

/**
 * An incident, or a maintenance window, in Statuspage's incident shape. The
 * API shows a window as an incident with `impact: maintenance`, its window
 * times last; this is the one place that shape is made.
 */
export function incidentJson(e: EventRecord, db: Db, site: RecordSite) {
  const base = {
    id: e.id,
    name: e.name,
    status: e.status,
    created_at: ms(e.created_at),
    updated_at: ms(e.updated_at),
    monitoring_at: e.kind === 'incident' ? ms(e.monitoring_at) : null,
    resolved_at: ms(e.resolved_at),
    impact: e.kind === 'incident' ? e.impact : ('maintenance' as const),
    shortlink: incidentUrl(site.SITE_URL, e.id),
    // A window's, as on Statuspage, is when it was created: its own times are scheduled_for and scheduled_until.
    started_at: e.kind === 'incident' ? ms(e.started_at) : ms(e.created_at),
    page_id: db.page.id,
    incident_updates: updatesNewestFirst<Update>(e).map((u) => updateJson(u, e.id)),
    // One deleted since (with force) stays, as it was, with the status this event gave it: the pages keep its
    // name, and an event naming no component reads as page-wide to a client.
    components: e.components
      .map((id) => db.components.find((c) => c.id === id) ?? deletedComponent(db, e, id)!)
      .map((c) => componentJson(c, db, site.SITE_TIMEZONE)),
  };
  if (e.kind === 'incident') return base;
  return { ...base, scheduled_for: ms(e.scheduled_for), scheduled_until: ms(e.scheduled_until) };
}
