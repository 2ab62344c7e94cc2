import type { EventRecord, Maintenance, MaintenanceUpdate, MaintenanceUpdateStep } from '../model.ts';
import { CUSTOMER_STATUS_LABEL, type MaintenanceStatus } from '../status.ts';
import { formatDateTime } from '../time-text.ts';
import { maintenanceText, windowText } from './texts.ts';

/**
 * Which move of the window `update` records: its own `step`, or, for an update saved before steps were
 * recorded, what the statuses tell: the first update schedules; a move into in_progress, verifying or
 * completed starts, verifies or completes (completed straight from scheduled is a cancel, the only way there);
 * an update that keeps the status is a note (an old reschedule reads as one).
 */
export function maintenanceStep(m: Maintenance, update: MaintenanceUpdate): MaintenanceUpdateStep {
  if (update.step) return update.step;
  const index = m.updates.findIndex((u) => u.id === update.id);
  if (index === 0) return 'scheduled';
  if (index < 0) return 'note';
  const before = m.updates[index - 1]!.status;
  if (update.status === before) return 'note';
  if (update.status === 'in_progress') return 'started';
  if (update.status === 'verifying') return 'verifying';
  if (update.status === 'completed') return before === 'scheduled' ? 'cancelled' : 'completed';
  return 'note';
}

/** A step, or the pre-start reminder (a notice of its own, stored as no update). */
export type MaintenanceNoticeStep = MaintenanceUpdateStep | 'reminder';

/** What a notice of each step says it is: the email's subject and title, and a channel message's heading. */
export const MAINTENANCE_TITLE: Record<MaintenanceNoticeStep, string> = {
  scheduled: 'Scheduled maintenance',
  reminder: 'Reminder: scheduled maintenance',
  started: 'Maintenance started',
  verifying: 'Maintenance being verified',
  completed: 'Maintenance completed',
  cancelled: 'Maintenance cancelled',
  rescheduled: 'Maintenance rescheduled',
  extended: 'Maintenance extended',
  shortened: 'Maintenance ending earlier',
  note: 'Maintenance update',
};

/** The status customers read: a cancelled window is `completed` in the Statuspage vocabulary, told as cancelled. */
export const stepStatusLabel = (step: MaintenanceNoticeStep, status: MaintenanceStatus, m: Pick<Maintenance, 'cancelled_at'>): string =>
  toldAs(step, status, m) === 'cancelled' ? 'Cancelled' : CUSTOMER_STATUS_LABEL[status];

/**
 * The step a notice reads as: a note tells the window as its status then was, so one posted after a cancel
 * reads as cancelled (its status is `completed`, which the page, the email and the war room had called
 * "Completed") and one after the work as completed; a note before either reads as a note.
 */
const toldAs = (step: MaintenanceNoticeStep, status: MaintenanceStatus, m: Pick<Maintenance, 'cancelled_at'>): MaintenanceNoticeStep =>
  step !== 'note' || status !== 'completed' ? step : m.cancelled_at ? 'cancelled' : 'completed';

/** The status customers read of an incident or a window as it stands: a cancelled window is "Cancelled". */
export const eventStatusLabel = (e: EventRecord): string =>
  e.kind === 'maintenance' && e.cancelled_at ? 'Cancelled' : CUSTOMER_STATUS_LABEL[e.status];

/** Whether a step changed the window's times: a reschedule, an extension, an earlier end. */
export const isMove = (step: MaintenanceNoticeStep | undefined): boolean =>
  step === 'rescheduled' || step === 'extended' || step === 'shortened';

/** What the window's line is called after this step. */
export const windowLabel = (step: MaintenanceNoticeStep, status: MaintenanceStatus, m: Pick<Maintenance, 'cancelled_at'>): string => {
  const told = toldAs(step, status, m);
  return told === 'cancelled' ? 'Was scheduled for' : isMove(told) ? 'New window' : told === 'completed' ? 'Carried out' : 'Window';
};

/**
 * A window as it stands: planned (scheduled), running since its real start, done (when it really
 * ran), or called off (the times it had). What the console, the page, the feeds and the calendar say
 * of its times, each in its own words.
 */
export function windowAsItStands(
  m: Pick<Maintenance, 'status' | 'scheduled_for' | 'scheduled_until' | 'started_at' | 'resolved_at' | 'cancelled_at'>,
): {
  state: 'scheduled' | 'running' | 'completed' | 'cancelled';
  from: string;
  until: string;
} {
  if (m.cancelled_at) return { state: 'cancelled', from: m.scheduled_for, until: m.scheduled_until };
  if (m.status === 'scheduled') return { state: 'scheduled', from: m.scheduled_for, until: m.scheduled_until };
  if (m.status === 'completed' && m.resolved_at) return { state: 'completed', from: m.started_at, until: m.resolved_at };
  return { state: 'running', from: m.started_at, until: m.scheduled_until };
}

/**
 * The window's line after this step, as it stands then: the planned window while it is to come (scheduled,
 * its reminder, a move, a cancel: the times it had); once started, when it really began and when it is
 * scheduled to end (a window started early or late must not read as still to start at its planned time);
 * once completed, when the work really ran. A note tells the window as its status then was (`status`, the
 * update's): a note on running work gives its real start, not the planned one.
 */
