import type { Db } from '../model.ts';
import { type ComponentStatus, worstComponentStatus } from '../status.ts';
import { statusIntervals } from '../uptime.ts';

/**
 * Each component's status at a past instant `at`, as the uptime bars count it (statusIntervals): the worst
 * that an incident, a window or a status set by hand held it in then; operational when none did. What an
 * update that tells of the past records as a component's `old_status`: the status it has now may be another
 * incident's or a hand's since, which customers of that time never saw.
 */
export function statusesAt(
  db: Pick<Db, 'incidents' | 'maintenances' | 'components'>,
  at: string,
  now: Date,
): (id: string) => ComponentStatus {
  const t = Date.parse(at);
  // Incidents resolved before `at` held nothing then: statusIntervals skips them unread.
  const intervals = statusIntervals(db, now, t);
  return (id) => {
    const held = (intervals.get(id) ?? []).filter((iv) => iv.from <= t && t < iv.to).map((iv) => iv.status);
    return held.length ? worstComponentStatus(held) : 'operational';
  };
}
