import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, local, outboxSettled, subscribe, to, until } from '../helpers/mail-flow.ts';
import { startHerald, stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { linkKey } from '../helpers/engine.ts';
import { seedSubscribers } from '../fixtures/subscribers.ts';
import { LinkTokens } from '../../src/store/mail/tokens.ts';

/**
 * Post/Redirect/Get on the subscription forms (a review found: /subscribe answered its post with 200
 * "Check your inbox", so reloading that page posted the form again: another confirmation each time, and the
 * 4th reload a 429; the manage page's "Subscribe again" did the same). An accepted post answers 303 to a
 * page the browser GETs; a refused one answers with the form and its error, as before.
 */
let smtp: TestSmtp;
let h: HeraldProcess;

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startHerald({ env: { SMTP_URL: smtp.url, SITE_URL: SITE } });
  expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
}, 60_000);
afterAll(() => stopAll(h, smtp));

const post = (path: string, body: string, origin = h.url) =>
  fetch(`${h.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
const heading = (html: string) => [/<title>([^<]*)<\/title>/.exec(html)?.[1], /<h1>([^<]*)<\/h1>/.exec(html)?.[1]];

describe('the subscribe form', () => {
  it('answers an accepted post 303 to a page that says "Check your inbox", without the address; reloading it mails nobody', async () => {
    const email = 'reload@example.com';
    const res = await post('/subscribe', new URLSearchParams({ email, components: 'api' }).toString());
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toBe('/subscribe/sent');
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    // A reload is a GET of where the browser was sent: five of them, and still the one email of the one post.
    for (let i = 0; i < 5; i++) {
      const page = await fetch(`${h.url}${location}`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(heading(html)).toEqual(['Check your inbox · Herald Status', 'Check your inbox']);
      expect(html).toContain('If the address you entered can receive email, a confirmation link is on its way to it');
      expect(html).not.toContain('reload');
    }
    await until(() => to(smtp, email).length === 1, 'the confirmation');
    await outboxSettled(h);
    expect(to(smtp, email)).toHaveLength(1);
  });

  it('answers a refused post with the form and its error, not a redirect', async () => {
    const bad = await post('/subscribe', 'email=not-an-address');
    expect(bad.status).toBe(422);
    expect(bad.headers.get('location')).toBeNull();
    expect(await bad.text()).toContain('Enter your email address in full, like name@example.com.');
    // Before: these were told to enter the address "in full", which it is; the form says what is wrong with it.
    for (const [email, advice] of [
      ['a..b@example.com', 'The part of the address before the @ has two dots in a row. Check the address.'],
      ['.ab@example.com', 'The part of the address before the @ cannot start or end with a dot. Check the address.'],
      ['ab.@example.com', 'The part of the address before the @ cannot start or end with a dot. Check the address.'],
    ] as const) {
      const dotted = await post('/subscribe', new URLSearchParams({ email }).toString());
      expect(dotted.status, email).toBe(422);
      const html = await dotted.text();
      expect(html, email).toContain(advice);
      expect(html, email).not.toContain('in full');
    }
    const api = await subscribe(h, { email: 'a..b@example.com' }, { origin: h.url });
    expect(api.status).toBe(422);
    expect(await api.json()).toMatchObject({ error: { field: 'email', message: 'the part before the @ must not have two dots in a row' } });

    const crossSite = await post('/subscribe', 'email=cross%40example.com', 'https://evil.example');
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get('location')).toBeNull();

    // The address's limit: the first few are accepted (303), then the form says to wait (429).
    const answers: number[] = [];
    let limited: Response | null = null;
    for (let i = 0; i < 8 && !limited; i++) {
      const r = await post('/subscribe', 'email=many%40example.com');
      answers.push(r.status);
      if (r.status === 429) limited = r;
      else await r.body?.cancel();
    }
    expect(
      answers.slice(0, -1).every((s) => s === 303),
      String(answers),
    ).toBe(true);
    expect(limited, String(answers)).not.toBeNull();
    expect(limited!.headers.get('location')).toBeNull();
    expect(limited!.headers.get('retry-after')).toMatch(/^\d+$/);
    const html = await limited!.text();
    expect(html).toContain('Too many requests.');
    expect(html).toContain('<form class="sub-form" method="post" action="/subscribe">');
  });
});

describe("the manage page's Subscribe again", () => {
  it('answers 303 back to the manage page, which says the email went out; reloading it mails nobody', async () => {
    const email = 'again@example.com';
    const manage = await confirmed(email);
    const unsubscribe = /\/unsubscribe\/[A-Za-z0-9._-]+/.exec(await (await fetch(`${h.url}${manage}`)).text())![0];
    expect((await post(unsubscribe, 'via=page')).status).toBe(303);
    await outboxSettled(h);
    const mails = to(smtp, email).length;

    const res = await post(manage, 'components=api');
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toBe(`${manage}?sent=1`);
    expect(location).not.toContain('again');
    for (let i = 0; i < 5; i++) {
      const html = await (await fetch(`${h.url}${location}`)).text();
      expect(html).toContain(`We sent a confirmation email to ${email}.`);
    }
    await until(() => to(smtp, email).length === mails + 1, 'the new confirmation');
    await outboxSettled(h);
    expect(to(smtp, email)).toHaveLength(mails + 1);
  });
});

describe('"Send the confirmation email again" on a request made more than 10 minutes ago', () => {
  it('says the email went out (or, for an address whose mail bounced, that none did); a stale ?sent=1 claims neither', async () => {
    // Asked an hour ago: asking again for the same choice keeps that request (and its link), so requested_at stays an hour old.
    const hourAgo = new Date(Date.now() - 3600_000).toISOString();
    const minuteAgo = new Date(Date.now() - 60_000).toISOString();
    const dir = tempDataDir();
    const [late, bounced, stale, justBounced] = seedSubscribers(dir, [
      { email: 'late@example.com', state: 'pending', at: hourAgo },
      { email: 'late-bounced@example.com', state: 'pending', at: hourAgo, suppressed: '550 User unknown', suppressedAt: hourAgo },
      { email: 'stale@example.com', state: 'pending', at: hourAgo },
      // Its confirmation bounced a minute ago: the bounce's write is no request, and the page must not say none was sent.
      { email: 'just-bounced@example.com', state: 'pending', at: minuteAgo, suppressed: '550 User unknown', suppressedAt: minuteAgo },
    ]);
    const seeded = await startHerald({ dataDir: dir, env: { SMTP_URL: smtp.url, SITE_URL: SITE } });
    try {
      const tokens = new LinkTokens(await linkKey(seeded));
      const manageOf = (id: string) => `/subscribe/manage/${tokens.issue('manage', { id, requested_at: '' })}`;
      const pressAgain = async (id: string) => {
        const path = manageOf(id);
        expect(await (await fetch(`${seeded.url}${path}`)).text()).toContain('Send the confirmation email again</button>');
        const res = await fetch(`${seeded.url}${path}`, {
          method: 'POST',
          redirect: 'manual',
          headers: { origin: seeded.url, 'content-type': 'application/x-www-form-urlencoded' },
          body: '',
        });
        expect(res.status).toBe(303);
        expect(res.headers.get('location')).toBe(`${path}?sent=1`);
        return (await fetch(`${seeded.url}${res.headers.get('location')}`)).text();
      };

      // Herald's start sends a pending request's confirmation that no delivery records (as after a crash): that one first.
      await until(() => to(smtp, 'late@example.com').length === 1, 'the confirmation made again at the start');
      await outboxSettled(seeded);
      const mails = 1;
      // Before: the page read as if nothing had happened ("not confirmed yet… Choose below to have it sent again").
      const sent = await pressAgain(late!);
      expect(sent).toContain('We sent a confirmation email to late@example.com.');
      expect(sent).toContain('<h1>Check your inbox</h1>');
      expect(sent).not.toContain('This address is not confirmed yet');
      await until(() => to(smtp, 'late@example.com').length === mails + 1, 'the confirmation sent again');

      const refused = await pressAgain(bounced!);
      expect(refused).toContain('Mail to this address could not be delivered before, so no confirmation email was sent.');
      expect(refused).toContain('<h1>No confirmation email sent</h1>');

      for (const id of [stale!, justBounced!]) {
        const html = await (await fetch(`${seeded.url}${manageOf(id)}?sent=1`)).text();
        expect(html).toContain('<h1>Manage your subscription</h1>');
        expect(html).not.toContain('We sent a confirmation email');
        expect(html).not.toContain('no confirmation email was sent');
      }
      await outboxSettled(seeded);
      expect(to(smtp, 'late@example.com')).toHaveLength(mails + 1);
      expect(to(smtp, 'late-bounced@example.com')).toHaveLength(0);
    } finally {
      await stopAll(seeded);
    }
  });
});

describe('a hand-made ?sent=1', () => {
  it('claims no email on a confirmed or unsubscribed address (only an address asked for minutes ago reads "We sent")', async () => {
    const email = 'crafted@example.com';
    const manage = await confirmed(email);
    const claim = `We sent a confirmation email to ${email}.`;
    expect(await (await fetch(`${h.url}${manage}?sent=1&dropped=3`)).text()).not.toContain(claim);
    const unsubscribe = /\/unsubscribe\/[A-Za-z0-9._-]+/.exec(await (await fetch(`${h.url}${manage}`)).text())![0];
    expect((await post(unsubscribe, 'via=page')).status).toBe(303);
    // Before: an unsubscribed address (asked for nothing) read "We sent a confirmation email to …".
    expect(await (await fetch(`${h.url}${manage}?sent=1`)).text()).not.toContain(claim);
  });
});

describe('the confirm button', () => {
  it('answers 303 back to its link, whose GET then says "You are subscribed" with the manage link; reloading it posts nothing', async () => {
    const email = 'confirm-reload@example.com';
    const link = await confirmLinkOf(email);
    const path = new URL(link).pathname;
    // Mail scanners GET the link: that only asks, and offers no manage link.
    for (let i = 0; i < 2; i++) {
      const asked = await (await fetch(link)).text();
      expect(heading(asked)).toEqual(['Confirm your subscription · Herald Status', 'Confirm your subscription']);
      expect(asked).not.toContain('/subscribe/manage/');
    }
    expect((await record(email)).state).toBe('pending');

    const res = await post(path, '');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(path);
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    expect((await record(email)).state).toBe('confirmed');
    for (let i = 0; i < 3; i++) {
      const page = await fetch(`${h.url}${res.headers.get('location')}`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(heading(html)).toEqual(['You are subscribed · Herald Status', 'You are subscribed']);
      expect(html).toContain('Your subscription is confirmed, for every component.');
      expect(html).toMatch(/<a href="\/subscribe\/manage\/[A-Za-z0-9._-]+">Choose components<\/a>/);
      expect(html).not.toContain('Confirm subscription');
    }
  });

  it('answers a link that cannot confirm with its page, not a redirect', async () => {
    const email = 'confirm-gone@example.com';
    const link = await confirmLinkOf(email);
    const manage = await pressed(link);
    const unsubscribe = /\/unsubscribe\/[A-Za-z0-9._-]+/.exec(await (await fetch(`${h.url}${manage}`)).text())![0];
    expect((await post(unsubscribe, 'via=page')).status).toBe(303);
    const res = await post(new URL(link).pathname, '');
    expect(res.status).toBe(404);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('This confirmation link is no longer valid');
  });
});

describe("the manage page's Save", () => {
  it('answers 303 back to the manage page with ?saved=1, which says what was saved, reload after reload', async () => {
    const email = 'save-reload@example.com';
    const manage = await confirmed(email);
    const res = await post(manage, 'components=api');
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toBe(`${manage}?saved=1`);
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    for (let i = 0; i < 3; i++) {
      const page = await fetch(`${h.url}${location}`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('Saved. You will hear about 1 component.');
      expect(html).toMatch(/<input[^>]*value="api"[^>]*checked/);
    }
    expect((await record(email)).components).toEqual(['api']);
  });

  it('answers a refused save with the form and its error, not a redirect', async () => {
    const manage = await confirmed('save-refused@example.com');
    const res = await post(manage, Array.from({ length: 201 }, (_, i) => `components=c${i}`).join('&'));
    expect(res.status).toBe(422);
    expect(res.headers.get('location')).toBeNull();
    const html = await res.text();
    expect(html).toContain('Unknown component.');
    expect(html).not.toContain('Saved.');
  });
});

describe('a hand-made ?saved=1', () => {
  it('claims no save on an address not confirmed, nor on one whose choice was last changed long ago', async () => {
    const manage = await confirmed('crafted-save@example.com');
    const unsubscribe = /\/unsubscribe\/[A-Za-z0-9._-]+/.exec(await (await fetch(`${h.url}${manage}`)).text())![0];
    expect((await post(unsubscribe, 'via=page')).status).toBe(303);
    const unsubscribed = await (await fetch(`${h.url}${manage}?saved=1&dropped=2`)).text();
    expect(unsubscribed).not.toContain('Saved');
    expect(unsubscribed).not.toContain('removed from this status page meanwhile');

    // A bookmark of the page a save led to, an hour later: the record says nothing was saved lately.
    const dir = tempDataDir();
    const [id] = seedSubscribers(dir, [{ email: 'bookmark@example.com', at: new Date(Date.now() - 3600_000).toISOString() }]);
    const seeded = await startHerald({ dataDir: dir, env: { SITE_URL: SITE } });
    try {
      const path = `/subscribe/manage/${new LinkTokens(await linkKey(seeded)).issue('manage', { id: id!, requested_at: '' })}`;
      const bookmarked = await fetch(`${seeded.url}${path}?saved=1&dropped=1`);
      expect(bookmarked.status).toBe(200);
      const html = await bookmarked.text();
      expect(html).toContain('Emails go to <strong>bookmark@example.com</strong>.');
      expect(html).not.toContain('Saved');
      expect(html).not.toContain('removed from this status page meanwhile');
    } finally {
      await stopAll(seeded);
    }
  });
});

const record = async (email: string): Promise<Record<string, any>> =>
  ((await (await h.admin(`/subscribers?q=${encodeURIComponent(email)}`)).json()) as Record<string, any>).subscribers[0];

/** Subscribes; the confirmation link, once its email has arrived. */
async function confirmLinkOf(email: string): Promise<string> {
  expect((await subscribe(h, { email })).status).toBe(202);
  await until(() => to(smtp, email).length === 1, `the confirmation for ${email}`);
  const mail = await smtp.parse(to(smtp, email)[0]!);
  return local(h, /https?:\/\/\S+\/subscribe\/confirm\/[A-Za-z0-9._-]+/.exec(mail.text ?? '')![0]);
}

/** Presses the confirm button as a browser does (following where it leads); the manage page's path it shows. */
async function pressed(link: string): Promise<string> {
  const page = await (
    await fetch(link, { method: 'POST', headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' } })
  ).text();
  return /\/subscribe\/manage\/[A-Za-z0-9._-]+/.exec(page)![0];
}

/** Subscribes and confirms; the manage page's path, from the confirm page's answer. */
async function confirmed(email: string): Promise<string> {
  return pressed(await confirmLinkOf(email));
}
