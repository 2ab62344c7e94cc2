import type { VerbContext } from '../context.ts';
import { Conflict, Invalid } from '../errors.ts';
import { recordAudit } from '../audit.ts';
import { appendMaintenanceUpdate } from './append.ts';
import { assertStartAhead, assertWindow } from './schedule.ts';
import { findMaintenance } from './rules.ts';
import { maintenanceText } from './texts.ts';
import type { StepResult } from './transitions.ts';

export interface RescheduleInput {
  scheduled_for?: string;
  scheduled_until?: string;
  body?: string;
  notify?: boolean;
  /** Time zone for the default text's times. */
  timeZone?: string;
}

/**
 * Moves a window that has not ended. While scheduled both ends may move (a
 * new start also re-arms the reminder); once started only the end may (an
 * extension or an earlier planned end). Each move raises `sequence` and posts
 * an update in the current status, so the page and calendars follow.
 */
export function rescheduleMaintenance(ctx: VerbContext, id: string, input: RescheduleInput): StepResult {
  const m = findMaintenance(ctx, id);
  if (m.status === 'completed') {
    throw new Conflict(
      `${m.id} is ${m.cancelled_at ? 'cancelled' : 'completed'}; schedule a new maintenance.`,
      'maintenance_state',
      'status',
    );
  }
  if (input.scheduled_for === undefined && input.scheduled_until === undefined) {
    throw new Invalid('Give scheduled_for, scheduled_until or both.', 'scheduled_for');
  }
  const iso = (s: string) => new Date(s).toISOString();
  const started = m.status !== 'scheduled';
  const from = input.scheduled_for !== undefined ? iso(input.scheduled_for) : m.scheduled_for;
  const until = input.scheduled_until !== undefined ? iso(input.scheduled_until) : m.scheduled_until;
  if (started && from !== m.scheduled_for) {
    throw new Invalid(`${m.id} has started; only scheduled_until can move.`, 'scheduled_for');
  }
  if (from === m.scheduled_for && until === m.scheduled_until) {
    throw new Invalid('The window is already scheduled at these times.', 'scheduled_for');
  }
  // Started, the window runs from its real start: an end brought before a planned start still ahead (it was
  // started early) is judged against the real one. The planned start stays on record, as announced.
  assertWindow(ctx, started ? m.started_at : from, until);
  if (!started && from !== m.scheduled_for) assertStartAhead(ctx, from);
  const previous = { scheduled_for: m.scheduled_for, scheduled_until: m.scheduled_until };
  const tz = input.timeZone ?? 'UTC';
  m.scheduled_for = from;
  m.scheduled_until = until;
  m.sequence += 1;
  if (!started) {
    m.started_at = from;
    // A new start re-arms the reminder: the outbox keys each reminder by when it
    // fell due (notify/intents.ts reminderKey), so the next one is a notice of its own.
    if (previous.scheduled_for !== from) m.reminded_at = null;
  }
  // A running window's end moved later is an extension; moved earlier, it says so (not "extended").
  const step = !started ? 'rescheduled' : until < previous.scheduled_until ? 'shortened' : 'extended';
  const update = appendMaintenanceUpdate(ctx, m, {
    status: m.status,
    step,
    body: input.body ?? (step === 'rescheduled' ? maintenanceText.rescheduled(from, until, tz) : maintenanceText[step](until, tz)),
    notify: input.notify,
  });
  recordAudit(ctx, 'maintenance.reschedule', m.id, { previous, detail: { scheduled_for: from, scheduled_until: until } });
  return { maintenance: m, update };
}
