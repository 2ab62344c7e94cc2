import { startHerald, type HeraldProcess } from './server.ts';
import { seedSubscribers } from '../fixtures/subscribers.ts';
import type { TestSmtp, Received } from './smtp.ts';
import { until } from './poll.ts';
import { linkKey } from './engine.ts';
import { LinkTokens } from '../../src/store/mail/tokens.ts';

/** Site URL given to Herald in email tests; links are mapped back to the test server. */
export const SITE = 'https://status.example.test';

/** A link from an email (made with the server's SITE_URL) pointed at the test server itself. */
export const local = (h: HeraldProcess, url: string) => url.replace(new URL(url).origin, h.url);

// The polling helper, re-exported where the mail tests (and bench/relay.ts) have always found it.
export { until };

export function subscribe(h: HeraldProcess, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${h.url}/api/subscribers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A post of the public /subscribe form, as a browser sends it from `origin` (the site's own by default). */
export function subscribeForm(h: HeraldProcess, body: string, origin = h.url): Promise<Response> {
  return fetch(`${h.url}/subscribe`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
}

export const to = (smtp: TestSmtp, email: string): Received[] => smtp.received.filter((r) => r.to.includes(email));

/** Subscribes and confirms through the confirmation email's link, as a person would. */
export async function subscribeAndConfirm(h: HeraldProcess, smtp: TestSmtp, email: string, components: string[] = []): Promise<void> {
  const before = to(smtp, email).length;
  const res = await subscribe(h, { email, components });
  if (res.status !== 202) throw new Error(`subscribe ${email}: ${res.status}`);
  await until(() => to(smtp, email).length > before, `confirmation for ${email}`);
  const mail = await smtp.parse(to(smtp, email).at(-1)!);
  const link = /https?:\/\/\S+\/subscribe\/confirm\/[A-Za-z0-9._-]+/.exec(mail.text ?? '')?.[0];
  if (!link) throw new Error(`no confirmation link in:\n${mail.text}`);
  const page = await fetch(local(h, link));
  if (page.status !== 200 || !(await page.text()).includes('Confirm subscription')) throw new Error('confirm page did not offer a button');
  const confirmed = await fetch(local(h, link), {
    method: 'POST',
    headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: '',
  });
  if (!(await confirmed.text()).includes('You are subscribed')) throw new Error(`confirm POST failed: ${confirmed.status}`);
}

/** Saves a new choice of components on a subscriber's manage page, as they would from its link. */
export async function chooseComponents(h: HeraldProcess, email: string, components: string[]): Promise<void> {
  const found = (await (await h.admin(`/subscribers?q=${encodeURIComponent(email)}`)).json()) as {
    subscribers: Array<{ id: string; email: string }>;
  };
  const sub = found.subscribers.find((s) => s.email === email);
  if (!sub) throw new Error(`no subscriber ${email}`);
  const manage = new LinkTokens(await linkKey(h)).issue('manage', { id: sub.id, requested_at: '' });
  const saved = await fetch(`${h.url}/subscribe/manage/${manage}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(components.map((c) => ['components', c])).toString(),
  });
  if (saved.status !== 303) throw new Error(`manage page for ${email} answered ${saved.status}`);
}

/** Waits until the outbox has nothing queued and every notice (at least `atLeastNotices`) is fanned out. */
export async function outboxSettled(
  h: HeraldProcess,
  atLeastNotices = 0,
  timeoutMs?: number,
): Promise<{ updates: Array<Record<string, unknown>>; failed: unknown[] }> {
  let last: {
    updates: Array<Record<string, unknown>>;
    failed: unknown[];
    pending: number;
    confirmations: { failed: number };
  } | null = null;
  await until(
    async () => {
      last = (await (await h.admin('/deliveries')).json()) as typeof last;
      const { updates, failed, pending, confirmations } = last!;
      // The answer's counts and its list of failures describe one moment (pg-outbox-overview.test.ts checks
      // that on PostgreSQL, where they are separate queries); a settled outbox has them agree.
      const failures = updates.reduce((n, u) => n + Number(u.failed), confirmations.failed);
      return (
        pending === 0 &&
        updates.length >= atLeastNotices &&
        updates.every((u) => u.fanout_done && u.queued === 0) &&
        failed.length === Math.min(failures, 200)
      );
    },
    // Says where it stopped, so a slow run can be told from a stuck one.
    () => `the outbox to settle (last seen: ${JSON.stringify(last)})`,
    timeoutMs,
  );
  return last!;
}

/**
 * Starts Herald on `dataDir` mailing through `smtp`, with one confirmed subscriber to every component
 * (ops@example.com, seeded) and these components made through the API.
 */
export async function startMailedSite(
  dataDir: string,
  smtp: TestSmtp,
  components: Array<{ id: string; name: string; group?: string }>,
  env: Record<string, string> = {},
): Promise<HeraldProcess> {
  seedSubscribers(dataDir, [{ email: 'ops@example.com', components: [] }]);
  const h = await startHerald({ dataDir, env: { SMTP_URL: smtp.url, SITE_URL: SITE, ...env } });
  for (const body of components) {
    const made = await h.admin('/components', { body });
    if (made.status !== 201) throw new Error(`component ${body.id}: ${made.status} ${await made.text()}`);
  }
  return h;
}

/**
 * A fan-out under way: `n` confirmed subscribers (user0@example.com …) seeded into `dataDir`, a Herald on it
 * mailing through `smtp` over 2 connections, and a critical incident declared to all of them. `env` is what
 * a restart on the same folder starts with.
 */
export async function fanOutTo(
  dataDir: string,
  smtp: TestSmtp,
  n: number,
): Promise<{ h: HeraldProcess; emails: string[]; env: Record<string, string> }> {
  const emails = Array.from({ length: n }, (_, i) => `user${i}@example.com`);
  seedSubscribers(
    dataDir,
    emails.map((email) => ({ email })),
  );
  const env = { SMTP_URL: smtp.url, SITE_URL: SITE, SMTP_POOL_SIZE: '2' };
  const h = await startHerald({ dataDir, env });
  const res = await h.admin('/incidents', {
    body: { name: 'Big outage', impact: 'critical', status: 'investigating', body: 'Down.', components: {} },
  });
  if (res.status !== 201) throw new Error(`declare: ${res.status} ${await res.text()}`);
  return { h, emails, env };
}
