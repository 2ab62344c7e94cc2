import { Hono } from 'hono';
import type { Herald } from '../../herald.ts';
import type { AdminEnv } from './auth.ts';
import type { Db } from '../../domain/model.ts';
import { overallStatus } from '../../domain/overall.ts';
import { activeIncidents, postmortemsOwed } from '../../domain/cadence.ts';
import { isReminderKey } from '../../notify/intents.ts';
import { stoppedChannels } from '../../read/stopped-channels.ts';
import { noticeEvent } from '../../read/notice-event.ts';
import { formatDateTime, formatTimeNear } from '../../domain/time-text.ts';
import { severityLabel } from '../../domain/policy.ts';
import { INCIDENT_STATUS_LABEL } from '../../domain/status.ts';
import { componentNamer } from '../../domain/components/names.ts';
import { authorWords, morePostmortemsText, overdueAlert } from '../../domain/words.ts';

/** How many notices the dashboard lists (src/components/admin/RecentDeliveries.astro). */
export const DASHBOARD_NOTICES = 6;

/**
 * `GET /dashboard`: what the console's dashboard shows that changes with the
 * clock or the outbox, for public/admin/dashboard.js to refresh the page in
 * place: the overall status, each active incident's next update due and
 * whether it is overdue, the postmortems owed (the ten the page lists, and how
 * many in all), the recent notices' delivery counts, whether sending is paused,
 * and the channels that are not active (src/read/stopped-channels.ts, the
 * page's rows too).
 *
 * Times come written as the pages write them (src/domain/time-text.ts: "04:22 EST", the zone named as
 * people there write it), for the scripts to show as they are: `now_text`, and each incident's
 * `due_text` and `last_update_text`. An incident row carries what the dashboard's row shows (its
 * severity, status, components, last update and by whom), for the script to redraw a row that changed
 * (a new update, a re-grade) and the incident page's script (public/admin/update-due.js) its due line.
 *
 * The incident rows come from the same domain functions as the page's
 * (src/domain/cadence.ts); the notice rows are rebuilt here like
 * src/console/deliveries.ts noticeRows, because api/ may not import console/
 * (.dependency-cruiser.cjs); tests/api/dashboard.test.ts holds the two to
 * the same answers.
 */
export function dashboardApi(herald: Herald) {
  const app = new Hono<AdminEnv>();

  app.get('/dashboard', async (c) => {
    const db = herald.store.data;
    const now = herald.now();
    const overall = overallStatus(db);
    const paused = herald.notify.sending.paused;
    const active = activeRows(db, now, herald.config.HERALD_CADENCE_SCALE, herald.config.SITE_TIMEZONE);
    return c.json({
      now: now.toISOString(),
      now_text: formatDateTime(now.toISOString(), herald.config.SITE_TIMEZONE),
      time_zone: herald.config.SITE_TIMEZONE,
      overall: { indicator: overall.indicator, description: overall.description },
      active,
      overdue_text: overdueAlert(active.filter((r) => r.overdue).map((r) => r.name)),
      ...postmortemRows(db, now),
      deliveries: await noticeRows(herald, db),
      paused: paused ? { reason: paused.reason, at: paused.at } : null,
      // The sender pauses and disables channels on its own, and their waiting counts move: the page's warning follows.
      stopped_channels: stoppedChannels(db.channels, (id) => herald.channels.status(id).queued),
    });
  });

  return app;
}

/** Open incidents, the most urgent update first, with what their dashboard row says (src/pages/admin/index.astro). */
function activeRows(db: Db, now: Date, cadenceScale: number, tz: string) {
  // As the page and the messages name them: "Core platform / API" where another component is called API too.
  const namesOf = componentNamer(db);
  return activeIncidents(db, now, cadenceScale).map((r) => {
    const last = r.incident.updates.filter((u) => u.created_at === r.lastUpdateAt).at(-1);
    return {
      id: r.incident.id,
      name: r.incident.name,
      status: r.incident.status,
      status_label: INCIDENT_STATUS_LABEL[r.incident.status],
      impact: r.incident.impact,
      severity_label: severityLabel(r.incident),
      components_text: namesOf(r.incident).join(', ') || 'no components',
      last_update_at: r.lastUpdateAt,
      // As customers read it beside the update (and the cadence counts from it); last_update_at tells a new one.
      last_update_text: formatTimeNear(r.lastToldAt, tz, now),
      last_update_by: last ? authorWords(last.author) : null,
      due_at: r.dueAt,
      due_text: r.dueAt === null ? null : formatTimeNear(r.dueAt, tz, now),
      overdue: r.overdue,
      minutes_left: r.minutesLeft,
    };
  });
}

/**
 * The postmortems owed the page lists (the DASHBOARD_POSTMORTEMS most recently resolved: overdue first, then
 * due, then owed), and how many are owed in all, for its "and 1,299 more postmortems owed".
 */
function postmortemRows(db: Db, now: Date) {
  const { rows, total } = postmortemsOwed(db, now);
  return {
    postmortems: rows.map(({ incident, due }) => ({
      id: incident.id,
      name: incident.name,
      state: due.state,
      due_at: due.dueAt,
      overdue_at: due.overdueAt,
    })),
    postmortems_total: total,
    postmortems_more_text: morePostmortemsText(total - rows.length),
  };
}

/** The newest notices with their delivery counts (as noticeRows). */
async function noticeRows(herald: Herald, db: Db) {
  const intents = await herald.notify.outbox.notices(DASHBOARD_NOTICES);
  return intents.map((it) => ({
    intent: it.key,
    incident_id: it.incident,
    ...noticeEvent(db, it.incident),
    kind: isReminderKey(it.key) ? 'reminder' : it.kind,
    created_at: it.created_at,
    queued: it.queued,
    sent: it.sent,
    failed: it.failed,
  }));
}
