import type { Herald } from '../../herald.ts';
import { removeSubscriber } from '../../notify/remove-subscriber.ts';
import { validId } from '../../input/ids.ts';
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
}

/**
 * Removes a subscriber (audited, the same rule as the admin API's DELETE). One keypress only asks: a
 * removal cannot be undone (their links stop working, and they must subscribe and confirm again).
 */
export async function removeSubscriberAction(
  herald: Herald,
  actor: string,
  form: FormData,
): Promise<ActionResult | { ok: 'ask'; question: RemoveQuestion }> {
  const id = String(form.get('id') ?? '');
  if (form.get('confirm') !== '1') {
    const s = validId(id) ? await herald.notify.subscribers.get(id) : undefined;
    if (s) return { ok: 'ask', question: { id, email: s.email } };
  }
  const removed = await removeSubscriber(herald, actor, id);
  return done(`/admin/subscribers?removed=${removed ? '1' : '0'}`);
}
