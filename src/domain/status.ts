/**
 * The status vocabulary, in one place. Names and descriptions follow Atlassian
 * Statuspage so that API consumers and customers already know them.
 */
export const COMPONENT_STATUSES = ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];

export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed'] as const;
export type MaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];

export const IMPACTS = ['none', 'minor', 'major', 'critical'] as const;
export type Impact = (typeof IMPACTS)[number];

export const INDICATORS = ['none', 'minor', 'major', 'critical', 'maintenance'] as const;
export type Indicator = (typeof INDICATORS)[number];

export const COMPONENT_STATUS_LABEL: Record<ComponentStatus, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
};

export const INCIDENT_STATUS_LABEL: Record<IncidentStatus | MaintenanceStatus, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
  postmortem: 'Postmortem',
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  verifying: 'Verifying',
  completed: 'Completed',
};

/**
 * The status as customers read it: "postmortem" is Statuspage's state for a
 * resolved incident whose review is out, so customers read "Resolved" (the
 * postmortem itself is a link beside it).
 */
export const CUSTOMER_STATUS_LABEL: Record<IncidentStatus | MaintenanceStatus, string> = {
  ...INCIDENT_STATUS_LABEL,
  postmortem: 'Resolved',
};

export const IMPACT_LABEL: Record<Impact | 'maintenance', string> = {
  none: 'No impact',
  minor: 'Minor',
  major: 'Major',
  critical: 'Critical',
  maintenance: 'Maintenance',
};

/** An incident's impact as a customer reads it beside "Resolved": "Major impact", "No impact". */
export const impactText = (impact: Impact | 'maintenance'): string =>
  impact === 'none' ? IMPACT_LABEL.none : `${IMPACT_LABEL[impact]} impact`;

export const INDICATOR_DESCRIPTION: Record<Indicator, string> = {
  none: 'All Systems Operational',
  minor: 'Minor Service Outage',
  major: 'Partial System Outage',
  critical: 'Major Service Outage',
  maintenance: 'Service Under Maintenance',
};

/** Severity rank of a component status; under_maintenance ranks apart (see rollUp). */
const COMPONENT_RANK: Record<ComponentStatus, number> = {
  operational: 0,
  under_maintenance: 1,
  degraded_performance: 2,
  partial_outage: 3,
  major_outage: 4,
};

/** The worst of several component statuses (a group's status is its worst child). */
export function worstComponentStatus(statuses: Iterable<ComponentStatus>): ComponentStatus {
  let worst: ComponentStatus = 'operational';
  for (const s of statuses) if (COMPONENT_RANK[s] > COMPONENT_RANK[worst]) worst = s;
  return worst;
}

const IMPACT_RANK: Record<Impact, number> = { none: 0, minor: 1, major: 2, critical: 3 };

export function componentStatusToImpact(status: ComponentStatus): Impact {
  switch (status) {
    case 'degraded_performance':
      return 'minor';
    case 'partial_outage':
      return 'major';
    case 'major_outage':
      return 'critical';
    default:
      return 'none';
  }
}

export function worstImpact(impacts: Iterable<Impact>): Impact {
  let worst: Impact = 'none';
  for (const i of impacts) if (IMPACT_RANK[i] > IMPACT_RANK[worst]) worst = i;
  return worst;
}

export function isResolvedStatus(status: IncidentStatus | MaintenanceStatus): boolean {
  return status === 'resolved' || status === 'postmortem' || status === 'completed';
}
