import type { HeraldCore } from '../herald.ts';
import { applyDueTransitions, dueTransitions, nextDueAt, type TimerOptions } from '../domain/maintenance/due.ts';

export interface MaintenanceScheduler {
  /** The next instant something is due, as the timer last saw the data (null: nothing, or stopped). */
  nextWake(): Date | null;
  stop(): void;
}

/** Longest sleep: a wake at least this often corrects for clock jumps (suspend, NTP steps). */
const MAX_SLEEP_MS = 10 * 60_000;
/** After a failed write (disk full), try again this soon. */
const RETRY_MS = 30_000;

/**
 * The maintenance timer: one setTimeout armed for the next instant the data
 * says something is due (a reminder, a start, a completion), re-armed on every
 * store change. On waking it applies what is due through `herald.run` (one
 * verb, one durable write), so transitions happen on time with no request and,
 * on the first arm after a start, catch up on anything a restart missed.
 */
export function startMaintenanceScheduler(herald: HeraldCore, opts: TimerOptions & { log?: (line: string) => void }): MaintenanceScheduler {
  const log = opts.log ?? ((line: string) => console.log(line));
  const timerOpts: TimerOptions = { reminderMinutes: opts.reminderMinutes };
  let timer: NodeJS.Timeout | null = null;
  let wakeAt: Date | null = null;
  let running = false;
  let stopped = false;

  const arm = (delayOverride?: number): void => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = null;
    const now = herald.now();
    let delay = delayOverride;
    if (delay === undefined) {
      wakeAt = dueTransitions(herald.store.data, now, timerOpts).length > 0 ? now : nextDueAt(herald.store.data, now, timerOpts);
      if (!wakeAt) return;
      delay = wakeAt.getTime() - now.getTime();
    }
    // Long sleeps are cut short: the wake re-reads the clock and sleeps again.
    timer = setTimeout(wake, Math.min(Math.max(0, delay), MAX_SLEEP_MS));
    // The timer never keeps the process alive on its own.
    timer.unref();
  };

  const wake = async (): Promise<void> => {
    timer = null;
    if (stopped || running) return;
    if (dueTransitions(herald.store.data, herald.now(), timerOpts).length === 0) return arm();
    running = true;
    try {
      const done = await herald.run('maintenance-timer', (ctx) => applyDueTransitions(ctx, timerOpts));
      for (const a of done) log(`herald: maintenance ${a.id}: ${a.kind} (due ${a.at})`);
      running = false;
      arm();
    } catch (err) {
      running = false;
      log(`herald: maintenance timer could not apply due transitions: ${(err as Error).message}`);
      arm(RETRY_MS);
    }
  };

  // Any write may add, move or settle a window: re-arm from the new data.
  const unsubscribe = herald.store.onChange(() => {
    if (!running) arm();
  });
  arm();

  const scheduler: MaintenanceScheduler = {
    nextWake: () => wakeAt,
    stop: () => {
      stopped = true;
      wakeAt = null;
      unsubscribe();
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
  herald.onClose(() => scheduler.stop());
  return scheduler;
}
