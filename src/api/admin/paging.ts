/** The page asked for by `?page=&per_page=`: numbers clamped to their range, a missing or empty one its default. */
export function pageQuery(query: (name: string) => string | undefined, perPageDefault: number): { page: number; perPage: number } {
  return {
    page: clamp(numberOr(query('page'), 1), 1, 1_000_000),
    perPage: clamp(numberOr(query('per_page'), perPageDefault), 1, 500),
  };
}

/** A count parameter (`?limit=`) clamped to 1..max as per_page is, its default when absent, empty or no number. */
export const countQuery = (value: string | undefined, fallback: number, max: number): number => clamp(numberOr(value, fallback), 1, max);

/** A number parameter, or the default when it is absent, empty or no number (`?per_page=` is no request for one per page). */
const numberOr = (value: string | undefined, fallback: number) => {
  const n = value === undefined || value.trim() === '' ? Number.NaN : Number(value);
  return Number.isFinite(n) ? n : fallback;
};
const clamp = (n: number, lo: number, hi: number) => (Number.isFinite(n) ? Math.min(hi, Math.max(lo, Math.floor(n))) : lo);
