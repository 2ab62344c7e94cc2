import type { Maintenance } from '../domain/model.ts';
import { INCIDENT_STATUS_LABEL } from '../domain/status.ts';
import { when } from './format.ts';
import { windowAsItStands } from '../domain/maintenance/steps.ts';

/**
 * A window's status and times as the console says them: a cancelled window as cancelled (its status
 * is `completed` in the Statuspage vocabulary), and once it ran, when it really did (started early,
 * completed early or late) rather than what was planned; work carried on past its scheduled end says so.
 */
export function windowSummary(m: Maintenance, tz: string, now: Date): { label: string; times: string } {
  const w = windowAsItStands(m);
  const [from, until] = [when(w.from, tz), when(w.until, tz)];
  if (w.state === 'cancelled') return { label: 'Cancelled', times: `was scheduled ${from} to ${until}` };
  const label = INCIDENT_STATUS_LABEL[m.status];
  if (w.state === 'scheduled') return { label, times: `${from} to ${until}` };
  if (w.state === 'completed') return { label, times: `carried out ${from} to ${until}` };
  const passed = Date.parse(w.until) <= now.getTime() ? ' (passed)' : '';
  return { label, times: `started ${from}, scheduled to end ${until}${passed}` };
}
