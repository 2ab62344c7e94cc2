import type { SmtpPoolOptions } from './smtp-pool.ts';

/*
 * SMTP_URL read as connection options, without nodemailer: config validation (src/config.ts) asks it at
 * start, before anything is created, and the mailer (transport.ts) connects with it.
 */

/**
 * SMTP_URL as SMTPConnection options: `smtp://` (STARTTLS when offered) or
 * `smtps://` (TLS from the start), user and password percent-decoded, and the
 * query flags `requireTLS`, `ignoreTLS` and `tls.rejectUnauthorized`
 * (`=true|false`). Port 587, or 465 for smtps, unless given.
 */
export function smtpConnection(url: string): SmtpPoolOptions['connection'] {
  // A URL ends its host at a '#': a password holding one sends mail to a "host" made of the rest of it, or,
  // as often, leaves no URL at all (the part before it read as host and port). Asked first, so both say why.
  if (url.includes('#')) throw new Error("SMTP_URL holds a '#': write it as %23 in the user name or password");
  // No message here quotes the URL: it may hold the relay's password (new URL's own TypeError quotes its input).
  if (!URL.canParse(url))
    throw new Error('SMTP_URL must be a URL such as smtp://user:password@host:587 (not shown here: it may hold a password)');
  const u = new URL(url);
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:')
    throw new Error(`SMTP_URL must start with smtp:// or smtps://, not ${u.protocol}//`);
  // `smtp://`, `smtp:///`, `smtps://?requireTLS=true` parse with an empty host, which nodemailer takes for localhost.
  if (u.hostname === '') throw new Error('SMTP_URL names no host: write it as smtp://user:password@host:587 (or smtps://…)');
  const secure = u.protocol === 'smtps:';
  const flag = (name: string) => (u.searchParams.has(name) ? u.searchParams.get(name) !== 'false' : undefined);
  const rejectUnauthorized = flag('tls.rejectUnauthorized');
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    ...(flag('requireTLS') !== undefined ? { requireTLS: flag('requireTLS') } : {}),
    ...(flag('ignoreTLS') !== undefined ? { ignoreTLS: flag('ignoreTLS') } : {}),
    ...(rejectUnauthorized !== undefined ? { tls: { rejectUnauthorized } } : {}),
    ...(u.username ? { auth: { user: decoded(u.username, 'user'), pass: decoded(u.password, 'password') } } : {}),
  };
}

const decoded = (part: string, name: string): string => {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new Error(`SMTP_URL's ${name} has a broken %-escape (write a % as %25)`);
  }
};

/** Why SMTP_URL cannot be used, in words that never quote it; null when it can. Config validation asks this at start. */
export function smtpUrlProblem(url: string): string | null {
  try {
    smtpConnection(url);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
