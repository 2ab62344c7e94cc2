import type { Herald } from '../herald.ts';
import { recordAudit } from '../domain/audit.ts';

/**
 * Removes a subscriber (no further email; their links stop working) and
 * records it in the audit log. The one rule behind the admin API's DELETE and
 * the console's button. Returns false when there was no such subscriber, so a
 * retried removal changes nothing.
 */
export async function removeSubscriber(herald: Herald, actor: string, id: string): Promise<boolean> {
  const s = herald.notify.book.get(id);
  if (!s) return false;
  await herald.notify.book.remove(id);
  // Subscribers live in their own journal; the audit log is in herald.json.
  await herald.run(actor, (ctx) => recordAudit(ctx, 'subscriber.remove', id, { detail: { state: s.state } }));
  return true;
}
