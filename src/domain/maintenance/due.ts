import type { VerbContext } from '../context.ts';
import type { Db, Maintenance } from '../model.ts';
import { recordAudit } from '../audit.ts';
import { completeMaintenance, startMaintenance } from './transitions.ts';
import { lastToldOfWindow, toldWindowIfMoved } from './steps.ts';

/** One thing the maintenance timer must do, and the instant it became due. */
export interface DueAction {
  kind: 'remind' | 'start' | 'complete';
  id: string;
  at: string;
}

export interface TimerOptions {
  /** Minutes before the start that the reminder is due; 0 turns reminders off. */
  reminderMinutes: number;
}

const MINUTE = 60_000;

/**
 * When the pre-start reminder of a scheduled window is due, or null when it
 * gets none: it is already sent, reminders are off, subscribers were never
 * told of it (nothing emailed before its start), or its start was set
 * (scheduled, or last moved with a notice) with less lead than the reminder:
 * that notice told people, and a reminder right behind it would only repeat it.
 * A window moved since, without a notice, to a start within the lead is due at
 * once: what subscribers were told is no longer its window.
 */
export function reminderAt(m: Maintenance, opts: TimerOptions): number | null {
  if (m.status !== 'scheduled' || m.reminded_at !== null || opts.reminderMinutes <= 0) return null;
  const at = Date.parse(m.scheduled_for) - opts.reminderMinutes * MINUTE;
  // Only a window subscribers were told of is recalled to them, and a move without a notice told nobody:
  // the lead counts from the last notice before the start (the scheduling's, a move's or a note's).
  const told = lastToldOfWindow(m)?.created_at;
  if (told === undefined) return null;
  // A quiet move of the start (not of the end alone: the start they were told of stands) is due at once.
  const moved = toldWindowIfMoved(m);
  return Date.parse(told) <= at || (moved !== null && moved.scheduled_for !== m.scheduled_for) ? at : null;
}

/**
 * What the timer must do now, oldest first: reminders whose time has come
 * (only before the start: a late reminder is pointless), starts at
 * `scheduled_for` and completions at `scheduled_until` of windows that run on
 * their own. A window missed entirely (the server was down) yields both its
 * start and its completion, dated when they were due.
 */
export function dueTransitions(db: Pick<Db, 'maintenances'>, now: Date, opts: TimerOptions): DueAction[] {
  const t = now.getTime();
  const due: DueAction[] = [];
  for (const m of db.maintenances) {
    const from = Date.parse(m.scheduled_for);
    const until = Date.parse(m.scheduled_until);
    const remind = reminderAt(m, opts);
    if (remind !== null && remind <= t && t < from) due.push({ kind: 'remind', id: m.id, at: new Date(remind).toISOString() });
    if (!m.auto_transitions) continue;
    if (m.status === 'scheduled' && from <= t) {
      due.push({ kind: 'start', id: m.id, at: m.scheduled_for });
      if (until <= t) due.push({ kind: 'complete', id: m.id, at: m.scheduled_until });
    } else if (m.status === 'in_progress' && until <= t) {
      due.push({ kind: 'complete', id: m.id, at: m.scheduled_until });
    }
  }
  // Stable: a window's start stays before its completion at equal instants.
  return due.sort((a, b) => a.at.localeCompare(b.at));
}

/** The next instant after `now` at which something becomes due, or null when nothing will. */
export function nextDueAt(db: Pick<Db, 'maintenances'>, now: Date, opts: TimerOptions): Date | null {
  const t = now.getTime();
  let next = Infinity;
  for (const m of db.maintenances) {
    const candidates: number[] = [];
    const remind = reminderAt(m, opts);
    if (remind !== null) candidates.push(remind);
    if (m.auto_transitions && m.status === 'scheduled') candidates.push(Date.parse(m.scheduled_for));
    if (m.auto_transitions && (m.status === 'scheduled' || m.status === 'in_progress')) candidates.push(Date.parse(m.scheduled_until));
    for (const c of candidates) if (c > t && c < next) next = c;
  }
  return next === Infinity ? null : new Date(next);
}

/**
 * The timer's verb: recomputes what is due on the draft (so a hand move that
 * landed just before wins) and applies it through the same verbs as the
 * admin API, emailing subscribers when the window's `notify_steps` says so. Returns what it did.
 */
export function applyDueTransitions(ctx: VerbContext, opts: TimerOptions): DueAction[] {
  const due = dueTransitions(ctx.db, ctx.now, opts);
  // A window missed entirely (the server was down through it) is over: its start is recorded, and only its
  // completion emailed, rather than "now in progress" beside "completed".
  const over = new Set(due.filter((a) => a.kind === 'complete').map((a) => a.id));
  for (const action of due) {
    const m = ctx.db.maintenances.find((x) => x.id === action.id)!;
    // As the Comms Lead chose when scheduling it (the channels get every step either way).
    const notify = m.notify_steps === true;
    if (action.kind === 'start') startMaintenance(ctx, action.id, { auto: true, at: action.at, notify: notify && !over.has(m.id) });
    else if (action.kind === 'complete') completeMaintenance(ctx, action.id, { auto: true, at: action.at, notify });
    else {
      m.reminded_at = ctx.now.toISOString();
      recordAudit(ctx, 'maintenance.remind', m.id, { detail: { due_at: action.at } });
    }
  }
  return due;
}
