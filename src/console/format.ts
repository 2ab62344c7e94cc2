import { formatDateTime, formatTimeNear } from '../domain/time-text.ts';
import type { ComponentChange } from '../domain/model.ts';
import { COMPONENT_STATUS_LABEL } from '../domain/status.ts';
import { authorWords } from '../domain/words.ts';

/**
 * An update's change of a component in the console: "API: Operational → Partial outage" (`from`: with its
 * old status), or "API: Partial outage"; one taken off the incident says so and what it returned to.
 */
export function changeText(c: ComponentChange, from = false): string {
  const old = from ? `${COMPONENT_STATUS_LABEL[c.old_status]} → ` : '';
  if (c.removed) return `${c.name}: not affected, removed from this incident (${old}${COMPONENT_STATUS_LABEL[c.new_status]})`;
  // The word, and what the page shows when another incident or a window outweighs it.
  const held = c.shown ? ` (shows ${COMPONENT_STATUS_LABEL[c.shown]}: another open incident or a running window holds it there)` : '';
  return `${c.name}: ${old}${COMPONENT_STATUS_LABEL[c.new_status]}${held}`;
}

/** Who did it, as the console names them: "Dana" for "console:Dana", "the API", or Herald. */
export function actorName(actor: string): string {
  // The admin token is "the API", as the dashboard says it; the timer, the channels and the demo seed are Herald.
  return authorWords(actor) ?? 'Herald';
}

/** "in 12 min", "5 min ago", "in 2 h 5 min". */
export function relativeMinutes(minutes: number): string {
  const abs = Math.abs(minutes);
  const span = abs >= 60 ? `${Math.floor(abs / 60)} h${abs % 60 ? ` ${abs % 60} min` : ''}` : `${abs} min`;
  if (abs === 0) return 'in under a minute';
  return minutes > 0 ? `in ${span}` : `${span} ago`;
}

export const when = (iso: string, tz: string): string => formatDateTime(iso, tz);
/** A time as the console writes it near `now` (domain/time-text.ts formatTimeNear). */
export const at = formatTimeNear;
