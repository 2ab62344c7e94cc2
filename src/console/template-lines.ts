/**
 * The lines of the update templates (templates/updates/) that Herald fills from the form's choices and its
 * clock, which follow them in a body the Comms Lead edited too, as long as each is still as Herald wrote it:
 * the facts the form chooses, "Affected services" (the components) and "Estimated resolution" (the
 * estimate); and the times, the Initial update's "Started at", the In progress updates' "Updated at", the
 * Resolution's "Resolved at" and "Total duration". Each is one list item, `- **Resolved at:** 4 Dec 2026, 04:53 EST`.
 */
import { rhythmSentencesIn } from '../domain/rhythm-sentences.ts';

export const FACT_LABELS = ['Affected services', 'Estimated resolution'] as const;
export const TIME_LABELS = ['Started at', 'Updated at', 'Resolved at', 'Total duration'] as const;
export type FactLabel = (typeof FACT_LABELS)[number];
export type TimeLabel = (typeof TIME_LABELS)[number];
export type TemplateLabel = FactLabel | TimeLabel;
const LABELS: readonly string[] = [...FACT_LABELS, ...TIME_LABELS];

/** The fact or time a line of a template states, by its label; null for any other line. */
export function templateLabel(line: string): TemplateLabel | null {
  const m = /^\s*-\s+\*\*([^*]+):\*\*/.exec(line);
  return m && LABELS.includes(m[1]!) ? (m[1] as TemplateLabel) : null;
}

/** A template's fact and time lines, by label (trimmed). */
function labelledLines(template: string): Map<TemplateLabel, string> {
  const out = new Map<TemplateLabel, string>();
  for (const raw of template.split('\n')) {
    const line = raw.trim();
    const label = templateLabel(line);
    if (label && !out.has(label)) out.set(label, line);
  }
  return out;
}

export interface Refilled {
  /** The body, each fact or time line still as `filled` had it replaced by `current`'s line of that label. */
  body: string;
  /** The labels of the lines so taken from `current` (whether or not their text changed). */
  brought: TemplateLabel[];
  /** The labels of lines `current` has that the body states otherwise: written or changed by hand, kept. */
  own: TemplateLabel[];
  /** Whether the body's rhythm sentence was `filled`'s and now is `current`'s (or gone, `current` stating none). */
  rhythm: boolean;
}

/** The update rhythm a filled template promises, in its one sentence (src/domain/rhythm-sentences.ts); null for none. */
const rhythmOf = (template: string): string | null => rhythmSentencesIn(template)[0] ?? null;

/**
 * A body's rhythm sentence as `filled` wrote it, brought up to `current`'s: a re-grade (or a declare's other
 * severity) changes the cadence the opening paragraph promises, and a sentence left as Herald wrote it is
 * Herald's to keep true. A level without a cadence states none in some templates (identified, monitoring):
 * the sentence goes, with the space before it. One the Comms Lead wrote or changed is theirs (ownRhythm).
 */
function refilledRhythm(body: string, filled: string, current: string): { body: string; brought: boolean } {
  const was = rhythmOf(filled);
  const now = rhythmOf(current);
  if (was === null || was === now || !body.includes(was)) return { body, brought: false };
  const next = now === null ? body.split(` ${was}`).join('').split(was).join('') : body.split(was).join(now);
  return { body: next, brought: true };
}

/**
 * A body edited from a template, with the template's facts and times brought up to another filling of it
 * (the form's choices changed, the preview's, the publish's): each line of the body that is still exactly
 * a fact or time line of the template as it was filled (`filled`) becomes the line of that label `current`
 * states, and its rhythm sentence still as `filled` wrote it becomes `current`'s (refilledRhythm). Any other line, the Comms Lead's own or changed by them (one of those lines too), stays as
 * written; so does every line when `filled` is empty (no template known). Line endings are kept. The
 * console's script does the same in the browser (public/admin/console.js, heraldRefilled).
 */
export function refilled(body: string, filled: string, current: string): Refilled {
  const was = labelledLines(filled);
  const now = labelledLines(current);
  const brought = new Set<TemplateLabel>();
  const own = new Set<TemplateLabel>();
  const lines = body.split('\n').map((raw) => {
    const cr = raw.endsWith('\r') ? '\r' : '';
    const line = raw.slice(0, raw.length - cr.length).trim();
    const label = templateLabel(line);
    const next = label ? now.get(label) : undefined;
    if (!label || next === undefined) return raw;
    if (line === was.get(label) || line === next) {
      brought.add(label);
      return next + cr;
    }
    own.add(label);
    return raw;
  });
  const rhythm = refilledRhythm(lines.join('\n'), filled, current);
  return { body: rhythm.body, brought: [...brought], own: [...own].filter((l) => !brought.has(l)), rhythm: rhythm.brought };
}

/** A line as read: "Estimated resolution: 04:20 UTC" for `- **Estimated resolution:** 04:20 UTC`. */
const plainLine = (line: string) => line.replace(/^\s*-\s+\*\*([^*]+):\*\*\s*/, '$1: ').trim();

/**
 * The fact lines ("Affected services", "Estimated resolution") a body states otherwise than `template`,
 * the choices made, says them: lines the Comms Lead changed by hand, which stay theirs (refilled) while the
 * summary and the email's own fact lines say what was chosen. Each as the body says it and as the template
 * would, read as plain lines; the first of each label.
 */
export function ownFacts(body: string, template: string): Array<{ label: FactLabel; said: string; chosen: string }> {
  const now = labelledLines(template);
  const out = new Map<FactLabel, { label: FactLabel; said: string; chosen: string }>();
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    const label = templateLabel(line);
    if (!label || !(FACT_LABELS as readonly string[]).includes(label) || out.has(label as FactLabel)) continue;
    const chosen = now.get(label);
    if (chosen !== undefined && chosen !== line)
      out.set(label as FactLabel, { label: label as FactLabel, said: plainLine(line), chosen: plainLine(chosen) });
  }
  return [...out.values()];
}

/**
 * The update rhythm an edited body promises otherwise than `template`, the level chosen, does: a rhythm sentence
 * the Comms Lead wrote or changed (one of Herald's words, for another cadence), which stays theirs on the page
 * while the email's own promise gives the level's. The first such sentence, and the level's (null: it states none).
 */
export function ownRhythm(body: string, template: string): { said: string; chosen: string | null } | null {
  const chosen = rhythmOf(template);
  const said = rhythmSentencesIn(body).find((s) => s !== chosen);
  return said === undefined ? null : { said, chosen };
}
