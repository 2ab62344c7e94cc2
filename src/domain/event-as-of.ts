import type { EventRecord, Incident, IncidentUpdate, Maintenance, MaintenanceUpdate, Update } from './model.ts';
import type { Settings } from './settings.ts';
import { gradeAt } from './incidents/grades.ts';
import { isResolvedStatus } from './status.ts';
import { componentsAsOf } from './components/following.ts';

/**
 * The event as it stood when this update was written: its updates up to it and, for an incident, its grade then
 * (a late delivery does not tell the future: a re-grade since changes neither its label nor its cadence); for a
 * window, the times the update recorded (a reschedule since moves neither a Scheduled post's window nor an earlier
 * move's). Every late message reads it: the channels' posts and webhooks, and the email notices.
 */
export function asOf<E extends EventRecord>(event: E, update: Update, settings: Settings): E {
  const updates = event.updates.slice(0, event.updates.findIndex((u) => u.id === update.id) + 1);
  const reached = (status: string) => updates.some((u) => u.status === status);
  const ended = event.kind === 'incident' ? reached('resolved') : reached('completed');
  return {
    ...event,
    status: update.status,
    updates,
    updated_at: update.created_at >= event.created_at ? update.created_at : event.updated_at,
    resolved_at: ended ? event.resolved_at : null,
    ...(event.kind === 'incident'
      ? {
          monitoring_at: reached('monitoring') ? event.monitoring_at : null,
          ...gradeAt(settings, event as Incident, update as IncidentUpdate),
          ...namedAt(event as Incident, updates as IncidentUpdate[]),
        }
      : windowAt(update as MaintenanceUpdate)),
  } as E;
}

/**
 * An incident's components, commander and estimate as its updates up to one left them (each update records the
 * components it named or took off, and the commander and estimate it gave). What no update records (data saved
 * before updates recorded it) is taken as it is now.
 */
function namedAt(incident: Incident, upTo: IncidentUpdate[]): Pick<Incident, 'components' | 'commander' | 'eta'> {
  const last = <K extends 'commander' | 'eta'>(key: K) => upTo.findLast((u) => u[key] !== undefined)?.[key];
  // Recorded from the declaration on (null: none given); an incident declared before then records neither there.
  const given = <K extends 'commander' | 'eta'>(key: K) => incident.updates[0]?.[key] !== undefined;
  const resolved = upTo.some((u) => isResolvedStatus(u.status));
  return {
    components: componentsAsOf(incident, upTo),
    commander: last('commander') ?? (given('commander') ? null : incident.commander),
    eta: resolved ? null : (last('eta') ?? (given('eta') ? null : incident.eta)),
  };
}

/** A window's times as the update left them; a window not started yet "starts" when it was scheduled to then. */
function windowAt(update: MaintenanceUpdate): Partial<Maintenance> {
  if (!update.window) return {};
  return { ...update.window, ...(update.status === 'scheduled' ? { started_at: update.window.scheduled_for } : {}) };
}
