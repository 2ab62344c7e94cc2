import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, outboxSettled, subscribeAndConfirm, to, until } from '../helpers/mail-flow.ts';
import { engineEnv } from '../helpers/engine.ts';

/**
 * An estimate beside a start on another day carries its date: the email always gives it (read later, below a
 * dated "Started"), and the incident page does when its "Started" line shows another day. A London site, an
 * incident declared 26 hours after it started with an estimate later on the same London day.
 */
const TZ = 'Europe/London';
const EMAIL = 'dated@example.com';
const MIN = 60_000;
const TIME = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short', timeZone: TZ } as const;
const DATE_TIME = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', ...TIME });
// en-GB names London's zones GMT and BST, as the page does (src/domain/time-text.ts).
const at = (iso: string) => DATE_TIME.format(new Date(iso));
const field = (text: string, label: string) => new RegExp(`^${label}: (.*)$`, 'm').exec(text)?.[1];
const wholeMinute = (t: number) => new Date(Math.ceil(t / MIN) * MIN).toISOString();
const londonDay = (t: number) => new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(new Date(t));

/**
 * An estimate up to 30 minutes ahead on London's today, as only then did the page and the email give a time
 * alone: one that fell on tomorrow was dated already, and the test would pass on the code it is to catch. In
 * the last two minutes of a London day, it waits for the next.
 */
async function todaysEstimate(): Promise<{ now: number; eta: string }> {
  for (;;) {
    const now = Date.now();
    let eta = Math.ceil((now + 30 * MIN) / MIN) * MIN;
    while (londonDay(eta) !== londonDay(now)) eta -= MIN;
    if (eta > now + MIN) return { now, eta: new Date(eta).toISOString() };
    await new Promise((r) => setTimeout(r, 5_000));
  }
}

let smtp: TestSmtp;
let h: HeraldProcess;

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startHerald({ env: { ...(await engineEnv()), SMTP_URL: smtp.url, SITE_URL: SITE, SITE_TIMEZONE: TZ, HERALD_SEED: 'none' } });
  expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
  await subscribeAndConfirm(h, smtp, EMAIL);
});
afterAll(() => stopAll(h, smtp));

describe('an estimate read beside a start on another day', () => {
  it('the email and the incident page give the estimate its date', async () => {
    const { now, eta } = await todaysEstimate();
    const started = wholeMinute(now - 26 * 60 * MIN);
    const n = to(smtp, EMAIL).length;
    const res = await h.admin('/incidents', {
      body: {
        name: 'API errors',
        impact: 'major',
        status: 'identified',
        body: 'A bad deploy.',
        components: { api: 'major_outage' },
        started_at: started,
        eta,
        notify: true,
      },
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    await until(() => to(smtp, EMAIL).length > n, 'the notice');
    await outboxSettled(h);
    const mail = await smtp.parse(to(smtp, EMAIL)[n]!);
    const text = mail.text ?? '';
    expect(field(text, 'Started')).toBe(at(started));
    // Before: "Estimated resolution: 23:36 GMT" below "Started: 4 Dec 2026, 21:06 GMT", taken for the 4th.
    expect(field(text, 'Estimated resolution')).toBe(at(eta));
    expect(mail.html ?? '').toContain(`${at(eta)}</td>`);

    const html = await (await fetch(`${h.url}/incidents/${id}`)).text();
    const estimate = /<dt>Estimated resolution<\/dt><dd><time[^>]*>([^<]*)<\/time>/.exec(html)?.[1];
    // Before: "23:36 GMT" on the page too, under "Started 4 Dec 2026, 21:06 GMT".
    expect(estimate).toBe(at(eta));
  }, 240_000);
});
