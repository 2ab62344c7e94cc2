import type { Herald } from '../herald.ts';
import { recordAudit } from '../domain/audit.ts';
import { NotFound } from '../domain/errors.ts';
import { validId } from '../input/ids.ts';
import { maskAddress } from '../domain/masked-address.ts';

/**
 * Removes a subscriber (no further email; their links stop working) and
 * records it in the audit log, with their address masked. The one rule behind the admin API's DELETE and
 * the console's button. Returns false when there was no such subscriber, so a
 * retried removal changes nothing; an id no subscriber can have (a NUL byte)
 * is not looked up.
 */
export async function removeSubscriber(herald: Herald, actor: string, id: string): Promise<boolean> {
  if (!validId(id)) return false;
  const s = await herald.notify.subscribers.get(id);
  if (!s) return false;
  try {
    await herald.notify.subscribers.remove(id);
  } catch (err) {
    // Removed by another request (another replica) since: a retried removal changes nothing.
    if (err instanceof NotFound) return false;
    throw err;
  }
  // The messages written to DATA_DIR/outbox for them hold the address too: gone with it, not 30 days later.
  void herald.notify.mailer.forget([id]);
  // Subscribers live in their own journal (or table); the audit log is in the document, on either engine.
  // It names whom by a masked address: the id alone means nothing once the subscriber is gone, and the
  // address itself is what a removal (often an erasure request) takes away.
  const email = maskAddress(s.email);
  await herald.run(actor, (ctx) => recordAudit(ctx, 'subscriber.remove', id, { detail: { email, state: s.state } }));
  return true;
}
