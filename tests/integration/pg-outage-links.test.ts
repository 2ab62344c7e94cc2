import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HeraldProcess, startHerald, stopAll } from '../helpers/server.ts';
import { type PgCluster, startPgCluster } from '../helpers/pg.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { local, SITE, subscribe, to, until } from '../helpers/mail-flow.ts';

/**
 * A subscriber's links while PostgreSQL is down: each page that reads the
 * address there answers 503 with Retry-After (as the forms and the API do),
 * never a 500 with a stack in the log, and the same link works once the
 * database is back.
 */
let cluster: PgCluster;
let smtp: TestSmtp;
let h: HeraldProcess;

beforeAll(async () => {
  cluster = await startPgCluster();
  smtp = await startSmtp();
  h = await startHerald({ env: { DATABASE_URL: await cluster.database(), SMTP_URL: smtp.url, SITE_URL: SITE } });
}, 60_000);
afterAll(async () => {
  await stopAll(h, smtp);
  await cluster?.destroy();
});

const post = (url: string) =>
  fetch(url, { method: 'POST', headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });

/** Each request with the database stopped: 503, Retry-After, a page that says to try again. */
async function duringOutage(requests: Array<[string, () => Promise<Response>]>): Promise<void> {
  await cluster.stop();
  try {
    for (const [what, send] of requests) {
      const res = await send();
      expect(res.status, what).toBe(503);
      expect(Number(res.headers.get('retry-after')), what).toBeGreaterThan(0);
      expect(await res.text(), what).toContain('Try again in a moment');
    }
  } finally {
    await cluster.start();
  }
}

describe('subscriber links with PostgreSQL down', () => {
  it('confirm, manage and unsubscribe pages and their posts (one-click too) answer 503, then work with the same link', async () => {
    const email = 'outage-reader@example.com';
    expect((await subscribe(h, { email })).status).toBe(202);
    await until(() => to(smtp, email).length === 1, 'the confirmation');
    const text = (await smtp.parse(to(smtp, email)[0]!)).text ?? '';
    const confirm = local(h, /https?:\/\/\S+\/subscribe\/confirm\/[A-Za-z0-9._-]+/.exec(text)![0]);

    await duringOutage([
      ['GET confirm', () => fetch(confirm)],
      ['POST confirm', () => post(confirm)],
    ]);
    const confirmed = await until(async () => {
      const res = await post(confirm);
      return res.status === 200 ? res.text() : null;
    }, 'the confirm once PostgreSQL is back');
    expect(confirmed).toContain('You are subscribed');
    const manage = `${h.url}${/href="(\/subscribe\/manage\/[^"]+)"/.exec(confirmed)![1]}`;
    const unsubscribe = `${h.url}${/href="(\/unsubscribe\/[^"]+)"/.exec(await (await fetch(manage)).text())![1]}`;

    await duringOutage([
      ['GET manage', () => fetch(manage)],
      ['POST manage', () => post(manage)],
      ['GET unsubscribe', () => fetch(unsubscribe)],
      // RFC 8058's one-click post, as a mail provider sends it (no Origin, no cookie), and the page's own button.
      [
        'POST unsubscribe (one-click)',
        () =>
          fetch(unsubscribe, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: 'List-Unsubscribe=One-Click',
          }),
      ],
      [
        'POST unsubscribe (the page)',
        () =>
          fetch(unsubscribe, {
            method: 'POST',
            headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' },
            body: 'via=page',
            redirect: 'manual',
          }),
      ],
    ]);
    await until(async () => (await fetch(manage)).status === 200, 'the manage page once PostgreSQL is back');
    expect((await fetch(unsubscribe)).status).toBe(200);
    const oneClick = await fetch(unsubscribe, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.status).toBe(200);
    expect(await oneClick.text()).toBe('You are unsubscribed.\n');
    expect(h.output()).not.toMatch(/\[ERROR\]|at confirmByLink/);
  });
});
