import type { VerbContext } from '../context.ts';
import type { Db, Incident, Withdrawn } from '../model.ts';
import type { ComponentStatus } from '../status.ts';
import { recordAudit } from '../audit.ts';
import { Conflict } from '../errors.ts';
import { moveComponentStatus } from '../components/hand-set.ts';
import { findIncident, restoreOnResolve } from './lifecycle.ts';

/**
 * What a withdrawal's confirmation shows it was asked about: the incident's last change (`updated_at`, or its
 * postmortem's save when later: a draft's save leaves `updated_at`, which is public, where it was) and,
 * once marked, its late disruption notice, which the timer marks without changing anything else (the
 * confirmation said "0 emails so far").
 */
export const withdrawalSeen = (incident: Pick<Incident, 'updated_at' | 'late_notice_at' | 'postmortem'>): string => {
  const saved = incident.postmortem?.updated_at;
  const last = saved !== undefined && saved > incident.updated_at ? saved : incident.updated_at;
  return incident.late_notice_at === null ? last : `${last} ${incident.late_notice_at}`;
};

/** What withdrawalSeen wrote, read back: the incident's last change then, and whether its late notice was marked. */
export function readWithdrawalSeen(seen: string): { updatedAt: string; noticeMarked: boolean } {
  const [updatedAt = seen, notice] = seen.split(' ');
  return { updatedAt, noticeMarked: notice !== undefined };
}

/** The record an incident withdrawn from the data left (its id, name, when and by whom); undefined for any other id. */
export const withdrawnRecord = (db: Pick<Db, 'withdrawn'>, id: string): Withdrawn | undefined => db.withdrawn?.find((w) => w.id === id);

/**
 * Withdraws an incident published in error (a drill, the wrong component): it leaves the data, so the
 * status page, history, feeds, uptime bars and both APIs no longer know it, and nothing is owed for it
 * any more (the outboxes send only what the data still holds: queued emails and channel posts of it are
 * dropped unsent, its late notice, reminders and postmortem are no longer due). Subscribers and channels
 * are told nothing: what was sent cannot be called back, and a "restored" notice would speak of an
 * outage that never was.
 *
 * The components it holds settle by the rule a resolution follows (restoreOnResolve), before it goes,
 * so that a status set by hand is told apart from one this incident set (moveComponentStatus). Its id is
 * kept (`withdrawn`), never given to another incident; the audit log keeps its name and what it was.
 * Withdrawing it again finds it withdrawn and changes nothing (null).
 *
 * `seenAt`: withdrawalSeen of the incident as the confirmation showed it. A change made since (an update,
 * a resolution already emailed, a correction, a postmortem, its late notice marked) refuses the withdrawal (Conflict
 * `changed_since`): it would take away what its author published without the withdrawer having seen it.
 */
export function withdrawIncident(ctx: VerbContext, id: string, seenAt?: string): Withdrawn | null {
  const gone = ctx.db.withdrawn?.find((w) => w.id === id);
  if (gone && !ctx.db.incidents.some((i) => i.id === id)) return null;
  const incident = findIncident(ctx, id);
  if (seenAt !== undefined && withdrawalSeen(incident) !== seenAt)
    throw new Conflict('The incident was changed since the withdrawal was asked for; nothing was withdrawn.', 'changed_since');
  const now = ctx.now.toISOString();
  const restored = incident.resolved_at === null ? settleComponents(ctx, incident) : {};
  ctx.db.incidents = ctx.db.incidents.filter((i) => i.id !== id);
  const withdrawn: Withdrawn = { id, name: incident.name, at: now, actor: ctx.actor };
  ctx.db.withdrawn = [...(ctx.db.withdrawn ?? []), withdrawn];
  // The page's last change is otherwise read off the records still there, and would go back in time.
  ctx.db.page.removed_at = now;
  recordAudit(ctx, 'incident.withdraw', id, {
    previous: {
      name: incident.name,
      status: incident.status,
      impact: incident.impact,
      severity: incident.severity?.label ?? null,
      started_at: incident.started_at,
      resolved_at: incident.resolved_at,
      components: incident.components,
      updates: incident.updates.length,
    },
    // And the status each of its components has now, settled or not: a webhook's page as of a later update
    // (channels/page-as-of.ts) reads it, since the withdrawn incident's updates, its resolution among them, are gone.
    detail: { components_restored: restored, components_now: statusesOf(ctx, incident.components) },
  });
  return withdrawn;
}

/** The components' statuses now (those that exist). */
function statusesOf(ctx: VerbContext, ids: readonly string[]): Record<string, ComponentStatus> {
  return Object.fromEntries(ctx.db.components.filter((c) => ids.includes(c.id)).map((c) => [c.id, c.status]));
}

/** The open incident's components, settled as its resolution would settle them; what changed. */
function settleComponents(ctx: VerbContext, incident: Incident): Record<string, ComponentStatus> {
  const restore = restoreOnResolve(ctx, incident, {});
  const now = ctx.now.toISOString();
  for (const [id, status] of Object.entries(restore)) {
    const component = ctx.db.components.find((c) => c.id === id);
    if (component) moveComponentStatus(ctx.db, component, status, now);
  }
  return restore;
}
