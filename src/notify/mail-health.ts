import type { Sending } from './service.ts';

/** What /healthz says of email: `ok`, or `paused` (a relay refusing the login, say) since when. */
export interface MailHealth {
  status: 'ok' | 'paused';
  paused_at: string | null;
}

/**
 * Email's state for a monitor: a paused queue sends nothing until someone fixes the mail settings and resumes it,
 * while the pages keep serving (so /healthz's status stays as storage makes it). Why it paused is left to the
 * deliveries page and API: /healthz is public, and a relay's reply names hosts, users and its software.
 */
export function mailHealth(sending: Pick<Sending, 'paused'>): MailHealth {
  const paused = sending.paused;
  return paused ? { status: 'paused', paused_at: paused.at } : { status: 'ok', paused_at: null };
}