export const stepWindow = (
  step: MaintenanceNoticeStep,
  status: MaintenanceStatus,
  m: Pick<Maintenance, 'scheduled_for' | 'scheduled_until' | 'started_at' | 'resolved_at' | 'cancelled_at'>,
  tz: string,
): string => {
  // A note tells the window as it stood at the note (its status then), as the page tells it now.
  const state = step === 'note' ? windowAsItStands({ ...m, status }).state : null;
  if ((step === 'completed' || state === 'completed') && m.resolved_at)
    return `${formatDateTime(m.started_at, tz)} to ${formatDateTime(m.resolved_at, tz)}`;
  if (state === 'running' || step === 'started' || step === 'verifying' || step === 'extended' || step === 'shortened')
    return `Started ${formatDateTime(m.started_at, tz)}; scheduled to end ${formatDateTime(m.scheduled_until, tz)}`;
  return windowText(m, tz);
};

/**
 * The last update that told subscribers of the window still to come (the scheduling's notice, a move's or a
 * note's, each emailed): a move without a notice told nobody. The reminder's lead counts from it (due.ts), and
 * its `window` is the one subscribers have in mind, which a reminder after a quiet move says it moved from.
 */
export const lastToldOfWindow = (m: Pick<Maintenance, 'updates'>): MaintenanceUpdate | undefined =>
  m.updates.findLast((u) => u.notify && u.status === 'scheduled');

/**
 * The window subscribers were last told of ("30 Nov 2026, 05:00 UTC to …"), when the window has moved since
 * without telling them; else null. A reminder after such a move is otherwise worded as the one before it, but
 * for the times, and two reminders of one window at different times would leave a reader wondering which holds.
 * Null too for an update saved before each recorded its window: what it told is not known.
 */
export function movedSinceTold(m: Pick<Maintenance, 'updates' | 'scheduled_for' | 'scheduled_until'>, tz: string): string | null {
  const told = toldWindowIfMoved(m);
  return told ? windowText(told, tz) : null;
}

/** The window subscribers were last told of, when the window has moved since without telling them; else null. */
export function toldWindowIfMoved(
  m: Pick<Maintenance, 'updates' | 'scheduled_for' | 'scheduled_until'>,
): { scheduled_for: string; scheduled_until: string } | null {
  const told = lastToldOfWindow(m)?.window;
  if (!told || (told.scheduled_for === m.scheduled_for && told.scheduled_until === m.scheduled_until)) return null;
  return told;
}

/** A default text's sentences, split as notify/without-stated.ts splits a line. */
const sentencesOf = (text: string): string[] => text.split(/(?<=[.!?])\s+/);

/** The scheduling's and a move's default sentences, whatever times they give. */
const WINDOW_SENTENCE = [
  /^We will be undergoing scheduled maintenance from .+ to .+\.$/,
  /^This maintenance has been rescheduled to .+ – .+\.$/,
];

/**
 * The sentences of `text` worded as the scheduling's or a move's default text, for any window: those of an
 * update saved before each recorded its window, whose times are not known to match one.
 */
export const windowSentences = (text: string): string[] =>
  text.split('\n').flatMap((line) => sentencesOf(line.trim()).filter((s) => WINDOW_SENTENCE.some((re) => re.test(s))));

/**
 * The sentences of the steps' default texts (texts.ts) that a notice of this step already says: its opening
 * sentence says the window started, is being verified, was completed or cancelled; its window line gives the
 * times a scheduled, moved or extended window's default text spells out. The email leaves them out of the
 * update's text so each thing is said once (the page keeps them: it has no opening). Times as the window
 * stands in `tz`: a text written for other times, or typed by hand, is not one of them and stays.
 */
export function restatedSentences(
  step: MaintenanceNoticeStep,
  m: Pick<Maintenance, 'scheduled_for' | 'scheduled_until'>,
  tz: string,
): string[] {
  const planned = maintenanceText.scheduled(m.scheduled_for, m.scheduled_until, tz);
  const moved = maintenanceText.rescheduled(m.scheduled_for, m.scheduled_until, tz);
  switch (step) {
    case 'scheduled':
      return [planned];
    case 'reminder':
      // A reminder carries the window's latest update: the scheduling's text, or a move's.
      return [planned, moved];
    case 'rescheduled':
      return [moved];
    case 'extended':
      return [maintenanceText.extended(m.scheduled_until, tz)];
    case 'shortened':
      return [maintenanceText.shortened(m.scheduled_until, tz)];
    case 'started':
      // "We will provide updates as necessary." is said nowhere else: it stays.
      return sentencesOf(maintenanceText.in_progress()).slice(0, 1);
    case 'verifying':
      return sentencesOf(maintenanceText.verifying());
    case 'completed':
      return sentencesOf(maintenanceText.completed());
    case 'cancelled':
      return sentencesOf(maintenanceText.cancelled());
    default:
      return [];
  }
}

/**
 * What a notice of this step says the window moved from: a reminder after a quiet move (movedSinceTold); a
 * start when no reminder went out of the window it started in (the move was made within the reminder's lead
 * or past the start, or reminders are off): else the start would be the first subscribers hear of the move;
 * and a move's own notice (the window it frees). The window as it stood then (the update's), against what
 * they were told before it.
 */
export function noticeMovedFrom(step: MaintenanceNoticeStep, m: Maintenance, update: MaintenanceUpdate, tz: string): string | null {
  if (step === 'reminder') return movedSinceTold(m, tz);
  // A move's own notice says which window it frees (a reader who kept the old slot free), when they were told one.
  const moves = step === 'rescheduled' || (step === 'started' && m.reminded_at === null);
  if (!moves || !update.window) return null;
  const before = m.updates.slice(0, Math.max(0, m.updates.indexOf(update)));
  return movedSinceTold({ updates: before, ...update.window }, tz);
}
