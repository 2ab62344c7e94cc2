import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { linkKey } from '../helpers/engine.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, local, outboxSettled, subscribe, subscribeForm, until } from '../helpers/mail-flow.ts';
import { seedSubscribers } from '../fixtures/subscribers.ts';
import { LinkTokens } from '../../src/store/mail/tokens.ts';
import { formatDateTime } from '../../src/domain/time-text.ts';

let smtp: TestSmtp;
let h: HeraldProcess;
let aged: HeraldProcess;
let older: HeraldProcess;
const agedIds: string[] = [];
const olderIds: string[] = [];
// Pending requests made 20 h and 30 h ago: either side of the 24 h within which a retry mails the same link.
const hoursAgo = (n: number) => new Date(Date.now() - n * 3600_000).toISOString();
const youngAt = hoursAgo(20);
const dayOldAt = hoursAgo(30);
// Requested three days ago: no test can wait out the 48 h, so the journal says so (imported on PostgreSQL).
const agedAt = new Date(Date.now() - 72 * 3600_000).toISOString();

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startHerald({ env: { SMTP_URL: smtp.url, SITE_URL: SITE } });
  expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
  expect((await h.admin('/components', { body: { id: 'web', name: 'Website' } })).status).toBe(201);
  const dir = tempDataDir();
  agedIds.push(
    ...seedSubscribers(dir, [
      { email: 'old-confirmed@example.com', state: 'confirmed', at: agedAt },
      { email: 'old-pending@example.com', state: 'pending', at: agedAt },
    ]),
  );
  aged = await startHerald({ dataDir: dir, env: { SITE_URL: SITE } });
  const olderDir = tempDataDir();
  olderIds.push(
    ...seedSubscribers(olderDir, [
      { email: 'young-pending@example.com', state: 'pending', at: youngAt },
      { email: 'day-old-pending@example.com', state: 'pending', at: dayOldAt },
    ]),
  );
  older = await startHerald({ dataDir: olderDir, env: { SMTP_URL: smtp.url, SITE_URL: SITE } });
});
afterAll(() => stopAll(h, aged, older, smtp));

const mailsTo = (email: string) => smtp.received.filter((r) => r.to.some((t) => t.toLowerCase() === email.toLowerCase()));

/** The confirmation link of the `n`th mail to `email` (1-based), once it has arrived. */
async function confirmLink(email: string, n: number, server = h): Promise<string> {
  await until(() => mailsTo(email).length >= n, `confirmation mail ${n} for ${email}`);
  const mail = await smtp.parse(mailsTo(email)[n - 1]!);
  return local(server, /https?:\/\/\S+\/subscribe\/confirm\/[A-Za-z0-9._-]+/.exec(mail.text ?? '')![0]);
}

/** What the `n`th mail to `email` says its link works until (the page's zone is UTC here). */
async function worksUntil(email: string, n: number): Promise<string | undefined> {
  const mail = await smtp.parse(mailsTo(email)[n - 1]!);
  return /This link works until ([^.]+)\./.exec(mail.text ?? '')?.[1];
}
const inTwoDays = (from: number) => formatDateTime(new Date(from + 48 * 3600_000).toISOString(), 'UTC');

