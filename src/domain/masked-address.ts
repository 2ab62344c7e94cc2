/**
 * An address as the audit log keeps it: enough to recognise ("us…99@example.com" for
 * user11999@example.com), not enough to write to. A removal is often an erasure request, so the log
 * that says who removed whom must not keep the address itself.
 */

/** The local part's first two and last two characters (one, when it has four or fewer); the domain whole. */
export function maskAddress(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return maskLocal(email);
  return `${maskLocal(email.slice(0, at))}${email.slice(at)}`;
}

function maskLocal(local: string): string {
  // By code point, so a character outside the BMP is never cut in half.
  const chars = Array.from(local);
  if (chars.length >= 5) return `${chars.slice(0, 2).join('')}…${chars.slice(-2).join('')}`;
  return `${chars.slice(0, 1).join('')}…`;
}

/**
 * A search for an address (or its local part) as the audit log would mask it, so "user11999" or
 * "user11999@example.com" finds "us…99@example.com"; null for a query too short to carry the mask's
 * four characters, which would find nearly everyone. It may find another address of the same mask:
 * the log recognises, it does not identify.
 */
export function maskedQuery(q: string): string | null {
  const at = q.lastIndexOf('@');
  const local = at < 0 ? q : q.slice(0, at);
  if (Array.from(local).length < 5 || /\s/.test(q)) return null;
  return at < 0 ? maskLocal(local) : maskAddress(q);
}
