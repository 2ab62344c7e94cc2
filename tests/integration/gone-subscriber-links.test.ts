import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { engineEnv } from '../helpers/engine.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, local, subscribeAndConfirm, to } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';

/**
 * The unsubscribe link in an old email, once its subscriber's record is gone (erased by the retention rule
 * 30 days after unsubscribing, or removed by the admin): nothing more is sent to the address, so the page
 * and the one-click post say it is unsubscribed, rather than that the link is not valid. The record is
 * removed here by the admin's DELETE, which leaves the same state as the rule's erasure
 * (tests/api/subscriber-retention.test.ts moves the clock for that).
 */
let smtp: TestSmtp;
let h: HeraldProcess;
beforeAll(async () => {
  smtp = await startSmtp();
  h = await startHerald({ env: { ...(await engineEnv()), SMTP_URL: smtp.url, SITE_URL: SITE, SITE_NAME: 'Acme Status' } });
});
afterAll(() => stopAll(h, smtp));

describe('the unsubscribe link of a subscriber no longer stored', () => {
  it('says you are unsubscribed, on the page and to a one-click post; a forged one is still not valid', async () => {
    await subscribeAndConfirm(h, smtp, 'former@example.com');
    const declared = await h.admin('/incidents', {
      body: { name: 'API errors', impact: 'major', status: 'investigating', body: 'Errors.', components: {} },
    });
    expect(declared.status).toBe(201);
    await until(() => to(smtp, 'former@example.com').length === 2, 'the disruption notice');
    const notice = await smtp.parse(to(smtp, 'former@example.com')[1]!);
    const link = local(h, /Unsubscribe: (\S+)/.exec(notice.text ?? '')![1]!);

    const { subscribers } = (await (await h.admin('/subscribers?q=former')).json()) as { subscribers: Array<{ id: string }> };
    expect((await h.admin(`/subscribers/${subscribers[0]!.id}`, { method: 'DELETE' })).status).toBe(204);

    const page = await fetch(link);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('<title>You are unsubscribed');
    // The address may have subscribed again since, under a record this link does not name: the page says
    // which subscription ended, not that nothing more is sent to the address (from a hunt: it said so to a
    // subscriber who had come back and kept getting mail).
    expect(html).toContain('This subscription has ended: Acme Status sends nothing more under it.');
    expect(html).toContain(
      'If you subscribed again since and still get emails, the unsubscribe link in the newest one ends that subscription.',
    );
    expect(html).not.toContain('You will not get further emails');
    expect(html).not.toContain('former@example.com');
    const oneClick = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect([oneClick.status, await oneClick.text()]).toEqual([200, 'You are unsubscribed.\n']);

    const forged = link.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await fetch(forged)).status).toBe(404);
  });
});
