import { allEvents, type Db, type EventRecord } from '../domain/model.ts';
import { isLiveMaintenance, isOpenIncident } from '../domain/overall.ts';
import { incidentUrl, pageUpdatedAt, type SiteInfo } from '../read/statuspage-records.ts';
import { lastChanged, trailHtml } from './trail.ts';
import { tagAuthority } from './xml.ts';

/**
 * What the Atom and RSS writers share: one entry per incident and per
 * maintenance, newest activity first, with the same ids, links and trail.
 */

/** The most recent entries a feed carries; older ones stay on /history. */
export const FEED_LIMIT = 100;

export interface FeedEntry {
  id: string;
  title: string;
  url: string;
  published: string;
  updated: string;
  html: string;
}

export interface FeedHead {
  id: string;
  title: string;
  author: string;
  siteUrl: string;
  updated: string;
}

/**
 * `tag:{host},2005:Incident/{id}` as Statuspage writes it. Herald ids have
 * dashes; consumers extract the id with `Incident/(\w+)`, so dashes become
 * underscores (ids never contain underscores, so this stays one-to-one).
 */
export function entryId(host: string, incidentId: string): string {
  return `tag:${host},2005:Incident/${incidentId.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** "Acme Status - Incident History" (without doubling "Status" when the site name has it). */
export function feedTitle(siteName: string): string {
  return `${/\bstatus$/i.test(siteName.trim()) ? siteName.trim() : `${siteName.trim()} Status`} - Incident History`;
}

export function feedHead(db: Db, site: SiteInfo): FeedHead {
  return {
    id: `tag:${tagAuthority(site.SITE_URL)},2005:/history`,
    title: feedTitle(site.SITE_NAME),
    author: site.SITE_NAME,
    siteUrl: site.SITE_URL,
    updated: pageUpdatedAt(db),
  };
}

/** What is going on now: an open incident, a window not over. A feed never leaves these out. */
const live = (i: EventRecord): boolean => (i.kind === 'incident' ? isOpenIncident(i) : isLiveMaintenance(i));

/**
 * The latest time its trail shows (an update as customers read it dated, a published postmortem): what the
 * feed's "newest activity" is, as /history and the API order by what happened when, not by when it was typed
 * in. By write times, 100 incidents of 2020 imported today took every place, and last week's outage left.
 */
function lastShown(i: EventRecord): number {
  let latest = Number.NEGATIVE_INFINITY;
  for (const u of i.updates) latest = Math.max(latest, Date.parse(u.display_at));
  const pm = i.kind === 'incident' ? i.postmortem : null;
  if (pm?.published_at) latest = Math.max(latest, Date.parse(pm.published_at));
  return latest;
}

/**
 * The feed's entries, newest activity first (lastShown): the `limit` most recent, and every live one beyond
 * them, added, not counted against `limit`: windows planned months ahead once took all of it, and an outage
 * resolved a minute ago left the feed. An entry is published when it began (an incident's start, a window's
 * announcement), and updated when its record last changed (a correction of old text included).
 */
export function feedEntries(db: Db, site: SiteInfo, limit = FEED_LIMIT): FeedEntry[] {
  const host = tagAuthority(site.SITE_URL);
  const sorted = allEvents(db)
    .filter((i) => i.updates.length > 0)
    .map((i) => ({ i, shown: lastShown(i) }))
    .sort((a, b) => b.shown - a.shown || Date.parse(b.i.created_at) - Date.parse(a.i.created_at));
  return sorted
    .filter((e, n) => n < limit || live(e.i))
    .map(({ i }) => ({
      id: entryId(host, i.id),
      title: i.name,
      url: incidentUrl(site.SITE_URL, i.id),
      published: i.kind === 'incident' ? i.started_at : i.created_at,
      updated: lastChanged(i),
      html: trailHtml(i, site.SITE_TIMEZONE, site.SITE_URL),
    }));
}
