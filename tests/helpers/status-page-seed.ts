import type { HeraldProcess } from './server.ts';
/**
 * The status page the design checks look at (tests/e2e/design*.test.ts), made through the admin API:
 * components alone and in groups, a resolved incident two days ago with what happened, an open
 * incident with an estimate, and a one-hour maintenance window in two days. Times are relative to now.
 */
export type AdminCall = (path: string, body: unknown, method?: string) => Promise<Record<string, any>>;

/** An admin API call for seeding: its JSON answer, or a thrown error naming the call when it was refused. */
export async function adminOrThrow(
  h: Pick<HeraldProcess, 'admin'>,
  path: string,
  body: unknown,
  method = 'POST',
): Promise<Record<string, any>> {
  const res = await h.admin(path, { method, body });
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, any>;
}

export const MINUTE = 60_000;
/** The instant `minutes` ago (ISO). */
export const ago = (minutes: number): string => new Date(Date.now() - minutes * MINUTE).toISOString();

/** Seeds the page; `extraComponents` are made after the others, in their groups. Returns the two incidents' ids. */
export async function seedStatusPage(
  admin: AdminCall,
  extraComponents: ReadonlyArray<readonly [string, string, string, string | null]> = [],
): Promise<{ open: string; resolved: string }> {
  // Components: one on its own, the rest in groups.
  for (const [id, name, description, group] of [
    ['website', 'Website', 'Marketing site and documentation', null],
    ['api', 'API', 'Public REST API', 'Core platform'],
    ['dashboard', 'Dashboard', 'The web app at app.example.com', 'Core platform'],
    ['webhooks', 'Webhooks', 'Event delivery to your endpoints', 'Core platform'],
    ['card-payments', 'Card payments', 'Checkout and card authorisation', 'Payments'],
    ['payouts', 'Payouts', 'Transfers to bank accounts', 'Payments'],
    ['database', 'Database', 'Primary data store', 'Infrastructure'],
  ] as const) {
    await admin('/components', { id, name, description, group });
  }
  for (const [id, name, description, group] of extraComponents) await admin('/components', { id, name, description, group });
  // A resolved incident two days ago, with what happened, what was done and what changes.
  const resolved = await admin('/incidents', {
    name: 'Elevated API error rates',
    impact: 'major',
    body: 'We are investigating reports of elevated error rates on the **API** and slow page loads on the **Dashboard**. Some requests return HTTP 503.',
    components: { api: 'partial_outage', dashboard: 'degraded_performance' },
    started_at: ago(2 * 1440 + 90),
    notify: false,
  });
  await admin(`/incidents/${resolved.id}/updates`, {
    status: 'identified',
    body: 'We have identified the issue: a database failover left one connection pool pointing at the old primary. We are working on a fix.',
    display_at: ago(2 * 1440 + 60),
    notify: false,
  });
  await admin(`/incidents/${resolved.id}/updates`, {
    status: 'monitoring',
    body: 'A fix has been deployed and error rates are back to normal. We are monitoring the results.',
    components: { api: 'operational', dashboard: 'operational' },
    display_at: ago(2 * 1440 + 30),
    notify: false,
  });
  await admin(`/incidents/${resolved.id}/updates`, {
    status: 'resolved',
    body: 'The issue has been resolved. For about 80 minutes, around 8% of API requests failed. Requests that failed can be retried safely.',
    display_at: ago(2 * 1440),
    root_cause:
      'After a planned database failover, one pool of API servers kept sending queries to the old primary database, which no longer accepted writes.',
    resolution:
      'We restarted the affected servers so that they connected to the new primary, and checked that error rates returned to normal.',
    prevention:
      'Failovers now restart every connection pool automatically, and an alert fires when any server still talks to a former primary.',
    notify: false,
  });
  // An open incident with two updates.
  const open = await admin('/incidents', {
    name: 'Card payments failing for some customers',
    impact: 'major',
    body: 'We are investigating reports of failed card payments in the EU region. Retrying the payment may succeed.',
    components: { 'card-payments': 'partial_outage' },
    started_at: ago(25),
    notify: false,
  });
  await admin(`/incidents/${open.id}/updates`, {
    status: 'identified',
    body: 'We have identified the issue affecting **Card payments**: a certificate rotation at our EU acquirer. Calls to `POST /v1/payment_intents` may fail with `card_declined`. We are working with them on a fix.',
    eta: new Date(Date.now() + 90 * MINUTE).toISOString(),
    notify: false,
  });
  // A maintenance window in two days.
  const day = new Date(Date.now() + 2 * 1440 * MINUTE);
  day.setUTCHours(2, 0, 0, 0);
  await admin('/maintenances', {
    name: 'Database upgrade',
    scheduled_for: day.toISOString(),
    scheduled_until: new Date(day.getTime() + 60 * MINUTE).toISOString(),
    components: ['database', 'api'],
    body: 'We will upgrade the primary database. Expect up to 2 minutes of **read-only** mode.',
    notify: false,
  });
  return { open: open.id, resolved: resolved.id };
}
