import { Hono } from 'hono';
import type { Herald } from '../../herald.ts';
import type { AdminEnv } from './auth.ts';
import type { Db } from '../../domain/model.ts';
import { findEvent } from '../../domain/model.ts';
import { isOpenIncident, newestFirst, overallStatus } from '../../domain/overall.ts';
import { levelOf, nextUpdateDue, postmortemDue } from '../../domain/policy.ts';
import { isResolvedStatus } from '../../domain/status.ts';
import { isReminderKey } from '../../notify/intents.ts';

/** How many notices the dashboard lists (src/components/admin/RecentDeliveries.astro). */
export const DASHBOARD_NOTICES = 6;

/**
 * `GET /dashboard`: what the console's dashboard shows that changes with the
 * clock or the outbox, for public/admin/dashboard.js to refresh the page in
 * place: the overall status, each active incident's next update due and
 * whether it is overdue, the postmortems owed, the recent notices' delivery
 * counts and whether sending is paused.
 *
 * The rows are the dashboard's own (src/console/cadence.ts activeIncidents
 * and postmortemsOwed, src/console/deliveries.ts noticeRows), rebuilt here
 * from the same domain rules because api/ may not import console/
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
    return c.json({
      now: now.toISOString(),
      time_zone: herald.config.SITE_TIMEZONE,
      overall: { indicator: overall.indicator, description: overall.description },
      active: activeRows(db, now, herald.config.HERALD_CADENCE_SCALE),
      postmortems: postmortemRows(db, now),
      deliveries: await noticeRows(herald, db),
      paused: paused ? { reason: paused.reason, at: paused.at } : null,
    });
  });

  return app;
}

/** Open incidents, the most urgent update first (as activeIncidents). */
function activeRows(db: Db, now: Date, cadenceScale: number) {
  const rows = newestFirst(db.incidents.filter(isOpenIncident)).map((incident) => {
    const lastUpdateAt =
      incident.updates
        .map((u) => u.created_at)
        .sort()
        .at(-1) ?? incident.created_at;
    const row = { id: incident.id, name: incident.name, status: incident.status, last_update_at: lastUpdateAt };
    const due = nextUpdateDue(levelOf(db.settings, incident), lastUpdateAt, isResolvedStatus(incident.status));
    if (!due) return { ...row, due_at: null, overdue: false, minutes_left: null };
    const last = Date.parse(lastUpdateAt);
    const dueMs = last + (due.getTime() - last) * cadenceScale;
    const overdue = now.getTime() >= dueMs;
    return {
      ...row,
      due_at: new Date(dueMs).toISOString(),
      overdue,
      // Negative when overdue: overdue by seconds is already "1 min ago".
      minutes_left: overdue ? -Math.max(1, Math.round((now.getTime() - dueMs) / 60_000)) : Math.floor((dueMs - now.getTime()) / 60_000),
    };
  });
  return rows.sort((a, b) => (a.due_at ?? '9').localeCompare(b.due_at ?? '9'));
}

/** Resolved incidents whose postmortem is due or overdue, overdue first (as postmortemsOwed). */
function postmortemRows(db: Db, now: Date) {
  return db.incidents
    .flatMap((incident) => {
      const due = postmortemDue(db.settings, incident, now);
      return due ? [{ id: incident.id, name: incident.name, state: due.state, due_at: due.dueAt, overdue_at: due.overdueAt }] : [];
    })
    .sort((a, b) => (a.state === b.state ? a.due_at.localeCompare(b.due_at) : a.state === 'overdue' ? -1 : 1));
}

/** The newest notices with their delivery counts (as noticeRows). */
async function noticeRows(herald: Herald, db: Db) {
  const intents = await herald.notify.outbox.notices(DASHBOARD_NOTICES);
  return intents.map((it) => ({
    intent: it.key,
    incident_id: it.incident,
    incident_name: findEvent(db, it.incident)?.name ?? it.incident,
    kind: isReminderKey(it.key) ? 'reminder' : it.kind,
    created_at: it.created_at,
    queued: it.queued,
    sent: it.sent,
    failed: it.failed,
  }));
}
