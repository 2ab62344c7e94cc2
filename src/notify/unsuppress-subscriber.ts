import type { Herald } from '../herald.ts';
import { recordAudit } from '../domain/audit.ts';
import { NotFound } from '../domain/errors.ts';
import { validId } from '../input/ids.ts';
import { maskAddress } from '../domain/masked-address.ts';
import type { Subscriber } from '../store/mail/model.ts';

/**
 * Lifts a subscriber's suppression (a hard bounce the admin knows is over: the mailbox was full, the
 * domain's mail fixed) and records it in the audit log with the reason it lifts. The one rule behind the
 * admin API's POST /subscribers/:id/unsuppress and the console's button. The subscriber as it is now,
 * `lifted` false when it was not suppressed (a repeat changes nothing and is not audited again); NotFound
 * when there is none.
 */
export async function unsuppressSubscriber(
  herald: Herald,
  actor: string,
  id: string,
): Promise<{ subscriber: Subscriber; lifted: boolean }> {
  // An id no subscriber can have (a NUL byte) is not looked up.
  if (!validId(id)) throw new NotFound(`No subscriber ${id}.`);
  const { before, after } = await herald.notify.subscribers.unsuppress(id, herald.now());
  if (before.suppressed === null) return { subscriber: after, lifted: false };
  // Masked as a removal's is: the audit log is read by every admin and outlives the subscriber.
  const detail = { email: maskAddress(before.email), state: before.state, suppressed: before.suppressed };
  await herald.run(actor, (ctx) => recordAudit(ctx, 'subscriber.unsuppress', id, { detail }));
  return { subscriber: after, lifted: true };
}
