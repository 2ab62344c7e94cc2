/**
 * When time alone changes what the public pages say, so the static copy (DATA_DIR/static) is written again with no
 * write to the data: the copy is what readers get while Herald is down, and a page frozen at the last publish would
 * keep an estimate that has passed as still to come, a duration of "under 1 min" for hours, and yesterday's uptime
 * bar under "Today".
 */
import type { Db } from '../domain/model.ts';
import { addDays, localDate, startOfDay } from '../domain/zoned-days.ts';
import { PAGE_CLOCK_MS } from './page-cache.ts';

/**
 * How often the copy is written again while an incident is open or a window runs, so the durations it shows
 * ("Ongoing for", "In progress for", "ongoing for" in the history) stay near true. A copy cost 50-100 ms of CPU with
 * the demo data (README, "Static fallback"), so about 1 s an hour; the live pages move every minute (PAGE_CLOCK_MS).
 */
export const DURATION_REFRESH_MS = 5 * 60_000;

/** How long a resolved incident stays under "Recently resolved" on the status page (src/pages/index.astro). */
export const RECENTLY_RESOLVED_MS = 24 * 3_600_000;

/**
 * The first instant the pages show a moment `t` as reached: their clock moves by whole minutes (pageClock), so an
 * estimate of 10:03:20 reads "(passed)" from 10:04:00 on, not before.
 */
const pagesReach = (t: number): number => Math.ceil(t / PAGE_CLOCK_MS) * PAGE_CLOCK_MS;

/**
 * The next instant after `since` at which the pages rendered from `db` read differently with no write: an open
 * incident's estimate or a window's scheduled start or end passing, local midnight in `timeZone` (the uptime bars'
 * day, dates beside times), a resolved incident leaving "Recently resolved", and, while something is under way,
 * `since` + `refreshMs` for its durations. Never null: midnight always comes.
 */
export function copyStaleAt(db: Db, since: Date, timeZone: string, refreshMs = DURATION_REFRESH_MS): Date {
  const from = since.getTime();
  const times: number[] = [startOfDay(addDays(localDate(from, timeZone), 1), timeZone)];
  let underWay = false;
  for (const i of db.incidents) {
    if (i.resolved_at === null) {
      underWay = true;
      if (i.eta) times.push(pagesReach(Date.parse(i.eta)));
    } else {
      // It leaves once the page's clock is past resolved_at + 24 h (index.astro keeps resolved_at >= clock - 24 h).
      times.push(pagesReach(Date.parse(i.resolved_at) + RECENTLY_RESOLVED_MS + 1));
    }
  }
  for (const m of db.maintenances) {
    if (m.cancelled_at !== null || m.resolved_at !== null) continue;
    if (m.status === 'scheduled') {
      // One started by hand reads "(passed)" beside its start once that goes by; one the timer starts is a write.
      times.push(pagesReach(Date.parse(m.scheduled_for)));
    } else {
      underWay = true;
      times.push(pagesReach(Date.parse(m.scheduled_until)));
    }
  }
  if (underWay) times.push(from + refreshMs);
  return new Date(Math.min(...times.filter((t) => t > from)));
}
