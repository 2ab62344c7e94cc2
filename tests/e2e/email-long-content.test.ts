import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, subscribeAndConfirm, to, until } from '../helpers/mail-flow.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { adminOrThrow } from '../helpers/status-page-seed.ts';

/**
 * Long unbroken text in a notice, read on a phone: the HTML part of the email as a subscriber receives it
 * (real SMTP, parsed by mailparser) in real Chromium at 360 px. From a tester's report: one error id, log
 * line or incident name with no space in it made the 600 px card wider than the screen, and every line of
 * the email (the greeting, the facts) was cut off on the right.
 */
const EMAIL = 'phone@example.com';
const ERROR_ID = `ERR-${'9f8e7d6c5b4a'.repeat(8)}`.slice(0, 100);
const LOG_LINE = `2026-11-30T14:02:11.123Z ERROR payments-gateway https://api.example.com/v1/payments/charges/ch_3OqLx2KZ9vWn7YbA?expand[]=balance_transaction&expand[]=customer.invoice_settings.default_payment_method&idempotency_key=${'a1b2c3d4'.repeat(6)}`;
const NAME_200 = `CheckoutPaymentsGateway${'TimeoutsInEuWest1'.repeat(11)}`.slice(0, 200);

const CASES = [
  { what: 'a 100-character error id in the update', name: 'Payments failing', body: `We see errors with the id ${ERROR_ID} in the logs.` },
  { what: 'a long log line in a code block', name: 'Payments failing again', body: `The gateway logs:\n\n\`\`\`\n${LOG_LINE}\n\`\`\`` },
  { what: 'a 200-character incident name with no space', name: NAME_200, body: 'We are looking into it.' },
];

let h: HeraldProcess;
let smtp: TestSmtp;
let browser: Browser;
const html: string[] = [];

beforeAll(async () => {
  expect(ERROR_ID).toHaveLength(100);
  expect(NAME_200).toHaveLength(200);
  smtp = await startSmtp();
  h = await startHerald({ env: { SMTP_URL: smtp.url, SITE_URL: SITE, SITE_NAME: 'Dirt Free CRM', HERALD_SEED: 'none' } });
  await adminOrThrow(h, '/components', { id: 'api', name: 'API' });
  await subscribeAndConfirm(h, smtp, EMAIL);
  for (const c of CASES) {
    const before = to(smtp, EMAIL).length;
    await adminOrThrow(h, '/incidents', {
      name: c.name,
      severity: 'sev1',
      status: 'investigating',
      body: c.body,
      components: { api: 'major_outage' },
    });
    await until(() => to(smtp, EMAIL).length > before, `the disruption notice of "${c.what}"`);
    const mail = await smtp.parse(to(smtp, EMAIL).at(-1)!);
    if (typeof mail.html !== 'string') throw new Error(`no HTML part in the notice of "${c.what}"`);
    html.push(mail.html);
  }
  browser = await launchBrowser();
}, 90_000);
afterAll(() => stopAll(browser, h, smtp));

describe('a notice with long unbroken text fits a phone screen', () => {
  CASES.forEach((c, i) => {
    it(`${c.what}: the email is no wider than 360 px, and its greeting and facts are within the screen`, async () => {
      const page = await browser.newPage({ viewport: { width: 360, height: 800 } });
      try {
        await page.setContent(html[i]!);
        const seen = await page.evaluate(() => {
          const right = (el: Element | null) => (el ? el.getBoundingClientRect().right : Number.NaN);
          const greeting = [...document.querySelectorAll('p')].find((p) => p.textContent!.startsWith('Dear '));
          const facts = [...document.querySelectorAll('th')].find((th) => th.textContent === 'Incident reference:');
          return {
            scrollWidth: document.documentElement.scrollWidth,
            greeting: right(greeting ?? null),
            facts: right(facts?.closest('table') ?? null),
          };
        });
        expect(seen.scrollWidth, 'the document').toBeLessThanOrEqual(360);
        expect(seen.greeting, 'the greeting').toBeLessThanOrEqual(360);
        expect(seen.facts, 'the fact table').toBeLessThanOrEqual(360);
      } finally {
        await page.close();
      }
    });
  });
});
