import { instant } from '../input/schemas.ts';

/** The estimate choices of the forms, in minutes from now (runbook: "Estimated resolution: [timeframe]"). */
export const ETA_CHOICES = [30, 60, 120, 240, 480, 1440] as const;

/**
 * The estimate a form sends: `keep` (an update keeps the current one), `none`
 * or empty (not known: clears it), whole minutes from now, or an instant (a
 * draft's estimate, back from the preview). Undefined: keep.
 */
export function etaFromForm(value: string | undefined, now: Date): string | null | undefined | { error: string } {
  const v = (value ?? '').trim();
  if (v === '' || v === 'none') return null;
  if (v === 'keep') return undefined;
  if (/^\d{1,5}$/.test(v)) return new Date(now.getTime() + Number(v) * 60_000).toISOString();
  return formInstant(v) ?? { error: 'Choose an estimate from the list.' };
}

/**
 * A draft's estimate as the preview sends it back: an instant with its zone, as
 * the API takes one. Null for anything else, such as a day the month does not
 * have (Date.parse reads 2026-02-30 as 2 March) or a wall-clock time without a
 * zone (which Date.parse reads in the server's zone).
 */
export function formInstant(v: string): string | null {
  const parsed = instant.safeParse(v);
  return parsed.success ? parsed.data : null;
}
