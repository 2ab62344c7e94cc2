/**
 * An address as the audit log keeps it: enough to recognise ("u…9@e….com" for user11999@example.com),
 * not enough to write to or to tell whose it is. A removal is often an erasure request, so the log that
 * says who removed whom keeps neither the address nor its domain (a personal domain names its owner):
 * of the local part its first and last characters, of the domain its first and its top-level label.
 */

/** Masked as above; by code point, so a character outside the BMP is never cut in half. */
export function maskAddress(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return maskLocal(email);
  return `${maskLocal(email.slice(0, at))}@${maskDomain(email.slice(at + 1))}`;
}

function maskLocal(local: string): string {
  const chars = Array.from(local);
  return chars.length >= 4 ? `${chars[0]}…${chars.at(-1)}` : `${chars[0] ?? ''}…`;
}

function maskDomain(domain: string): string {
  const dot = domain.lastIndexOf('.');
  const first = Array.from(domain)[0] ?? '';
  return dot > 0 ? `${first}…${domain.slice(dot)}` : `${first}…`;
}

/**
 * A search for an address (or its local part) as the audit log would mask it, so "user11999" or
 * "user11999@example.com" finds "u…9@e….com"; null for a local part under four characters (its mask
 * would find nearly everyone) or a query with spaces. It may find another address of the same mask: the
 * log recognises, it does not identify.
 */
export function maskedQuery(q: string): string | null {
  const at = q.lastIndexOf('@');
  const local = at < 0 ? q : q.slice(0, at);
  if (Array.from(local).length < 4 || /\s/.test(q)) return null;
  return at < 0 ? maskLocal(local) : maskAddress(q);
}
