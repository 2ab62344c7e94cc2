import type { VerbContext } from '../context.ts';
import type { Maintenance } from '../model.ts';
import { nextDailyId } from '../ids.ts';
import { Invalid } from '../errors.ts';
import { recordAudit } from '../audit.ts';
import { appendMaintenanceUpdate } from './append.ts';
import { maintenanceText } from './texts.ts';
import { unknownComponent } from '../components/unknown.ts';

export interface ScheduleInput {
  name: string;
  scheduled_for: string;
  scheduled_until: string;
  /** Ids of the components that go under maintenance during the window. */
  components: string[];
  body?: string;
  /** Email subscribers the maintenance notice now (default: no). */
  notify?: boolean;
  /**
   * Start and complete on their own at the scheduled times (default: yes); those steps email subscribers
   * when `notify` did.
   */
  auto_transitions?: boolean;
  /** Time zone for the default text's times. */
  timeZone?: string;
}

/** Checks a window: it ends after it starts, and has not ended yet. */
export function assertWindow(ctx: VerbContext, from: string, until: string): void {
  if (Date.parse(until) <= Date.parse(from)) {
    throw new Invalid('scheduled_until must be after scheduled_for.', 'scheduled_until');
  }
  if (Date.parse(until) <= ctx.now.getTime()) {
    throw new Invalid('scheduled_until is in the past; a maintenance window must end in the future.', 'scheduled_until');
  }
}

/** How far in the past a new start may be: the console's minutes, and the time it takes to fill in the form. */
export const START_SLACK_MS = 5 * 60_000;

/**
 * Checks a start about to be announced: a window is announced before it starts. One starting well before now
 * would be emailed as "Scheduled" with a start already gone and started by the timer the same second.
 */
export function assertStartAhead(ctx: VerbContext, from: string): void {
  if (Date.parse(from) < ctx.now.getTime() - START_SLACK_MS) {
    throw new Invalid(
      'scheduled_for is in the past: a window is announced before it starts. For work already under way, schedule it from now.',
      'scheduled_for',
    );
  }
}

/**
 * Schedules a maintenance window: `MNT-<UTC date of scheduled_for>-<n>`,
 * status `scheduled`, with its first update (the maintenance notice, emailed
 * when `notify` is true). Components change only when the window starts.
 */
export function scheduleMaintenance(ctx: VerbContext, input: ScheduleInput): Maintenance {
  assertWindow(ctx, input.scheduled_for, input.scheduled_until);
  assertStartAhead(ctx, input.scheduled_for);
  const components = [...new Set(input.components)];
  for (const [i, id] of components.entries()) {
    if (!ctx.db.components.some((c) => c.id === id)) {
      throw new Invalid(unknownComponent(ctx.db, id), `components.${i}`, 'unknown_component');
    }
  }
  const now = ctx.now.toISOString();
  const from = new Date(input.scheduled_for).toISOString();
  const until = new Date(input.scheduled_until).toISOString();
  const m: Maintenance = {
    kind: 'maintenance',
    id: nextDailyId('MNT', new Date(from), ctx.db.maintenances.map((x) => x.id).concat([...(ctx.givenIds ?? [])])),
    name: input.name.trim(),
    status: 'scheduled',
    created_at: now,
    updated_at: now,
    // Until it really starts, a window "starts" when it is scheduled to.
    started_at: from,
    resolved_at: null,
    components,
    updates: [],
    scheduled_for: from,
    scheduled_until: until,
    auto_transitions: input.auto_transitions ?? true,
    // Told of the window, subscribers are told of its start and end too, whoever (or whatever) makes them.
    notify_steps: input.notify ?? false,
    reminded_at: null,
    cancelled_at: null,
    sequence: 0,
  };
  appendMaintenanceUpdate(ctx, m, {
    status: 'scheduled',
    step: 'scheduled',
    body: input.body ?? maintenanceText.scheduled(from, until, input.timeZone ?? 'UTC'),
    notify: input.notify ?? false,
  });
  ctx.db.maintenances.push(m);
  recordAudit(ctx, 'maintenance.schedule', m.id, { detail: { scheduled_for: from, scheduled_until: until } });
  return m;
}
