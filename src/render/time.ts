/** Times as customers read them: in the page's time zone, with the zone named. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string, withDate: boolean): Intl.DateTimeFormat {
  const key = `${timeZone}|${withDate}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      ...(withDate ? { day: 'numeric', month: 'short', year: 'numeric' } : {}),
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    formatters.set(key, f);
  }
  return f;
}

/** "23 Nov 2026, 14:05 UTC" */
export function formatDateTime(iso: string, timeZone = 'UTC'): string {
  return formatter(timeZone, true).format(new Date(iso));
}

/** "14:05 UTC" */
export function formatTime(iso: string, timeZone = 'UTC'): string {
  return formatter(timeZone, false).format(new Date(iso));
}
