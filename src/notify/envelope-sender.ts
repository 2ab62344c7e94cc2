import MailComposer from 'nodemailer/lib/mail-composer/index.js';

/*
 * MAIL_FROM is a From header ("Bücher Status <status@bücher.example>"); the SMTP envelope's sender (MAIL FROM)
 * is the one address in it, in the ASCII form RFC 5321 allows (a Unicode domain as punycode). nodemailer makes
 * it so for every message it composes; the notices Herald prebuilds (raw-mail.ts) carry their envelope, which
 * must say the same, or a relay refuses them while it takes the confirmations.
 */

/** The envelope sender for MAIL_FROM, as nodemailer makes it for a message with that From. */
export function envelopeSender(mailFrom: string): string {
  return new MailComposer({ from: mailFrom }).compile().getEnvelope().from || '';
}
