import type { Db, EventRecord, IncidentUpdate, SeverityChange, Update } from '../../domain/model.ts';
import { incidentJson, ms, type RecordSite } from '../../read/statuspage-records.ts';
import { gradeNamed } from '../../domain/incidents/severity.ts';

/** A re-grade as the API gives it: each level's id, label and impact (the whole level it records stays inside). */
const changeJson = (c: SeverityChange | undefined) =>
  c ? { from: gradeNamed(c.from), to: gradeNamed(c.to), direction: c.direction } : null;

/**
 * A record in the admin API: the public Statuspage shape plus what only the
 * Comms Lead sees: who wrote each update, when it was corrected, what it re-graded and the components it
 * took off the incident, the
 * postmortem (drafts included), and a window's timer state (the iCal feed
 * reads the last two).
 */
export function adminEventJson(e: EventRecord, db: Db, site: RecordSite) {
  const pub = incidentJson(e, db, site);
  const byId = new Map((e.updates as Update[]).map((u) => [u.id, u]));
  const updates = pub.incident_updates.map((u) => {
    const full = byId.get(u.id)!;
    // Its component changes as recorded: one that took a component off the incident says so (`removed: true`).
    const affected_components = full.affected_components.length ? full.affected_components : null;
    const admin = { ...u, affected_components, author: full.author, edited_at: ms(full.edited_at), notify: full.notify };
    // An incident's update says whether it re-graded the incident (null: the severity stayed), and the
    // commander it named (null: none).
    return e.kind === 'incident'
      ? {
          ...admin,
          severity_change: changeJson((full as IncidentUpdate).severity_change),
          commander: (full as IncidentUpdate).commander ?? null,
        }
      : admin;
  });
  if (e.kind === 'incident') {
    return {
      ...pub,
      incident_updates: updates,
      // The level as declared or last re-graded to (its label stays if the scheme changes later).
      severity: e.severity,
      eta: ms(e.eta),
      root_cause: e.root_cause,
      resolution: e.resolution,
      prevention: e.prevention,
      late_notice_at: ms(e.late_notice_at),
      // For the war rooms: who leads (declared with, or named by an update since) and where they meet.
      commander: e.commander,
      war_room: e.war_room,
      postmortem: e.postmortem,
    };
  }
  return {
    ...pub,
    incident_updates: updates,
    // When it really started (the public shape, as Statuspage's, has its creation there).
    started_at: ms(e.started_at),
    auto_transitions: e.auto_transitions,
    notify_steps: e.notify_steps ?? false,
    reminded_at: e.reminded_at,
    cancelled_at: e.cancelled_at,
    sequence: e.sequence,
  };
}
