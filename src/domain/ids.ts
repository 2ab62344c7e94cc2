const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** An opaque lowercase alphanumeric id, like Statuspage's 12-character ids (Web Crypto: no platform import). */
export function randomId(length = 12): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

/** An id from `next` (randomId by default) that `taken` does not hold: drawn again until free. */
export function freeId(taken: ReadonlySet<string>, next: () => string = randomId): string {
  let id = next();
  while (taken.has(id)) id = next();
  return id;
}

/**
 * `PREFIX-YYYY-MM-DD-N`: the UTC date the record starts and its sequence that
 * day. N is one more than the highest N already used on that date, so ids
 * are never reused even after a deletion.
 */
export function nextDailyId(prefix: string, at: Date, existing: Iterable<string>): string {
  const day = at.toISOString().slice(0, 10);
  const stem = `${prefix}-${day}-`;
  let max = 0;
  for (const id of existing) {
    if (!id.startsWith(stem)) continue;
    const n = Number.parseInt(id.slice(stem.length), 10);
    if (Number.isInteger(n) && n > max) max = n;
  }
  return `${stem}${max + 1}`;
}

/** The url-safe slug of a name; empty when it has no a-z or 0-9 (another script, only symbols or emoji). */
export function bareSlug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
}

/**
 * Two daily ids (`MNT-2026-12-08-9`, `MNT-2026-12-08-10`) in the order they were given: by the number each
 * ends in, where text put -10 before -9. The tie-break wherever two records start at the same instant.
 */
export const idOrder = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });
