import { formatDateTime } from '../time-text.ts';

/**
 * Default update texts for the maintenance steps, in the runbooks' voice,
 * used when the Comms Lead (or the timer) gives none. Times are written in the
 * page's time zone with the zone named.
 */
export const maintenanceText = {
  scheduled: (from: string, until: string, tz: string) =>
    `We will be undergoing scheduled maintenance from ${formatDateTime(from, tz)} to ${formatDateTime(until, tz)}.`,
  in_progress: () => 'Scheduled maintenance is currently in progress. We will provide updates as necessary.',
  verifying: () => 'The maintenance work is done and we are verifying that everything works as expected.',
  completed: () => 'The scheduled maintenance has been completed.',
  rescheduled: (from: string, until: string, tz: string) =>
    `This maintenance has been rescheduled to ${formatDateTime(from, tz)} – ${formatDateTime(until, tz)}.`,
  extended: (until: string, tz: string) => `This maintenance has been extended until ${formatDateTime(until, tz)}.`,
  shortened: (until: string, tz: string) => `This maintenance will now end earlier, at ${formatDateTime(until, tz)}.`,
  cancelled: () => 'This scheduled maintenance has been cancelled and will not take place.',
};

/** A window as notices and channel messages state it: "30 Nov 2026, 02:00 UTC to 30 Nov 2026, 03:00 UTC". */
export const windowText = (w: { scheduled_for: string; scheduled_until: string }, tz: string): string =>
  `${formatDateTime(w.scheduled_for, tz)} to ${formatDateTime(w.scheduled_until, tz)}`;
