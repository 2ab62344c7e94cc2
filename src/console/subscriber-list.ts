import { SUBSCRIBER_STATES, type SubscriberState } from '../store/mail/model.ts';
import { addressSearch } from './forms.ts';
import { listHref, pageParam } from './list-pages.ts';

/**
 * What the subscriber list shows: the search, the state filter and the page. Read from the page's
 * query, and from a removal's form, which carries them so that the removal, its question and its
 * Cancel lead back to the same list rather than to the first page of everyone.
 */
export interface SubscriberListView {
  q: string;
  state: SubscriberState | '';
  page: number;
}

/**
 * The list a query (or a form) asks for. A search refused (control characters) is said by its field
 * and searches nothing; a state that is none of the states filters nothing.
 */
export function subscriberListView(get: (name: string) => string | null): SubscriberListView & { error: string | null; status: number } {
  const search = addressSearch(get('q'));
  const stateParam = get('state') ?? '';
  const state = (SUBSCRIBER_STATES as readonly string[]).includes(stateParam) ? (stateParam as SubscriberState) : '';
  return { q: search.q, state, page: pageParam(get('page')), error: search.error, status: search.status };
}

/** The list's address for `view`, with any one-time notice (`removed=1`) after its filters. */
export function subscriberListHref(view: SubscriberListView, notice: Record<string, string> = {}): string {
  return listHref('/admin/subscribers', { q: view.q, state: view.state, page: view.page > 1 ? view.page : null, ...notice });
}