const press = (server: HeraldProcess, link: string) =>
  fetch(link, { method: 'POST', headers: { origin: server.url, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });

async function subscriber(email: string, server = h): Promise<{ id: string; state: string }> {
  const list = await (await server.admin(`/subscribers?q=${encodeURIComponent(email.toLowerCase())}`)).json();
  expect(list.total).toBe(1);
  return list.subscribers[0];
}

/** The one-click unsubscribe (RFC 8058) an email's List-Unsubscribe header points at, for `email`. */
async function unsubscribeOneClick(email: string): Promise<Response> {
  const { id } = await subscriber(email);
  const unsub = new LinkTokens(await linkKey(h)).issue('unsubscribe', { id, requested_at: '' });
  return fetch(`${h.url}/unsubscribe/${unsub}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
}

describe('a confirmation link confirms only the pending request it was sent for', () => {
  it('after one-click unsubscribe, the old link is no longer valid (GET and POST), and a new subscribe sends a link that works', async () => {
    const email = 'Alice@Example.com';
    expect((await subscribe(h, { email }, { origin: h.url })).status).toBe(202);
    const first = await confirmLink(email, 1);
    const confirmed = await press(h, first);
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('You are subscribed');
    // Pressed again within 48 h (a retry, a second tab): still the friendly answer, nothing changed.
    const again = await press(h, first);
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('You are subscribed');

    expect((await unsubscribeOneClick(email)).status).toBe(200);
    expect((await subscriber(email)).state).toBe('unsubscribed');

    const stale = await press(h, first);
    expect(stale.status).toBe(404);
    const page = await stale.text();
    expect(page).toContain('no longer valid');
    expect(page).toContain('href="/subscribe"');
    expect(page).not.toContain('You are subscribed');
    const shown = await fetch(first);
    expect(shown.status).toBe(404);
    expect(await shown.text()).not.toContain('Confirm subscription');
    expect((await subscriber(email)).state).toBe('unsubscribed');

    // Mail does not resume: a notice to everyone reaches nobody here.
    const before = mailsTo(email).length;
    await h.admin('/incidents', {
      body: { name: 'API down', impact: 'major', status: 'investigating', body: 'Looking.', components: { api: 'major_outage' } },
    });
    await outboxSettled(h, 1);
    expect(mailsTo(email)).toHaveLength(before);

    // Subscribing again is a new request with a new link; the old one stays dead, and says a newer email replaced it.
    expect((await subscribe(h, { email }, { origin: h.url })).status).toBe(202);
    const second = await confirmLink(email, before + 1);
    expect(second).not.toBe(first);
    const replaced = await press(h, first);
    expect(replaced.status).toBe(410);
    expect(await replaced.text()).toContain('This link no longer works');
    expect((await subscriber(email)).state).toBe('pending');
    const fresh = await press(h, second);
    expect(fresh.status).toBe(200);
    expect(await fresh.text()).toContain('You are subscribed');
    expect((await subscriber(email)).state).toBe('confirmed');
  });

  it('a link older than 48 h is expired whatever the state: no confirmation, no manage link', async () => {
    const tokens = new LinkTokens(await linkKey(aged));
    for (const id of agedIds) {
      const link = `${aged.url}/subscribe/confirm/${tokens.issue('confirm', { id, requested_at: agedAt })}`;
      const posted = await press(aged, link);
      expect(posted.status, id).toBe(410);
      const text = await posted.text();
      expect(text).toContain('has expired');
      // A confirmed reader is told so first: subscribing again would only mail them their manage link.
      expect(text).toContain('If you confirmed in time, you are still subscribed');
      expect(text).not.toContain('/subscribe/manage/');
      const shown = await fetch(link);
      expect(shown.status, id).toBe(410);
      expect(await shown.text()).not.toContain('Confirm subscription');
    }
    const { subscribers } = await (await aged.admin('/subscribers')).json();
    expect(Object.fromEntries(subscribers.map((s: { email: string; state: string }) => [s.email, s.state]))).toEqual({
      'old-confirmed@example.com': 'confirmed',
      'old-pending@example.com': 'pending',
    });
  });
});

describe('a retried subscribe keeps the links already mailed', () => {
  const shows = async (link: string) => {
    const page = await fetch(link);
    return { status: page.status, button: (await page.text()).includes('Confirm subscription') };
  };
  /** The same subscribe sent twice a second apart (a retry): the answers, and the links of the two emails. */
  const askedTwice = async (email: string, send: () => Promise<Response>) => {
    const statuses = [(await send()).status];
    await new Promise((r) => setTimeout(r, 1000));
    statuses.push((await send()).status);
    return { statuses, links: [await confirmLink(email, 1), await confirmLink(email, 2)] as const };
  };

  it('two form posts a second apart: the links of both emails show the button and confirm', async () => {
    const email = 'form-retry@example.com';
    const { statuses, links } = await askedTwice(email, () => subscribeForm(h, `email=${encodeURIComponent(email)}`));
    for (const status of statuses) expect(status).toBeLessThan(400);
    const [first, second] = links;
    expect(await shows(first)).toEqual({ status: 200, button: true });
    expect(await shows(second)).toEqual({ status: 200, button: true });
    const confirmed = await press(h, first);
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('You are subscribed');
    const again = await press(h, second);
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('You are subscribed');
    expect((await subscriber(email)).state).toBe('confirmed');
  });

  it('two API requests: both links work until the address unsubscribes, then neither does', async () => {
    const email = 'api-retry@example.com';
    const { statuses, links } = await askedTwice(email, () => subscribe(h, { email }));
    expect(statuses).toEqual([202, 202]);
    const [first, second] = links;
    expect(await shows(first)).toEqual({ status: 200, button: true });
    expect(await shows(second)).toEqual({ status: 200, button: true });

    expect((await unsubscribeOneClick(email)).status).toBe(200);
    for (const link of [first, second]) {
      expect(await shows(link)).toEqual({ status: 404, button: false });
      expect((await press(h, link)).status).toBe(404);
    }
    expect((await subscriber(email)).state).toBe('unsubscribed');
  });

  it('a retry within 24 h of the request mails the same link, still bound to that request (so it expires 48 h after it)', async () => {
    const email = 'young-pending@example.com';
    const tokens = new LinkTokens(await linkKey(older));
    const original = `${older.url}/subscribe/confirm/${tokens.issue('confirm', { id: olderIds[0]!, requested_at: youngAt })}`;
    // The start re-made the seeded request's confirmation (it had none); the retry's mail comes after it.
    await until(() => mailsTo(email).length >= 1, `the resumed confirmation for ${email}`);
    expect((await subscribe(older, { email })).status).toBe(202);
    expect(await confirmLink(email, 2, older)).toBe(original);
    expect(await shows(original)).toEqual({ status: 200, button: true });
    // So its email says until when: 48 h after the request, some 28 h from now (not "48 hours").
    expect(await worksUntil(email, 2)).toBe(inTwoDays(Date.parse(youngAt)));
  });

  it('a retry more than 24 h after the request renews it: the new mail carries a fresh 48 h link', async () => {
    const email = 'day-old-pending@example.com';
    const tokens = new LinkTokens(await linkKey(older));
    const original = `${older.url}/subscribe/confirm/${tokens.issue('confirm', { id: olderIds[1]!, requested_at: dayOldAt })}`;
    await until(() => mailsTo(email).length >= 1, `the resumed confirmation for ${email}`);
    expect((await subscribe(older, { email })).status).toBe(202);
    const sentAt = Date.now();
    const renewed = await confirmLink(email, 2, older);
    expect(renewed).not.toBe(original);
    // The minute of the request, give or take the one the mail was composed in.
    expect([inTwoDays(sentAt - 60_000), inTwoDays(sentAt), inTwoDays(sentAt + 60_000)]).toContain(await worksUntil(email, 2));
    const confirmed = await press(older, renewed);
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('You are subscribed');
  });
});

describe('a request for other components is a new request: a link confirms what its own email named', () => {
  const mailText = async (email: string, n: number) => (await smtp.parse(mailsTo(email)[n - 1]!)).text ?? '';

  it('a second request for other components replaces the first email link (GET and POST say so); the newest email names them and its link confirms them', async () => {
    const email = 'victim@example.com';
    const mine = await subscribe(h, { email, components: [] });
    const first = await confirmLink(email, 1);
    // Anyone may ask for any address: the answer is the one every request gets.
    const strangers = await subscribe(h, { email, components: ['web'] });
    expect([mine.status, strangers.status]).toEqual([202, 202]);
    expect(await strangers.json()).toEqual(await mine.json());
    const second = await confirmLink(email, 2);
    expect(await mailText(email, 2)).toContain('about Website:');

    // The first email promised every notice: its link must not confirm the stranger's choice.
    const pressed = await press(h, first);
    expect(pressed.status).toBe(410);
    const said = await pressed.text();
    expect(said).toContain('This link no longer works');
    expect(said).toContain('Use the link in the latest confirmation email');
    expect(said).not.toContain('You are subscribed');
    expect(said).not.toContain('/subscribe/manage/');
    const shown = await fetch(first);
    expect(shown.status).toBe(410);
    const page = await shown.text();
    expect(page).toContain('This link no longer works');
    expect(page).not.toContain('Confirm subscription');
    expect(await subscriber(email)).toMatchObject({ state: 'pending', components: ['web'] });
    expect(second).not.toBe(first);

    // The newest email's link confirms what that email named, and its page says so first.
    const asked = await fetch(second);
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain('about Website.');
    const confirmed = await press(h, second);
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Your subscription is confirmed, for Website.');
    expect(await subscriber(email)).toMatchObject({ state: 'confirmed', components: ['web'] });
  });

  it('the same components again (in another order) keep the request: one link, whose page names them', async () => {
    const email = 'same-choice@example.com';
    expect((await subscribe(h, { email, components: ['api', 'web'] })).status).toBe(202);
    const first = await confirmLink(email, 1);
    expect((await subscribe(h, { email, components: ['web', 'api'] })).status).toBe(202);
    expect(await confirmLink(email, 2)).toBe(first);
    const asked = await fetch(first);
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain('about API and Website.');
    const confirmed = await press(h, first);
    expect(await confirmed.text()).toContain('Your subscription is confirmed, for API and Website.');
    expect(await subscriber(email)).toMatchObject({ state: 'confirmed', components: ['api', 'web'] });
  });

  it('a request whose components were all deleted before it was confirmed says so: the link confirms everything', async () => {
    // From a review: the page read "about every component", as if that had been asked, with no word of why.
    expect((await h.admin('/components', { body: { id: 'temp3', name: 'Temp three' } })).status).toBe(201);
    const email = 'una@example.com';
    expect((await subscribe(h, { email, components: ['temp3'] })).status).toBe(202);
    const link = await confirmLink(email, 1);
    expect(await mailText(email, 1)).toContain('about Temp three:');
    expect((await h.admin('/components/temp3', { method: 'DELETE' })).status).toBe(204);
    const removed =
      'The components its email named have all been removed from this status page since, so this subscription is for every component.';
    const asked = await (await fetch(link)).text();
    expect(asked).toContain(removed);
    expect(asked).toContain('about every component.');
    const confirmed = await (await press(h, link)).text();
    expect(confirmed).toContain(removed);
    expect(confirmed).toContain('Your subscription is confirmed, for every component.');
    // A request for everything has no such word.
    const all = 'everything-too@example.com';
    expect((await subscribe(h, { email: all })).status).toBe(202);
    expect(await (await fetch(await confirmLink(all, 1))).text()).not.toContain('have all been removed');
  });

  it('a link of a stored subscriber with its signature mistyped says it may be that, not only that it was replaced', async () => {
    // A record keeps only its latest request, so a cut or mistyped link reads as an older one: from a review,
    // the page said "a newer confirmation email … replaced this one" of an address asked for once.
    const email = 'typo@example.com';
    expect((await subscribe(h, { email })).status).toBe(202);
    const link = await confirmLink(email, 1);
    const typo = link.slice(0, -1) + (link.endsWith('A') ? 'B' : 'A');
    const res = await fetch(typo);
    expect(res.status).toBe(410);
    expect(await res.text()).toContain('or the link was copied only in part');
  });

  it('the confirm page of a request for everything says so', async () => {
    const email = 'everything@example.com';
    expect((await subscribe(h, { email })).status).toBe(202);
    const link = await confirmLink(email, 1);
    expect(await (await fetch(link)).text()).toContain('about every component.');
    expect(await (await press(h, link)).text()).toContain('Your subscription is confirmed, for every component.');
  });
});
