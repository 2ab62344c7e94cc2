import type { Maintenance } from '../domain/model.ts';
import { INCIDENT_STATUS_LABEL } from '../domain/status.ts';
import { when } from './format.ts';

/**
 * A window's status and times as the console says them: a cancelled window as cancelled (its status
 * is `completed` in the Statuspage vocabulary), and once it ran, when it really did (started early,
 * completed early or late) rather than what was planned.
 */
export function windowSummary(m: Maintenance, tz: string): { label: string; times: string } {
  const planned = `${when(m.scheduled_for, tz)} to ${when(m.scheduled_until, tz)}`;
  if (m.cancelled_at) return { label: 'Cancelled', times: `was scheduled ${planned}` };
  const label = INCIDENT_STATUS_LABEL[m.status];
  if (m.status === 'scheduled') return { label, times: planned };
  if (m.status === 'completed' && m.resolved_at)
    return { label, times: `carried out ${when(m.started_at, tz)} to ${when(m.resolved_at, tz)}` };
  return { label, times: `started ${when(m.started_at, tz)}, scheduled to end ${when(m.scheduled_until, tz)}` };
}
