import type { SeverityLevel } from './settings.ts';

/**
 * The severity schemes of the five runbooks Herald was built from, as
 * settings levels (docs/runbooks.md says where each number comes from). The
 * console offers them as starting points; nothing applies them by itself.
 */
type Level = Pick<SeverityLevel, 'id' | 'label' | 'description' | 'impact' | 'update_every_minutes' | 'email_subscribers'> &
  Partial<SeverityLevel>;

const level = (l: Level): SeverityLevel => ({
  id: l.id,
  label: l.label,
  description: l.description,
  impact: l.impact,
  update_every_minutes: l.update_every_minutes,
  email_subscribers: l.email_subscribers,
  email_every_update: l.email_every_update ?? false,
  email_after_minutes: l.email_after_minutes ?? null,
  postmortem_due_hours: l.postmortem_due_hours ?? null,
  postmortem_overdue_hours: l.postmortem_overdue_hours ?? null,
});
/** P1–P4 (every level: the runbook's post-incident review has no severity limit) and SEV-1–SEV-3: a review "within 24 hours" of the resolution. */
const withinADay = { postmortem_due_hours: 24, postmortem_overdue_hours: 24 };
/** P0–P3's P0 and P1: "within 24–48 hours", so due after one day and overdue after two. */
const withinOneToTwoDays = { postmortem_due_hours: 24, postmortem_overdue_hours: 48 };
/** Severity 1–4 and SEV-0–SEV-3: a review of every incident "within 48 hours". */
const withinTwoDays = { postmortem_due_hours: 48, postmortem_overdue_hours: 48 };

export interface SeverityScheme {
  id: string;
  name: string;
  levels: SeverityLevel[];
}

export const SEVERITY_SCHEMES: SeverityScheme[] = [
  {
    id: 'p1-p4',
    name: 'P1–P4 (updates every 15 min to 4 h)',
    levels: [
      level({
        id: 'p1',
        label: 'P1',
        description: 'A complete outage, data loss or a security breach',
        impact: 'critical',
        update_every_minutes: 15,
        email_subscribers: true,
        ...withinADay,
      }),
      level({
        id: 'p2',
        label: 'P2',
        description: 'A major feature unavailable, or slow for many customers',
        impact: 'major',
        update_every_minutes: 30,
        email_subscribers: true,
        ...withinADay,
      }),
      level({
        id: 'p3',
        label: 'P3',
        description: 'A minor feature not working as it should',
        impact: 'minor',
        update_every_minutes: 60,
        email_subscribers: false,
        ...withinADay,
      }),
      level({
        id: 'p4',
        label: 'P4',
        description: 'A cosmetic issue with no effect on your work',
        impact: 'none',
        update_every_minutes: 240,
        email_subscribers: false,
        ...withinADay,
      }),
    ],
  },
  {
    id: 'sev1-sev3',
    name: 'SEV-1–SEV-3 (customers emailed when it lasts over an hour)',
    levels: [
      level({
        id: 'sev1',
        label: 'SEV-1',
        description: 'A critical outage: the service is down or unusable',
        impact: 'critical',
        update_every_minutes: 60,
        email_subscribers: true,
        email_after_minutes: 60,
        ...withinADay,
      }),
      level({
        id: 'sev2',
        label: 'SEV-2',
        description: 'A major feature degraded or unavailable',
        impact: 'major',
        update_every_minutes: 120,
        email_subscribers: true,
        email_after_minutes: 60,
        ...withinADay,
      }),
      level({
        id: 'sev3',
        label: 'SEV-3',
        description: 'A minor issue with a workaround',
        impact: 'minor',
        update_every_minutes: 1440,
        email_subscribers: false,
      }),
    ],
  },
  {
    id: 'p0-p3',
    name: 'P0–P3 (updates every 30 min, hourly, daily)',
    levels: [
      level({
        id: 'p0',
        label: 'P0',
        description: 'A complete outage or a critical function unavailable for all customers',
        impact: 'critical',
        update_every_minutes: 30,
        email_subscribers: true,
        ...withinOneToTwoDays,
      }),
      level({
        id: 'p1',
        label: 'P1',
        description: 'A major function unavailable or badly degraded for many customers',
        impact: 'major',
        update_every_minutes: 60,
        email_subscribers: true,
        ...withinOneToTwoDays,
      }),
      level({
        id: 'p2',
        label: 'P2',
        description: 'A function partly degraded for some customers',
        impact: 'minor',
        update_every_minutes: 1440,
        email_subscribers: false,
        postmortem_due_hours: 168,
        postmortem_overdue_hours: 168,
      }),
      level({
        id: 'p3',
        label: 'P3',
        description: 'A minor issue with little effect on your work',
        impact: 'none',
        update_every_minutes: 1440,
        email_subscribers: false,
      }),
    ],
  },
  {
    id: 'sev-1-4',
    name: 'Severity 1–4 (hourly, 2 h, daily, weekly)',
    levels: [
      level({
        id: 'sev-1',
        label: 'Severity 1',
        description: 'The service is down or critical customer data is at risk',
        impact: 'critical',
        update_every_minutes: 60,
        email_subscribers: true,
        ...withinTwoDays,
      }),
      level({
        id: 'sev-2',
        label: 'Severity 2',
        description: 'A major feature is not working for several customers',
        impact: 'major',
        update_every_minutes: 120,
        email_subscribers: true,
        ...withinTwoDays,
      }),
      level({
        id: 'sev-3',
        label: 'Severity 3',
        description: 'A feature is degraded for a few customers',
        impact: 'minor',
        update_every_minutes: 1440,
        email_subscribers: false,
        ...withinTwoDays,
      }),
      level({
        id: 'sev-4',
        label: 'Severity 4',
        description: 'A minor issue with no disruption to your work',
        impact: 'none',
        update_every_minutes: 10080,
        email_subscribers: false,
        ...withinTwoDays,
      }),
    ],
  },
  {
    id: 'sev0-sev3',
    name: 'SEV-0–SEV-3 (customers emailed for SEV-0 and SEV-1)',
    levels: [
      level({
        id: 'sev0',
        label: 'SEV-0',
        description: 'A complete outage affecting all customers',
        impact: 'critical',
        update_every_minutes: 30,
        email_subscribers: true,
        ...withinTwoDays,
      }),
      level({
        id: 'sev1',
        label: 'SEV-1',
        description: 'Major functionality broken for many customers',
        impact: 'major',
        update_every_minutes: 30,
        email_subscribers: true,
        ...withinTwoDays,
      }),
      level({
        id: 'sev2',
        label: 'SEV-2',
        description: 'Part of the service affected for a limited number of customers',
        impact: 'minor',
        update_every_minutes: 240,
        email_subscribers: false,
        ...withinTwoDays,
      }),
      level({
        id: 'sev3',
        label: 'SEV-3',
        description: 'A minor issue with no significant effect on customers',
        impact: 'none',
        update_every_minutes: null,
        email_subscribers: false,
        ...withinTwoDays,
      }),
    ],
  },
];
