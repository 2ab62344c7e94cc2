/** How many failed deliveries the deliveries page lists at once. */
export const FAILURES_PER_PAGE = 100;

/** The page asked for (1-based); anything but a whole number from 1 is the first page. */
export function failurePageNumber(raw: string | null): number {
  const n = raw !== null && /^\d{1,6}$/.test(raw) ? Number(raw) : 1;
  return Math.max(n, 1);
}

/** What the list says of itself ("Failures 101–200 of 12,345"), and the links to the pages either side, keeping the search. */
export interface FailurePaging {
  shown: string;
  newer: string | null;
  older: string | null;
}

export function failurePaging(total: number, page: number, q: string): FailurePaging {
  const first = (page - 1) * FAILURES_PER_PAGE + 1;
  const last = Math.min(total, page * FAILURES_PER_PAGE);
  const link = (p: number) => {
    const params = new URLSearchParams();
    if (q) params.set('q', q);
    if (p > 1) params.set('page', String(p));
    const query = params.toString();
    return `/admin/deliveries${query ? `?${query}` : ''}#failed-title`;
  };
  const n = (x: number) => x.toLocaleString('en-GB');
  const matching = q ? ` to an address containing “${q}”` : '';
  return {
    shown: `Showing ${first === last ? n(first) : `${n(first)}–${n(last)}`} of ${n(total)} failed deliveries${matching}, newest first.`,
    newer: page > 1 ? link(Math.min(page - 1, Math.max(1, Math.ceil(total / FAILURES_PER_PAGE)))) : null,
    older: last < total ? link(page + 1) : null,
  };
}
