import type { Herald } from '../../herald.ts';
import { removeSubscriber } from '../../notify/remove-subscriber.ts';
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

/** Removes a subscriber (audited, the same rule as the admin API's DELETE). */
export async function removeSubscriberAction(herald: Herald, actor: string, form: FormData): Promise<ActionResult> {
  const removed = await removeSubscriber(herald, actor, String(form.get('id') ?? ''));
  return done(`/admin/subscribers?removed=${removed ? '1' : '0'}`);
}
