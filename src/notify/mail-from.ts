import addressparser from 'nodemailer/lib/addressparser/index.js';

/**
 * Why MAIL_FROM cannot be the sender of Herald's email, or null when it can: it is a From header whose one
 * address is also every message's envelope sender (envelope-sender.ts). Read by config validation at start,
 * with nodemailer's own address parser and nothing more of the mailer.
 */
export function mailFromProblem(value: string): string | null {
  const addresses = addressparser(value, { flatten: true });
  const [first] = addresses;
  if (addresses.length !== 1 || !first || !/^[^@\s]+@[^@\s]+$/.test(first.address))
    return 'must name one email address, e.g. Status <status@example.com>';
  return null;
}
