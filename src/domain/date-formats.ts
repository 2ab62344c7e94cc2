/**
 * Intl.DateTimeFormat objects, one per locale, options and time zone: making
 * one costs far more than using it, and pages, feeds and uptime bars format
 * hundreds of times per render. Pass options as a module constant (they are
 * remembered by identity).
 */
const made = new WeakMap<Intl.DateTimeFormatOptions, Map<string, Intl.DateTimeFormat>>();

export function dateFormat(locale: string, options: Intl.DateTimeFormatOptions, timeZone: string): Intl.DateTimeFormat {
  let byZone = made.get(options);
  if (!byZone) made.set(options, (byZone = new Map()));
  const key = `${locale} ${timeZone}`;
  let f = byZone.get(key);
  if (!f) byZone.set(key, (f = new Intl.DateTimeFormat(locale, { ...options, timeZone })));
  return f;
}
