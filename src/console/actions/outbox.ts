import type { Herald } from '../../herald.ts';
import { removeSubscriber } from '../../notify/remove-subscriber.ts';
import { validId } from '../../input/ids.ts';
import { subscriberListHref, subscriberListView } from '../subscriber-list.ts';
import { refusal } from '../forms.ts';
import { done, refused, type ActionResult } from './result.ts';

/** The deliveries page's buttons: resume a paused queue, or queue a failed delivery again. */
export async function deliveriesAction(herald: Herald, form: FormData): Promise<ActionResult> {
  const action = form.get('action');
  try {
    if (action === 'resume') {
      await herald.notify.sending.resume();
      return done('/admin/deliveries?done=resumed');
    }
    if (action === 'retry') {
      await herald.notify.retry(String(form.get('id') ?? ''));
      return done('/admin/deliveries?done=retried');
    }
    return refused(422, { form: 'Unknown action.' });
  } catch (err) {
    const r = refusal(err, []);
    return refused(r.status, r.errors);
  }
}

/** A removal asked for and not yet confirmed: the page names the address before anything is removed. */
export interface RemoveQuestion {
  id: string;
  email: string;
  /** The list's search, filter and page, carried by the confirming form; `back` is that list (Cancel). */
  keep: Record<string, string>;
  back: string;
}

/**
 * Removes a subscriber (audited, the same rule as the admin API's DELETE). One keypress only asks: a
 * removal cannot be undone (their links stop working, and they must subscribe and confirm again).
 * Every step leads back to the list it was pressed on (the form carries its q, state and page);
 * `removed=0` says nobody had that id any more (a confirmation posted twice), so nothing changed.
 */
export async function removeSubscriberAction(
  herald: Herald,
  actor: string,
  form: FormData,
): Promise<ActionResult | { ok: 'ask'; question: RemoveQuestion }> {
  const id = String(form.get('id') ?? '');
  const field = (name: string) => {
    const v = form.get(name);
    return typeof v === 'string' ? v : null;
  };
  const view = subscriberListView(field);
  if (form.get('confirm') !== '1') {
    const s = validId(id) ? await herald.notify.subscribers.get(id) : undefined;
    if (s) {
      const keep = { q: view.q, state: view.state, page: String(view.page) };
      return { ok: 'ask', question: { id, email: s.email, keep, back: subscriberListHref(view) } };
    }
  }
  const removed = await removeSubscriber(herald, actor, id);
  return done(subscriberListHref(view, { removed: removed ? '1' : '0' }));
}
