import type { Herald } from '../../herald.ts';
import { removeSubscriber } from '../../notify/remove-subscriber.ts';
import { unsuppressSubscriber } from '../../notify/unsuppress-subscriber.ts';
import { NotFound } from '../../domain/errors.ts';
import { validId } from '../../input/ids.ts';
import { subscriberListHref, subscriberListView } from '../subscriber-list.ts';
import { refusal } from '../forms.ts';
import { done, refused, type ActionResult } from './result.ts';
import type { Session } from '../../auth/sessions.ts';
import { retryDelivery, retryNotice, type RetryAllAnswer } from '../../notify/outbox-actions.ts';
import { resumeAndSettle } from '../resume-settled.ts';
import { actOnce, onceKeyOf } from '../form-once.ts';
import { noneLeft } from '../../store/mail/unreachable.ts';

/**
 * The deliveries page's buttons: resume a paused queue, or queue a failed delivery again (both audited).
 * A resume after which sending is paused again says so (the page explains why); a retry of a delivery
 * already queued again or sent says that, as a success.
 */
export async function deliveriesAction(herald: Herald, session: Session, form: FormData): Promise<ActionResult> {
  const action = form.get('action');
  try {
    if (action === 'resume') {
      // Answered once the first send after it settled: the page read after it shows a pause the relay made again.
      await resumeAndSettle(herald, session.actor);
      return done('/admin/deliveries?done=resumed');
    }
    if (action === 'retry-all') {
      const intent = String(form.get('intent') ?? '');
      const r = await retryAllOnce(herald, session, form, intent);
      const left = r.not_requeued > 0 ? `&left=${r.not_requeued}${whyParam(r.not_requeued_why)}` : '';
      return done(`/admin/deliveries?done=retried-all&n=${r.requeued}${left}`);
    }
    if (action === 'retry') {
      const to = await retryOnce(herald, session, form);
      return done(`/admin/deliveries?done=${to}`);
    }
    return refused(422, { form: 'Unknown action.' });
  } catch (err) {
    const r = refusal(err, []);
    return refused(r.status, r.errors);
  }
}

/** Where a retry lands: what it did, in the page's `done` words. */
type RetryDone = 'retried' | 'already-queued' | 'already-sent';

/**
 * A retry under the form's one-time key: the same form posted twice (a double click) queues the delivery
 * once and the repeat answers as the first did, even if the delivery failed again in between.
 */
function retryOnce(herald: Herald, session: Session, form: FormData): Promise<RetryDone> {
  return actOnce(herald, session.actor, onceKeyOf('delivery', session.key, form), async () => {
    const r = await retryDelivery(herald, session.actor, String(form.get('id') ?? ''));
    return r.requeued ? 'retried' : r.state === 'sent' ? 'already-sent' : 'already-queued';
  });
}

/** A notice's "Retry all failed" under the form's one-time key: a double click queues them once. */
async function retryAllOnce(herald: Herald, session: Session, form: FormData, intent: string): Promise<RetryAllAnswer> {
  const key = onceKeyOf('delivery', session.key, form);
  const r = await actOnce<RetryAllAnswer | number>(herald, session.actor, key, () => retryNotice(herald, session.actor, intent));
  // A form answered by the previous release, replayed: its answer was the count alone.
  if (typeof r === 'number')
    return { intent, requeued: r, not_requeued: 0, not_requeued_why: { ...noneLeft(), notice_withdrawn: 0 }, withdrawn: false };
  // One answered before the reasons were counted: its failures left were of removed subscribers, or all withdrawn.
  const why = r.not_requeued_why ?? { ...noneLeft(), [r.withdrawn ? 'notice_withdrawn' : 'subscriber_removed']: r.not_requeued };
  return { ...r, not_requeued_why: why, withdrawn: r.withdrawn === true };
}

/**
 * Why a "retry all" left failures, for the page it leads to (deliveries.astro's `leftReasons` reads it): nothing
 * when they are all of removed subscribers, `withdrawn` when all of a withdrawn incident (the links before the
 * other reasons were counted), else each reason and its count (`subscriber_unsubscribed:2,address_suppressed:1`).
 */
function whyParam(why: RetryAllAnswer['not_requeued_why']): string {
  const given = Object.entries(why).filter(([, n]) => n > 0);
  if (given.length === 1 && given[0]![0] === 'subscriber_removed') return '';
  if (given.length === 1 && given[0]![0] === 'notice_withdrawn') return '&why=withdrawn';
  return `&why=${given.map(([k, n]) => `${k}:${n}`).join(',')}`;
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

/**
 * Clears a subscriber's suppression (audited, the same rule as the admin API's POST …/unsuppress), back
 * to the list it was pressed on. Nothing is lost by it, so it is not asked first: `unsuppressed=0` says
 * there was nothing to clear (posted twice, or the subscriber is gone).
 */
export async function unsuppressSubscriberAction(herald: Herald, actor: string, form: FormData): Promise<ActionResult> {
  const view = subscriberListView((name) => {
    const v = form.get(name);
    return typeof v === 'string' ? v : null;
  });
  let lifted = false;
  try {
    lifted = (await unsuppressSubscriber(herald, actor, String(form.get('id') ?? ''))).lifted;
  } catch (err) {
    if (!(err instanceof NotFound)) throw err;
  }
  return done(subscriberListHref(view, { unsuppressed: lifted ? '1' : '0' }));
}
