import { domainToUnicode } from 'node:url';

/**
 * An address as a person reads it: a domain stored in its ASCII (punycode)
 * form, as SMTP needs it (input/subscribe.ts), shown in the Unicode its owner
 * typed (user@xn--bcher-kva.de reads user@bücher.de). Only for showing: mail
 * is still sent to the stored form. A domain IDNA cannot decode is shown as
 * stored.
 */
export function readableAddress(address: string): string {
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1);
  if (at < 0 || !/(^|\.)xn--/i.test(domain)) return address;
  const unicode = domainToUnicode(domain);
  return unicode ? `${address.slice(0, at + 1)}${unicode}` : address;
}
