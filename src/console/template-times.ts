/**
 * The lines of the update templates (templates/updates/) that state a time: the Initial update's
 * "Started at", the In progress updates' "Updated at", the Resolution's "Resolved at" and "Total
 * duration". Each is one list item, `- **Resolved at:** 4 Dec 2026, 04:53 EST`.
 */
export const TIME_LABELS = ['Started at', 'Updated at', 'Resolved at', 'Total duration'] as const;
export type TimeLabel = (typeof TIME_LABELS)[number];

/** The time a line of a template states, by its label; null for any other line. */
export function timeLabel(line: string): TimeLabel | null {
  const m = /^\s*-\s+\*\*([^*]+):\*\*/.exec(line);
  return m && (TIME_LABELS as readonly string[]).includes(m[1]!) ? (m[1] as TimeLabel) : null;
}

/** A template's time lines, by label (trimmed). */
function timeLines(template: string): Map<TimeLabel, string> {
  const out = new Map<TimeLabel, string>();
  for (const raw of template.split('\n')) {
    const line = raw.trim();
    const label = timeLabel(line);
    if (label && !out.has(label)) out.set(label, line);
  }
  return out;
}

export interface Retimed {
  /** The body, each time line still as `filled` had it replaced by `current`'s line of that label. */
  body: string;
  /** The labels of the lines so taken from `current` (whether or not their text changed). */
  brought: TimeLabel[];
  /** The labels of time lines `current` has that the body states otherwise: written or changed by hand, kept. */
  own: TimeLabel[];
}

/**
 * A body edited from a template, with the template's times brought up to another filling of it (the
 * preview's, the publish's): each line of the body that is still exactly a time line of the template as
 * it was filled (`filled`) becomes the line of that label `current` states. Any other line, the Comms
 * Lead's own or changed by them (a time line too), stays as written; so does every line when `filled`
 * is empty (no template known). Line endings are kept.
 */
export function retimed(body: string, filled: string, current: string): Retimed {
  const was = timeLines(filled);
  const now = timeLines(current);
  const brought = new Set<TimeLabel>();
  const own = new Set<TimeLabel>();
  const lines = body.split('\n').map((raw) => {
    const cr = raw.endsWith('\r') ? '\r' : '';
    const line = raw.slice(0, raw.length - cr.length).trim();
    const label = timeLabel(line);
    const next = label ? now.get(label) : undefined;
    if (!label || next === undefined) return raw;
    if (line === was.get(label) || line === next) {
      brought.add(label);
      return next + cr;
    }
    own.add(label);
    return raw;
  });
  return { body: lines.join('\n'), brought: [...brought], own: [...own].filter((l) => !brought.has(l)) };
}
