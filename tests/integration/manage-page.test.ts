import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, local, subscribe, to, until } from '../helpers/mail-flow.ts';
import { linkKey } from '../helpers/engine.ts';
import { LinkTokens } from '../../src/store/mail/tokens.ts';

/**
 * The manage page as a subscriber lives it (a review found: an unsubscribed address's choice was "kept for
 * when this address is confirmed" and then lost; a component deleted while the page was open threw away
 * every tick; a subscriber whose components were all deleted was not told; the unsubscribe page did not say
 * which address it stops).
 */
type Json = Record<string, any>;
let smtp: TestSmtp;
let h: HeraldProcess;

beforeAll(async () => {
  smtp = await startSmtp(({ to }) =>
    to.includes('gone@example.com') ? { code: 550, text: '5.1.1 <gone@example.com>: Recipient address rejected: User unknown' } : null,
  );
  h = await startHerald({ env: { SMTP_URL: smtp.url, SITE_URL: SITE } });
  for (const [id, name] of [
    ['api', 'API'],
    ['dashboard', 'Dashboard'],
    ['payouts', 'Payouts'],
    ['webhooks', 'Webhooks'],
    ['search', 'Search'],
  ]) {
    expect((await h.admin('/components', { body: { id, name } })).status).toBe(201);
  }
}, 60_000);
afterAll(() => stopAll(h, smtp));

