import type { Sending } from './service.ts';
import { smtpConnection } from './smtp-url.ts';

/** What /healthz says of email: `ok`, or `paused` (a relay refusing the login, say) with why and since when. */
export interface MailHealth {
  status: 'ok' | 'paused';
  /** The pause's reason as the deliveries API gives it, without SMTP_URL's user name or password (/healthz is public). */
  reason: string | null;
  paused_at: string | null;
}

/**
 * Email's state for a monitor: a paused queue sends nothing until someone fixes the mail settings and resumes it,
 * while the pages keep serving (so /healthz's status stays as storage makes it).
 */
export function mailHealth(sending: Pick<Sending, 'paused'>, smtpUrl: string | undefined): MailHealth {
  const paused = sending.paused;
  if (!paused) return { status: 'ok', reason: null, paused_at: null };
  return { status: 'paused', reason: withoutCredentials(paused.reason, smtpUrl), paused_at: paused.at };
}

/** `text` with SMTP_URL's user name and password (as written and decoded) replaced: a relay's reply may echo the user. */
function withoutCredentials(text: string, smtpUrl: string | undefined): string {
  if (!smtpUrl) return text;
  let out = text;
  try {
    const u = new URL(smtpUrl);
    const auth = smtpConnection(smtpUrl).auth;
    const secrets = [u.password, auth?.pass, u.username, auth?.user].filter((s): s is string => typeof s === 'string' && s.length >= 3);
    for (const s of secrets) out = out.split(s).join('…');
  } catch {
    /* refused at start: never here */
  }
  return out;
}
