import { domainToASCII, domainToUnicode } from 'node:url';
import { z } from 'zod';
import { Invalid } from '../domain/errors.ts';
import { cleanLine, LINE_MESSAGE } from '../domain/text.ts';
import { requiredText } from './required-text.ts';

/** Longest address SMTP allows in a path (RFC 5321 §4.5.3.1.3). */
export const MAX_EMAIL = 254;
/** Longest local part (before the @) SMTP allows (RFC 5321 §4.5.3.1.1). */
export const MAX_LOCAL_PART = 64;

/**
 * zod's own address pattern, except that the last label may be an IDNA
 * A-label too (xn--p1ai is .рф): a Unicode domain is checked in the ASCII
 * form it is stored and sent in.
 */
const ADDRESS = /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+(?:[A-Za-z]{2,}|xn--[A-Za-z0-9-]+)$/;

/**
 * An internationalised domain in its ASCII (punycode) form, the one SMTP
 * envelopes and DNS use: so user@bücher.de and user@xn--bcher-kva.de are one
 * subscriber, and the relay is never handed UTF-8 it may refuse. An ASCII
 * domain is left as written; one IDNA cannot map, or whose labels DNS would
 * not take (domainToASCII, as URLs do, checks neither hyphens nor lengths),
 * is left as it came, for the check to refuse.
 */
function asciiDomain(address: string): string {
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1);
  if (at < 0 || /^[\x20-\x7e]*$/.test(domain)) return address;
  const ascii = domainToASCII(domain);
  const dnsLabels =
    ascii !== '' &&
    ascii.split('.').every((label) => label.length <= 63) &&
    domainToUnicode(ascii)
      .split('.')
      .every((label) => !label.startsWith('-') && !label.endsWith('-'));
  return dnsLabels ? `${address.slice(0, at + 1)}${ascii}` : address;
}

/**
 * What the Comms Lead typed to find addresses, as they are stored: trimmed,
 * lower case, and a Unicode domain (after an @, or alone: bücher.de) in its
 * ASCII form, so either spelling finds the subscriber. A control character
 * left after trimming (a NUL, which PostgreSQL cannot even compare) is in no
 * address: Invalid (422, field `q`), on either engine.
 */
export function addressQuery(raw: string | null | undefined): string {
  const q = (raw ?? '').trim().toLowerCase();
  if (!cleanLine(q)) throw new Invalid(`The search ${LINE_MESSAGE}.`, 'q');
  const at = q.lastIndexOf('@');
  const domain = q.slice(at + 1);
  const ascii = /^[\x20-\x7e]*$/.test(domain) ? '' : domainToASCII(domain);
  return (ascii ? `${q.slice(0, at + 1)}${ascii}` : q).slice(0, MAX_EMAIL);
}

/** What comes before the last @, or nothing when there is no @ (that address is refused as not one). */
const localPart = (address: string) => address.slice(0, Math.max(0, address.lastIndexOf('@')));

/**
 * A subscriber's address, as Herald stores it (its output) and mails it. CR
 * and LF are refused outright (before any trimming) so no address can smuggle
 * a header into a message; zod checks the syntax. db:import checks the
 * addresses it brings in with it too (src/store/mail/addresses.ts).
 */
export const emailAddressSchema = z
  .string(requiredText('email'))
  .max(MAX_EMAIL, `email must be at most ${MAX_EMAIL} characters`)
  .refine((v) => !/[\r\n\u0000]/.test(v), 'email must not contain line breaks')
  .transform((v) => asciiDomain(v.trim()))
  // Said apart from "not a valid address" (which the pattern below also refuses them as), so the form can say what to fix.
  .refine((v) => !/\.\./.test(localPart(v)), 'the part before the @ must not have two dots in a row')
  .refine((v) => !/^\.|\.$/.test(localPart(v)), 'the part before the @ must not start or end with a dot')
  .pipe(z.email({ pattern: ADDRESS, error: 'email is not a valid address' }))
  // Punycode is longer than the Unicode it spells: the SMTP limit applies to what is sent.
  .refine((v) => v.length <= MAX_EMAIL, `email must be at most ${MAX_EMAIL} characters`)
  .refine((v) => v.lastIndexOf('@') <= MAX_LOCAL_PART, `the part before the @ must be at most ${MAX_LOCAL_PART} characters`);

/** The subscribe request; components must be known ids (checked by the caller against the data). */
export const subscribeSchema = z.strictObject({
  email: emailAddressSchema,
  components: z.array(z.string().max(60)).max(200).default([]),
});
export type SubscribeInput = z.infer<typeof subscribeSchema>;