const form = (path: string, body: string) =>
  fetch(`${h.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
const choice = (ids: string[]) => ids.map((c) => `components=${encodeURIComponent(c)}`).join('&');
const record = async (email: string): Promise<Json> =>
  ((await (await h.admin(`/subscribers?q=${encodeURIComponent(email)}`)).json()) as Json).subscribers[0];

/** The `n`th mail's confirmation link (as on this server). */
async function confirmLinkOf(email: string, n: number): Promise<string> {
  await until(() => to(smtp, email).length >= n, `confirmation mail ${n} for ${email}`);
  const mail = await smtp.parse(to(smtp, email)[n - 1]!);
  return local(h, /https?:\/\/\S+\/subscribe\/confirm\/[A-Za-z0-9._-]+/.exec(mail.text ?? '')![0]);
}

/** Subscribes and confirms; the manage page's path, from the confirmation's answer. */
async function confirmed(email: string, components: string[]): Promise<string> {
  expect((await subscribe(h, { email, components })).status).toBe(202);
  const link = await confirmLinkOf(email, to(smtp, email).length + 1);
  const page = await (
    await fetch(link, { method: 'POST', headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' } })
  ).text();
  return /\/subscribe\/manage\/[A-Za-z0-9._-]+/.exec(page)![0];
}

describe('the manage page', () => {
  it('of an unsubscribed address subscribes it again with the choice made there: a confirmation, then that choice', async () => {
    const email = 'alice@example.com';
    const manage = await confirmed(email, ['payouts']);
    const unsubscribe = /\/unsubscribe\/[A-Za-z0-9._-]+/.exec(await (await fetch(`${h.url}${manage}`)).text())![0];
    expect((await form(unsubscribe, 'via=page')).status).toBe(303);
    expect((await record(email)).state).toBe('unsubscribed');

    const page = await (await fetch(`${h.url}${manage}`)).text();
    expect(page).toContain('This address is unsubscribed: it receives no notices.');
    expect(page).toContain('<button type="submit">Subscribe again</button>');
    expect(page, 'no unsubscribe link for an address already unsubscribed').not.toContain('/unsubscribe/');
    const mails = to(smtp, email).length;
    const res = await form(manage, choice(['dashboard']));
    // Post/Redirect/Get: back to the manage page, which says what was done.
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${manage}?sent=1`);
    const said = await (await fetch(`${h.url}${res.headers.get('location')}`)).text();
    expect(said).toContain(`We sent a confirmation email to ${email}.`);
    expect(said).not.toContain('kept for when this address is confirmed');
    // Pending again, it can be left again before it is confirmed.
    expect(said).toContain('Unsubscribe from all emails');
    const link = await confirmLinkOf(email, mails + 1);
    expect(
      (await fetch(link, { method: 'POST', headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' } })).status,
    ).toBe(200);
    const after = await record(email);
    expect(after.state).toBe('confirmed');
    expect(after.components, 'the choice made on the manage page').toEqual(['dashboard']);
  });

  it('saves the rest of a choice when a ticked component was deleted meanwhile, and says so', async () => {
    const email = 'bob@example.com';
    const manage = await confirmed(email, ['api', 'payouts']);
    expect((await h.admin('/components/webhooks', { method: 'DELETE' })).status).toBe(204);
    const res = await form(manage, choice(['api', 'dashboard', 'webhooks']));
    // Post/Redirect/Get: the page it leads to still says what was left out.
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${manage}?saved=1&dropped=1`);
    const said = await (await fetch(`${h.url}${res.headers.get('location')}`)).text();
    expect(said).toContain('Saved. You will hear about 2 components.');
    expect(said).toContain('A component you ticked was removed from this status page meanwhile, so it is not part of your choice.');
    expect((await record(email)).components).toEqual(['api', 'dashboard']);
  });

  it('the subscribe form, with a component deleted after the page loaded, says so in words and keeps the rest ticked', async () => {
    expect((await h.admin('/components', { body: { id: 'reports', name: 'Reports' } })).status).toBe(201);
    expect((await h.admin('/components/reports', { method: 'DELETE' })).status).toBe(204);
    const res = await form('/subscribe', `email=dan%40example.com&${choice(['api', 'reports'])}`);
    expect(res.status).toBe(422);
    const page = await res.text();
    expect(page).toContain('A component you ticked was removed from this status page meanwhile.');
    expect(page).not.toContain('Unknown component');
    expect(page).toMatch(/<input[^>]*value="api"[^>]*checked/);
  });

  it('tells a subscriber whose components were all deleted that they now hear about everything', async () => {
    const manage = await confirmed('mia@example.com', ['search']);
    expect(await (await fetch(`${h.url}${manage}`)).text()).not.toContain('have all been removed');
    expect((await h.admin('/components/search', { method: 'DELETE' })).status).toBe(204);
    expect(await (await fetch(`${h.url}${manage}`)).text()).toContain(
      'The components you chose have all been removed from this status page, so you now hear about everything.',
    );
  });

  it('the unsubscribe page names the address it stops (several may forward into one inbox)', async () => {
    const manage = await confirmed('carol@example.com', []);
    const unsubscribe = /\/unsubscribe\/[A-Za-z0-9._-]+/.exec(await (await fetch(`${h.url}${manage}`)).text())![0];
    const page = await (await fetch(`${h.url}${unsubscribe}`)).text();
    expect(page).toContain('to <strong>carol@example.com</strong>?');
    // These pages show the address, and their links end up in list archives (a subscription for a group
    // address): search engines are told not to index them, and no canonical URL or card names their token.
    // Before: nothing told a crawler off.
    const link = await confirmLinkOf('carol@example.com', 1);
    for (const [path, html] of [
      [manage, await (await fetch(`${h.url}${manage}`)).text()],
      [unsubscribe, page],
      ['confirm', await (await fetch(link)).text()],
    ]) {
      expect(html, path).toContain('<meta name="robots" content="noindex, nofollow">');
      expect(html, path).not.toMatch(/rel="canonical"|og:url/);
    }
  });

  it('the page after a post is titled and headed by what happened, not by the form it came from', async () => {
    const heading = (html: string) => [/<title>([^<]*)<\/title>/.exec(html)?.[1], /<h1>([^<]*)<\/h1>/.exec(html)?.[1]];
    const posted = await form('/subscribe', 'email=ida%40example.com');
    expect(posted.status).toBe(303);
    const asked = await fetch(`${h.url}${posted.headers.get('location')}`);
    const manage = await confirmed('jon@example.com', []);
    const manageAsked = heading(await (await fetch(`${h.url}${manage}`)).text());
    // Before: the manage page a Save or a Subscribe again led to kept the form's title and heading, so nothing
    // read out on load said what the post did.
    const save = await form(manage, choice(['api']));
    expect(save.status).toBe(303);
    const saved = heading(await (await fetch(`${h.url}${save.headers.get('location')}`)).text());
    const unsubscribe = /\/unsubscribe\/[A-Za-z0-9._-]+/.exec(await (await fetch(`${h.url}${manage}`)).text())![0];
    const before = heading(await (await fetch(`${h.url}${unsubscribe}`)).text());
    // The page's button: its post is sent back to the page (303), which then reads as done.
    const done = await form(unsubscribe, 'via=page');
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(unsubscribe);
    const unsubscribed = heading(await (await fetch(`${h.url}${unsubscribe}`)).text());
    const again = await form(manage, choice(['api']));
    expect(again.headers.get('location')).toBe(`${manage}?sent=1`);
    expect({
      subscribed: heading(await asked.text()),
      'manage, asked': manageAsked,
      'manage, saved': saved,
      'unsubscribe, asked': before,
      'unsubscribe, done': unsubscribed,
      'manage, subscribed again': heading(await (await fetch(`${h.url}${again.headers.get('location')}`)).text()),
    }).toEqual({
      subscribed: ['Check your inbox · Herald Status', 'Check your inbox'],
      'manage, asked': ['Manage your subscription · Herald Status', 'Manage your subscription'],
      'manage, saved': ['Your choice is saved · Herald Status', 'Your choice is saved'],
      'unsubscribe, asked': ['Unsubscribe · Herald Status', 'Unsubscribe'],
      'unsubscribe, done': ['You are unsubscribed · Herald Status', 'You are unsubscribed'],
      'manage, subscribed again': ['Check your inbox · Herald Status', 'Check your inbox'],
    });
  });
});

describe('the manage page of an address whose mail bounced', () => {
  it('does not claim a confirmation email went out', async () => {
    expect((await subscribe(h, { email: 'gone@example.com' })).status).toBe(202);
    await until(async () => Boolean((await record('gone@example.com'))?.suppressed), 'the bounce to suppress the address');
    const sub = await record('gone@example.com');
    const manage = `/subscribe/manage/${new LinkTokens(await linkKey(h)).issue('manage', { id: sub.id, requested_at: sub.created_at })}`;
    const res = await form(manage, choice(['api']));
    expect(res.status).toBe(303);
    const said = await (await fetch(`${h.url}${res.headers.get('location')}`)).text();
    expect(said).toContain('Mail to this address could not be delivered before, so no confirmation email was sent.');
    expect(said).not.toContain('We sent a confirmation email');
    expect(said).toContain('<h1>No confirmation email sent</h1>');
  });
});
