/**
 * Paging a long list on a console page (subscribers, failed deliveries, incidents, past maintenance):
 * which rows a page shows, and links to the pages beside it that keep the list's filters (a search, a
 * state), so moving on never loses them. components/admin/Pager.astro draws the links.
 */
export interface ListPage {
  /** The page shown, from 1; a page past the last is shown as the last. */
  page: number;
  pages: number;
  /** Rows to skip for this page. */
  offset: number;
  /** Where Previous and Next lead; null on the first or the last page. */
  previous: string | null;
  next: string | null;
}

/** The page a query asks for: a whole number from 1, anything else (absent, `abc`, `0`, `2.5`) the first. */
export function pageParam(raw: string | null | undefined): number {
  const n = Number(raw ?? '');
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}

/** A console list's address with its non-empty parameters, in the order given. */
export function listHref(path: string, params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/**
 * Page `asked` of `total` rows, `perPage` a page; `params` are the filters each link keeps, `fragment`
 * ("#failed-title") where on the page the links lead, for a list below others.
 */
export function listPage(
  path: string,
  params: Record<string, string>,
  asked: number,
  perPage: number,
  total: number,
  fragment = '',
): ListPage {
  const pages = Math.max(1, Math.ceil(total / perPage));
  const page = Math.min(Math.max(1, asked), pages);
  // Page 1 is the list's own address, without `page=1`.
  const to = (n: number) => listHref(path, { ...params, page: n > 1 ? n : null }) + fragment;
  return {
    page,
    pages,
    offset: (page - 1) * perPage,
    previous: page > 1 ? to(page - 1) : null,
    next: page < pages ? to(page + 1) : null,
  };
}

/** Which rows of how many a page shows: "Showing 101–200 of 3,001" ("Showing 7 of 7" for one row). */
export function showingText(paging: ListPage, shown: number, total: number): string {
  const n = (x: number) => x.toLocaleString('en-GB');
  const [first, last] = [paging.offset + 1, paging.offset + shown];
  return `Showing ${first === last ? n(first) : `${n(first)}–${n(last)}`} of ${n(total)}`;
}
