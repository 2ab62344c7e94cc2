import { headOf } from '../../domain/text.ts';
import { emailAddressSchema } from '../../input/subscribe.ts';
import type { Subscriber } from './model.ts';

/**
 * Addresses db:import brings into the database, where every replica mails
 * them: the journal is a file anyone with the folder can append to, and an
 * address with a CR LF in it is a header of its own in every message sent to
 * it. So each is held to the subscribe API's own rule (src/input/subscribe.ts),
 * and must be that rule's result unchanged (trimmed, the domain in its ASCII
 * form), as every address Herald itself stored is: otherwise one address could
 * be two subscribers.
 */
function refusal(s: Subscriber): string | null {
  const parsed = emailAddressSchema.safeParse(s.email);
  if (!parsed.success) return `which the subscribe API refuses (${parsed.error.issues[0]?.message ?? 'not a valid address'})`;
  return parsed.data === s.email ? null : `which Herald would have stored as ${parsed.data}`;
}

/** Escaped as in JSON (a CR LF shows as \r\n, never breaks the line it is printed on) and cut: the journal's text is anyone's. */
function escaped(text: string): string {
  const head = headOf(text, 300);
  return `${JSON.stringify(head).slice(1, -1)}${head === text ? '' : '…'}`;
}

/** The first subscriber whose address is refused, and how many more are; null when every address is as Herald stores it. */
export function refusedAddresses(subscribers: Iterable<Subscriber>): string | null {
  let first: string | null = null;
  let more = 0;
  for (const s of subscribers) {
    const why = refusal(s);
    if (why === null) continue;
    if (first !== null) {
      more++;
      continue;
    }
    first = `subscriber ${escaped(s.id)} (seq ${s.seq}) has the address "${escaped(s.email)}", ${why}`;
  }
  if (first === null) return null;
  return more === 0 ? first : `${first}; and ${more} more subscriber${more === 1 ? '' : 's'} like it`;
}
