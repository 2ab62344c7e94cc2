import ical, { ICalCalendarMethod, ICalEventStatus, ICalEventTransparency } from 'ical-generator';
import type { Db, Maintenance } from '../domain/model.ts';
import { concerns } from '../read/banner.ts';
import { incidentUrl, updatesNewestFirst, type SiteInfo } from '../read/statuspage-records.ts';
import { markdownToText } from '../render/markdown-text.ts';
import { tagAuthority } from './xml.ts';
import { maintenancesNewestFirst } from '../read/statuspage.ts';
import { isLiveMaintenance } from '../domain/overall.ts';
import { cutKeepingLive } from '../domain/live-first.ts';
import { eventComponentNames } from '../domain/components/names.ts';
import { isMove, windowAsItStands } from '../domain/maintenance/steps.ts';
import { joinNames } from '../domain/words.ts';

export const ICS_TYPE = 'text/calendar; charset=utf-8';

/** Maintenance windows a calendar carries; enough for years of weekly windows. */
export const ICS_LIMIT = 500;

/**
 * `/maintenance.ics`: one VEVENT per maintenance window, for calendar apps
 * that subscribe to the URL. The UID (id@SITE_URL's host) stays while the host does; SEQUENCE is
 * the record's `sequence` (raised by every reschedule, a cancel and a name corrected), so
 * calendar apps replace the old event instead of adding a second one; a
 * cancelled window stays in the feed as STATUS:CANCELLED so subscribed
 * calendars remove it. DTSTAMP is the record's last change (not "now"), so
 * the file is a function of the data and its ETag stays put between writes.
 */
export function maintenanceCalendar(db: Db, site: SiteInfo, filter: string[] | null = null): string {
  const host = tagAuthority(site.SITE_URL);
  const calendar = ical({
    prodId: { company: 'Herald', product: 'Herald Status', language: 'EN' },
    name: `${site.SITE_NAME} maintenance`,
    description: `Scheduled maintenance windows of ${site.SITE_NAME}`,
    url: `${site.SITE_URL}/maintenance`,
    method: ICalCalendarMethod.PUBLISH,
    ttl: 60 * 60,
  });
  // Every window not over, however many are planned, then the latest past ones: cut by start alone, the
  // furthest ahead were kept and the next ones left out.
  const windows = cutKeepingLive(
    maintenancesNewestFirst(db.maintenances).filter((m) => concerns(m, filter)),
    isLiveMaintenance,
    ICS_LIMIT,
  );
  for (const m of windows) {
    const cancelled = m.cancelled_at !== null;
    const names = eventComponentNames(db, m);
    const first = m.updates[0];
    const latest = updatesNewestFirst(m)[0];
    // The first update says what the window is for, and when: once moved, its times are the old ones beside the
    // event's own, so it is left out. Its steps say whether it moved (`sequence` rises with a name corrected too).
    const moved = wasMoved(m);
    const lines = [
      latest && markdownToText(latest.body, { siteUrl: site.SITE_URL }),
      first && first !== latest && !moved ? markdownToText(first.body, { siteUrl: site.SITE_URL }) : '',
      // Listed as the notices and the page list them ("Card payments and API").
      names.length ? `Affected: ${joinNames(names)}` : '',
      incidentUrl(site.SITE_URL, m.id),
    ].filter(Boolean);
    // Once it ran, the event shows when it really did (started early, finished early or late), as the
    // completion email's "Carried out" does, and SEQUENCE rises with each such change of its times
    // (RFC 5545 3.8.7.4), so a subscribed calendar replaces the planned one instead of keeping it.
    const { from: start, until: end } = windowAsItStands(m);
    calendar.createEvent({
      id: `${m.id}@${host}`,
      sequence: m.sequence + (start !== m.scheduled_for ? 1 : 0) + (end !== m.scheduled_until ? 1 : 0),
      start: new Date(start),
      end: endAfter(start, end),
      stamp: new Date(m.updated_at),
      created: new Date(m.created_at),
      lastModified: new Date(m.updated_at),
      summary: cancelled ? `Cancelled: ${m.name}` : `Maintenance: ${m.name}`,
      description: lines.join('\n\n'),
      url: incidentUrl(site.SITE_URL, m.id),
      status: cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
      // A status page's maintenance is information, not a meeting: do not block time.
      transparency: ICalEventTransparency.TRANSPARENT,
    });
  }
  return calendar.toString();
}

/** Whether the window's times were ever changed after it was announced. */
function wasMoved(m: Maintenance): boolean {
  // A window recorded before its updates named their step: each move raised `sequence`, as a cancellation did once.
  if (!m.updates.some((u) => u.step)) return m.sequence > (m.cancelled_at !== null ? 1 : 0);
  return m.updates.some((u) => isMove(u.step));
}

/**
 * The event's end, later than its start in the whole seconds iCalendar writes (RFC 5545 3.8.2.2: DTEND "MUST be
 * later"): a window started and completed within one second (a start taken back at once) would end as it starts,
 * and strict calendar importers drop such an event, or the whole calendar.
 */
function endAfter(start: string, end: string): Date {
  const first = Math.floor(Date.parse(start) / 1000) * 1000;
  return new Date(Math.max(Date.parse(end), first + 1000));
}
