import type { HeraldCore } from '../herald.ts';
import { applyDueWork, hasDueWork, nextWorkAt, type TimerOptions } from '../domain/timer.ts';

export interface Timer {
  /** The next instant something is due, as the timer last saw the data (null: nothing, or stopped). */
  nextWake(): Date | null;
  stop(): void;
}

/** Longest sleep: a wake at least this often corrects for clock jumps (suspend, NTP steps). */
const MAX_SLEEP_MS = 10 * 60_000;
/** After a failed write (disk full), try again this soon. */
const RETRY_MS = 30_000;

/**
 * The one timer: one setTimeout armed for the next instant the data says
 * something is due (a maintenance reminder, start or completion; an incident's
 * late disruption notice), re-armed on every store change. On waking it applies what is due through `herald.run` (one
 * verb, one durable write), so transitions happen on time with no request and,
 * on the first arm after a start, catch up on anything a restart missed.
 */
export function startTimer(herald: HeraldCore, opts: TimerOptions & { log?: (line: string) => void }): Timer {
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
      wakeAt = hasDueWork(herald.store.data, now, timerOpts) ? now : nextWorkAt(herald.store.data, now, timerOpts);
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
    if (!hasDueWork(herald.store.data, herald.now(), timerOpts)) return arm();
    running = true;
    try {
      const done = await herald.run('timer', (ctx) => applyDueWork(ctx, timerOpts));
      for (const a of done) log(`herald: ${a.kind === 'late-notice' ? 'incident' : 'maintenance'} ${a.id}: ${a.kind} (due ${a.at})`);
      running = false;
      arm();
    } catch (err) {
      running = false;
      log(`herald: the timer could not apply what is due: ${(err as Error).message}`);
      arm(RETRY_MS);
    }
  };

  // Any write may add, move or settle a window: re-arm from the new data.
  const unsubscribe = herald.store.onChange(() => {
    if (!running) arm();
  });
  arm();

  const scheduler: Timer = {
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
