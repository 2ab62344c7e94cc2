import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, local, subscribe, subscribeForm, to, until } from '../helpers/mail-flow.ts';
import { signIn } from '../helpers/console-session.ts';

let smtp: TestSmtp;
let h: HeraldProcess;

beforeAll(async () => {
  smtp = await startSmtp(undefined, { commands: true });
  h = await startHerald({ env: { SMTP_URL: smtp.url, SITE_URL: SITE } });
});
afterAll(() => stopAll(h, smtp));

const listed = async (q: string): Promise<{ total: number; subscribers: Array<{ email: string; state: string }> }> =>
  (await h.admin(`/subscribers?q=${encodeURIComponent(q)}`)).json();

// smtp-server decodes a punycode domain in the envelope it shows: the wire's RCPT TO says what was sent.
const rcptTo = (address: string) => smtp.rcptCommands.filter((c) => c.startsWith(`RCPT TO:<${address}>`)).length;
const wireIsAscii = () => {
  for (const c of smtp.rcptCommands) expect(c).toMatch(/^[\x20-\x7e]+$/);
};

const form = (email: string) => subscribeForm(h, new URLSearchParams({ email }).toString());

describe('an address with an internationalised domain', () => {
  it('is accepted by the API, stored and sent to in its ASCII form, and written either way is one subscriber', async () => {
    expect((await subscribe(h, { email: 'user@bücher.de' }, { origin: h.url })).status).toBe(202);
    await until(() => rcptTo('user@xn--bcher-kva.de') === 1, 'the confirmation, enveloped to the ASCII domain');
    await until(() => to(smtp, 'user@bücher.de').length === 1, 'the confirmation received');
    expect(to(smtp, 'user@bücher.de')[0]!.raw).toMatch(/^To: user@xn--bcher-kva\.de\r?$/m);
    expect(await listed('bcher')).toMatchObject({ total: 1, subscribers: [{ email: 'user@xn--bcher-kva.de', state: 'pending' }] });

    for (const email of ['user@xn--bcher-kva.de', 'user@BÜCHER.de']) {
      expect((await subscribe(h, { email }, { origin: h.url })).status, email).toBe(202);
    }
    await until(() => rcptTo('user@xn--bcher-kva.de') === 3, 'each request asks again, at the same address');
    await until(() => to(smtp, 'user@bücher.de').length === 3, 'the three confirmations received');
    expect((await listed('bcher')).total).toBe(1);

    const mail = await smtp.parse(to(smtp, 'user@bücher.de').at(-1)!);
    const link = local(h, /https?:\/\/\S+\/subscribe\/confirm\/[A-Za-z0-9._-]+/.exec(mail.text ?? '')![0]);
    const confirmed = await fetch(link, {
      method: 'POST',
      headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(await confirmed.text()).toContain('You are subscribed');
    expect((await listed('bcher')).subscribers[0]!.state).toBe('confirmed');
    // The admin search takes either spelling too (nothing found for the Unicode one before).
    for (const q of ['bücher.de', 'USER@Bücher.de', 'xn--bcher-kva']) expect((await listed(q)).total, q).toBe(1);
    wireIsAscii();
  });

  it('is accepted by the /subscribe form the same way (a Unicode top-level domain too)', async () => {
    const res = await form('form@пример.рф');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Check your inbox');
    await until(() => rcptTo('form@xn--e1afmkfd.xn--p1ai') === 1, 'the confirmation from the form, enveloped to the ASCII domain');
    wireIsAscii();
    expect(await listed('form@')).toMatchObject({ total: 1, subscribers: [{ email: 'form@xn--e1afmkfd.xn--p1ai' }] });
  });

  it('is still refused, by both, when the domain is not one, and nothing is stored', async () => {
    const before = (await listed('')).total;
    const sent = smtp.rcptCommands.length;
    for (const email of ['bad@bü cher.de', 'bad@-bücher.de', 'bad@bücher', 'bad@bücher..de', `bad@${'ü'.repeat(60)}.de`]) {
      const api = await subscribe(h, { email }, { origin: h.url });
      expect(api.status, email).toBe(422);
      expect(await api.json(), email).toMatchObject({ error: { field: 'email', message: 'email is not a valid address' } });
      const page = await form(email);
      expect(page.status, email).toBe(422);
      const html = await page.text();
      expect(html, email).toContain('Enter your email address in full, like name@example.com.');
      expect(html, email).toMatch(/<input[^>]*aria-invalid="true"[^>]*aria-describedby="subscribe-error"[^>]*autofocus/);
      expect(html, email).toContain('<title>Error: Subscribe to updates');
    }
    // Too long before the @: the form says which part, not the API's field name.
    const long = await form(`${'a'.repeat(65)}@example.com`);
    expect(long.status).toBe(422);
    expect(await long.text()).toContain('The part of the address before the @ can be at most 64 characters.');
    expect((await listed('')).total).toBe(before);
    expect(smtp.rcptCommands.length).toBe(sent);
  });

  it('is shown as typed (its Unicode domain) wherever a person reads it; mail still goes to its ASCII form', async () => {
    const post = (path: string, body = '') =>
      fetch(`${h.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    const seen = (html: string) => ({ unicode: html.includes('leser@bücher.de'), ascii: html.includes('leser@xn--bcher-kva.de') });
    expect((await subscribe(h, { email: 'leser@bücher.de' }, { origin: h.url })).status).toBe(202);
    await until(() => to(smtp, 'leser@bücher.de').length === 1, 'the confirmation');
    const mail = await smtp.parse(to(smtp, 'leser@bücher.de')[0]!);
    const confirm = local(h, /https?:\/\/\S+\/subscribe\/confirm\/[A-Za-z0-9._-]+/.exec(mail.text ?? '')![0]);
    const confirmed = await post(new URL(confirm).pathname);
    expect(confirmed.status).toBe(303);
    const manage = /\/subscribe\/manage\/[A-Za-z0-9._-]+/.exec(
      await (await fetch(`${h.url}${confirmed.headers.get('location')}`)).text(),
    )![0];
    const managePage = await (await fetch(`${h.url}${manage}`)).text();
    const unsubscribe = /\/unsubscribe\/[A-Za-z0-9._-]+/.exec(managePage)![0];
    const unsubscribePage = await (await fetch(`${h.url}${unsubscribe}`)).text();
    expect((await post(unsubscribe, 'via=page')).status).toBe(303);
    const again = await post(manage, '');
    expect(again.status).toBe(303);
    const askedPage = await (await fetch(`${h.url}${again.headers.get('location')}`)).text();
    const s = await signIn(h);
    const consoleList = await (await fetch(`${h.url}/admin/subscribers?q=leser`, { headers: { cookie: s.cookie } })).text();
    expect({
      manage: seen(managePage),
      unsubscribe: seen(unsubscribePage),
      'subscribe again': seen(askedPage),
    }).toEqual({
      manage: { unicode: true, ascii: false },
      unsubscribe: { unicode: true, ascii: false },
      'subscribe again': { unicode: true, ascii: false },
    });
    expect(askedPage).toContain('We sent a confirmation email to leser@bücher.de.');
    // The console reads it as typed, and says the form mail goes to (what the relay's log shows) under it.
    expect(consoleList).toContain('<td>leser@bücher.de<br><span class="small muted">Sent to leser@xn--bcher-kva.de</span>');
    expect(consoleList).toContain('aria-label="Remove leser@bücher.de"');
    await until(() => rcptTo('leser@xn--bcher-kva.de') === 2, 'the second confirmation, enveloped to the ASCII domain');
    wireIsAscii();
  });
});
