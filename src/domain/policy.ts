import type { Impact } from './status.ts';

/**
 * The runbook policy, in one place: severity labels, who is emailed when, and
 * how often the Comms Lead must post an update. These are the defaults of
 * docs/design.md "Runbook policy".
 */
export const SEVERITY_LABEL: Record<Impact, string> = {
  critical: 'SEV-1 critical',
  major: 'SEV-2 major',
  minor: 'SEV-3 minor',
  none: 'No impact',
};

/** Minutes between updates the Comms Lead owes customers, by impact. */
export const UPDATE_CADENCE_MINUTES: Record<Impact, number | null> = {
  critical: 30,
  major: 60,
  minor: 240,
  none: null,
};

/** Impacts whose start and resolution email subscribers without being asked. */
export const NOTIFY_BY_DEFAULT: ReadonlySet<string> = new Set(['major', 'critical']);

export interface NotifyQuestion {
  impact: Impact | 'maintenance';
  /** The incident's first update (the disruption notice). */
  first: boolean;
  resolves: boolean;
  /** What the Comms Lead said; undefined when they said nothing. */
  notify: boolean | undefined;
}

/**
 * Whether an update emails subscribers: an explicit `notify` always wins;
 * otherwise only the start and the resolution of a major or critical incident.
 */
export function shouldNotify(q: NotifyQuestion): boolean {
  if (q.notify !== undefined) return q.notify;
  return NOTIFY_BY_DEFAULT.has(q.impact) && (q.first || q.resolves);
}

/** When the next update is due, or null when the impact has no cadence or it is resolved. */
export function nextUpdateDue(impact: Impact | 'maintenance', lastUpdateAt: string, resolved: boolean): Date | null {
  if (resolved || impact === 'maintenance') return null;
  const minutes = UPDATE_CADENCE_MINUTES[impact];
  if (minutes === null) return null;
  return new Date(Date.parse(lastUpdateAt) + minutes * 60_000);
}
