import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, subscribeAndConfirm, to, until } from '../helpers/mail-flow.ts';
import { axe, axeContext } from '../helpers/browser.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { adminOrThrow } from '../helpers/status-page-seed.ts';
import { luminance } from '../helpers/colour.ts';

/**
 * The emails as a subscriber whose mail app follows their dark mode reads them (Apple Mail honours the
 * email's own `prefers-color-scheme` styles): real messages through SMTP, parsed by mailparser, in real
 * Chromium with the dark scheme. From a hunt's report: the emails had light colours only, so a reader in
 * dark mode got a white card in a dark app.
 */
const EMAIL = 'night@example.com';
let h: HeraldProcess;
let smtp: TestSmtp;
let browser: Browser;
const mails: Array<{ what: string; html: string }> = [];

async function lastHtml(what: string): Promise<void> {
  const mail = await smtp.parse(to(smtp, EMAIL).at(-1)!);
  if (typeof mail.html !== 'string') throw new Error(`no HTML part in ${what}`);
  mails.push({ what, html: mail.html });
}

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startHerald({ env: { SMTP_URL: smtp.url, SITE_URL: SITE, SITE_NAME: 'Dirt Free CRM', HERALD_SEED: 'none' } });
  await adminOrThrow(h, '/components', { id: 'api', name: 'API' });
  const settings = (await (await h.admin('/settings')).json()) as Record<string, unknown>;
  const saved = await h.admin('/settings', { method: 'PUT', body: { ...settings, support_contact: 'support@example.com' } });
  expect(saved.status, await saved.clone().text()).toBe(200);
  await subscribeAndConfirm(h, smtp, EMAIL);
  await lastHtml('the confirmation');
  let seen = to(smtp, EMAIL).length;
  const declared = (await (
    await h.admin('/incidents', {
      body: {
        name: 'Checkout errors',
        impact: 'major',
        status: 'investigating',
        body: 'Payments fail for some cards. See [the card list](https://example.com/cards) and `ERR_42`.\n\n> Retry later.',
        components: { api: 'major_outage' },
      },
    })
  ).json()) as { id: string };
  await until(() => to(smtp, EMAIL).length > seen, 'the disruption notice');
  await lastHtml('the disruption notice');
  seen = to(smtp, EMAIL).length;
  const resolved = await h.admin(`/incidents/${declared.id}/updates`, {
    body: { status: 'resolved', body: 'Fixed. Details on [the page](https://example.com/why).', components: { api: 'operational' } },
  });
  expect(resolved.status).toBe(201);
  await until(() => to(smtp, EMAIL).length > seen, 'the restoration notice');
  await lastHtml('the restoration notice');
  browser = await launchBrowser();
}, 90_000);
afterAll(() => stopAll(browser, h, smtp));

describe('each email in a mail app set to dark mode', () => {
  it('has a dark card with light text, and every text passes axe colour contrast, in dark and in light', async () => {
    expect(mails.map((m) => m.what)).toEqual(['the confirmation', 'the disruption notice', 'the restoration notice']);
    for (const scheme of ['dark', 'light'] as const) {
      const context = await axeContext(browser, { viewport: { width: 360, height: 800 }, colorScheme: scheme });
      try {
        for (const m of mails) {
          const page = await context.newPage();
          await page.setContent(m.html);
          const card = await page.evaluate(() => {
            const el = document.querySelector('table table') as HTMLElement;
            const style = getComputedStyle(el);
            return { background: style.backgroundColor, color: style.color };
          });
          if (scheme === 'dark') {
            expect(luminance(card.background), `${m.what}: the card's background ${card.background}`).toBeLessThan(0.05);
            expect(luminance(card.color), `${m.what}: the card's text ${card.color}`).toBeGreaterThan(0.7);
          } else {
            expect(luminance(card.background), `${m.what}: the card's background ${card.background}`).toBeGreaterThan(0.9);
          }
          const report = await axe(page, { impacts: ['minor', 'moderate', 'serious', 'critical'] });
          expect(report.passes, 'axe ran').toBeGreaterThan(0);
          expect(
            report.violations.filter((v) => v.startsWith('color-contrast')),
            `${m.what} (${scheme})`,
          ).toEqual([]);
          await page.close();
        }
      } finally {
        await context.close();
      }
    }
  });
});
