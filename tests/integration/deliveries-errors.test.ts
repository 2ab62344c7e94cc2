import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { startHerald, removeDir, tempDataDir, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp } from '../helpers/smtp.ts';
import { SITE } from '../helpers/mail-flow.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { until } from '../helpers/poll.ts';
import { seedSubscribers } from '../fixtures/subscribers.ts';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(() => stopAll(...cleanup.splice(0).reverse()));

async function start(smtpUrl: string) {
  const dataDir = tempDataDir();
  cleanup.push(() => removeDir(dataDir));
  seedSubscribers(dataDir, [{ email: 'reader@example.com' }]);
  const h = await startHerald({ dataDir, env: { SMTP_URL: smtpUrl, SITE_URL: SITE, MAIL_RETRY_BASE_MS: '200', MAIL_RETRY_MAX_MS: '400' } });
  cleanup.push(() => h.stop());
  await h.admin('/incidents', { body: { name: 'Outage', impact: 'major', status: 'investigating', body: 'Down.', components: {} } });
  return h;
}

/** A loopback port nothing listens on: a connection to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

const page = async (h: HeraldProcess, s: ConsoleSession, path = '/admin/deliveries') =>
  (await fetch(`${h.url}${path}`, { headers: { cookie: s.cookie } })).text();

describe('the deliveries page says why mail is stuck, in plain words', () => {
  it('a relay that is down: the last error names the refused connection', async () => {
    const port = await closedPort();
    const h = await start(`smtp://127.0.0.1:${port}`);
    const s = await signIn(h);
    const html = await until(async () => {
      const text = await page(h, s);
      return text.includes('The last attempt that failed') ? text : null;
    }, 'the page to show the last error');
    expect(html).toContain('Mail is waiting');
    expect(html).toContain('The mail server refused the connection');
    expect(html).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('a failure is no longer the last error once mail goes out again', async () => {
    // The relay refuses the first attempt for now (451), then takes the retry.
    const smtp = await startSmtp(({ count }) => (count === 1 ? { code: 451, text: '4.3.0 Try again later' } : null));
    cleanup.push(() => smtp.close());
    const h = await start(smtp.url);
    await smtp.waitFor(1);
    // Before: the 451 stayed the deliveries' last error, and the page said "The last attempt that failed…" for as
    // long as any later fan-out ran, long after the relay was fine.
    await until(async () => ((await (await h.admin('/deliveries')).json()).last_error === null ? true : null), 'the error to clear');
    expect(smtp.attempts).toHaveLength(2);
  });

  it("a wrong password: /healthz says mail is paused and since when (status and code as they were), not the relay's words", async () => {
    const smtp = await startSmtp();
    cleanup.push(() => smtp.close());
    const h = await start(smtp.url.replace('smtp://', 'smtp://herald-mailer:s3cret-pw@'));
    await until(async () => (await (await h.admin('/deliveries')).json()).paused === true, 'the queue to pause');
    const res = await fetch(`${h.url}/healthz`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const health = JSON.parse(text) as {
      status: string;
      storage: { healthy: boolean };
      mail: { status: string; paused_at: string };
    };
    // Before: {"status":"ok", …} with nothing about mail (mail undefined), while the queue sent nothing.
    expect(health).toMatchObject({ status: 'ok', storage: { healthy: true }, mail: { status: 'paused' } });
    expect(Object.keys(health.mail)).toEqual(['status', 'paused_at']);
    expect(Date.parse(health.mail.paused_at)).not.toBeNaN();
    // Why is the deliveries page's to say: the relay's words stay off a public page.
    expect(text).not.toMatch(/s3cret-pw|herald-mailer|EAUTH/);
  });

  it('a wrong password: plain words and what to do; after Resume the page says it is still paused, never "resumed", never the password', async () => {
    // smtp-server without an onAuth handler refuses every login (535), as a relay does a wrong password.
    const smtp = await startSmtp();
    cleanup.push(() => smtp.close());
    const h = await start(smtp.url.replace('smtp://', 'smtp://herald:s3cret-pw@'));
    await until(async () => (await (await h.admin('/deliveries')).json()).paused === true, 'the queue to pause');
    const s = await signIn(h);
    const before = await page(h, s);
    expect(before).toContain('The mail server refused the login');
    expect(before).toContain('SMTP_URL: correct them there and restart Herald');
    expect(before).not.toContain('EAUTH');

    const resumed = await s.post('/admin/deliveries', { action: 'resume' });
    expect(resumed.status).toBe(303);
    // The relay refuses again at once: the page read right after the answer (no polling) says so, not "resumed",
    // and counts the message the resume tried as still waiting.
    const after = await page(h, s, resumed.headers.get('location')!);
    expect(after).toContain('Sending is still paused');
    expect(after).toContain('1 waiting to send.');
    // The refused resume is said as every refused console form is (before: the title unchanged, and an alert
    // already on the page as it loaded, which screen readers seldom read); on a plain load the pause is no alert.
    expect(after).toMatch(/<title>Error: Deliveries/);
    expect(after).toMatch(/<div class="notice bad" role="alert" tabindex="-1" autofocus>\s*<p><strong>Sending is still paused/);
    expect(before).toMatch(/<title>Deliveries/);
    expect(before).not.toContain('role="alert"');
    expect(after).not.toContain('Sending resumed.');
    expect(after).toContain('restart Herald');
    for (const text of [before, after]) {
      expect(text).not.toContain('s3cret-pw');
      expect(text).not.toContain(smtp.url);
    }
  });

  it('a relay refusing the sender: the page names MAIL_FROM and the account, not a recipient, and says nobody was suppressed', async () => {
    const smtp = await startSmtp(() => null, {
      at: {
        mailFrom: () => ({ code: 550, text: '5.1.0 <noreply@example.test>: Sender address rejected: undeliverable address: unknown user' }),
      },
    });
    cleanup.push(() => smtp.close());
    const h = await start(smtp.url);
    await until(async () => (await (await h.admin('/deliveries')).json()).paused === true, 'the queue to pause');
    const html = await page(h, await signIn(h));
    // Before: "The mail server refused the recipient (5.1.0)", and "Check that the mail server is running".
    expect(html).toContain('The mail server refused to take mail from Herald (5.1.0)');
    expect(html).toContain('Sender address rejected');
    expect(html).toContain('Check MAIL_FROM');
    expect(html).not.toContain('refused the recipient');
  });
});
