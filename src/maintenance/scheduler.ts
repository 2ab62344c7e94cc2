import type { Herald } from '../herald.ts';
import { applyDueTransitions, dueTransitions, nextDueAt, type TimerOptions } from '../domain/maintenance/due.ts';

export interface MaintenanceScheduler {
  /** When the timer will next wake (null: nothing scheduled). For tests and logs. */
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
export function startMaintenanceScheduler(
  herald: Herald,
  opts: TimerOptions & { log?: (line: string) => void },
): MaintenanceScheduler {
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
      if (dueTransitions(herald.store.data, now, timerOpts).length > 0) delay = 0;
      else {
        const next = nextDueAt(herald.store.data, now, timerOpts);
        wakeAt = next;
        if (!next) return;
        delay = next.getTime() - now.getTime();
      }
    }
    delay = Math.min(Math.max(0, delay), MAX_SLEEP_MS);
    wakeAt = new Date(now.getTime() + delay);
    timer = setTimeout(wake, delay);
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
      unsubscribe();
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
  herald.onClose(() => scheduler.stop());
  return scheduler;
}
