import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, local, subscribe, to, until } from '../helpers/mail-flow.ts';
import { axeContext, axeViolations, launchBrowser } from '../helpers/browser.ts';

/**
 * Components outside any group that come after a group, on /subscribe and the manage page, in real Chromium
 * without JavaScript: they used to follow the group's last box with no heading or rule between, so a reader
 * took "Sp" for a member of Infrastructure, and a second "API" for Infrastructure's. Now they sit under a
 * heading of their own, below the group's block, at a phone's widths and a desktop's, and axe still passes.
 */
let h: HeraldProcess;
let smtp: TestSmtp;
let browser: Browser;
let manage: string;

// Created in this order, each last: Website (alone), Core platform [API], Infrastructure [Email delivery, Database], Sp, API.
const COMPONENTS = [
  { id: 'web', name: 'Website' },
  { id: 'api', name: 'API', group: 'Core platform' },
  { id: 'mail', name: 'Email delivery', group: 'Infrastructure' },
  { id: 'db', name: 'Database', group: 'Infrastructure' },
  { id: 'sp', name: 'Sp' },
  { id: 'api-public', name: 'API' },
];

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startHerald({ env: { SMTP_URL: smtp.url, SITE_URL: SITE } });
  for (const c of COMPONENTS) expect((await h.admin('/components', { body: c })).status).toBe(201);
  const email = 'reader@example.com';
  expect((await subscribe(h, { email })).status).toBe(202);
  await until(() => to(smtp, email).length === 1, `the confirmation email to ${email}`);
  const text = (await smtp.parse(to(smtp, email)[0]!)).text ?? '';
  const link = local(h, /https?:\/\/\S+\/subscribe\/confirm\/[A-Za-z0-9._-]+/.exec(text)![0]);
  const page = await (
    await fetch(link, { method: 'POST', headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' } })
  ).text();
  manage = /\/subscribe\/manage\/[A-Za-z0-9._-]+/.exec(page)![0];
  browser = await launchBrowser();
}, 60_000);
afterAll(() => stopAll(browser, h, smtp));

/**
 * Where each thing a reader sees sits: every checkbox's row (by value), and every visible heading of the
 * choices (a legend's text and box). Boxes are page coordinates.
 */
async function layout(page: Page) {
  return page.evaluate(() => {
    const box = (e: Element) => {
      const r = e.getBoundingClientRect();
      return { top: r.top + scrollY, bottom: r.bottom + scrollY, left: r.left, right: r.right };
    };
    const visible = (e: Element) => {
      const s = getComputedStyle(e);
      const r = e.getBoundingClientRect();
      return s.visibility !== 'hidden' && s.display !== 'none' && Number(s.opacity) > 0 && r.width > 0 && r.height > 0;
    };
    const root = document.querySelector('fieldset.component-choices')!;
    return {
      rows: Object.fromEntries(
        [...root.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')].map((i) => [i.value, box(i.closest('label')!)]),
      ),
      headings: [...root.querySelectorAll('fieldset legend')].filter(visible).map((l) => ({ text: l.textContent!.trim(), ...box(l) })),
      // The group a screen reader announces a box in: its nearest fieldset's legend.
      groupOf: Object.fromEntries(
        [...root.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')].map((i) => [
          i.value,
          i.closest('fieldset')!.querySelector(':scope > legend')!.textContent!.trim(),
        ]),
      ),
    };
  });
}

describe('ungrouped components after a group, in the subscription forms', () => {
  for (const width of [320, 360, 1280]) {
    for (const where of ['/subscribe', 'the manage page'] as const) {
      it(`${where} at ${width} px: Sp and the ungrouped API sit under a heading of their own, below Infrastructure's block`, async () => {
        const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width, height: 900 } });
        try {
          const page = await context.newPage();
          await page.goto(`${h.url}${where === '/subscribe' ? '/subscribe' : manage}`);
          const { rows, headings, groupOf } = await layout(page);
          const infrastructure = headings.find((x) => x.text === 'Infrastructure')!;
          expect(infrastructure, 'the Infrastructure heading').toBeDefined();
          const lastMember = Math.max(rows.mail!.bottom, rows.db!.bottom);
          const firstOther = Math.min(rows.sp!.top, rows['api-public']!.top);
          // A visible heading between the group's last box and the first ungrouped one: the group's block ends there.
          const between = headings.filter((x) => x.top >= lastMember - 1 && x.bottom <= firstOther + 1);
          expect(
            between.map((x) => x.text),
            `a heading between Infrastructure's last box (bottom ${lastMember}) and the ungrouped ones (top ${firstOther}); headings: ${JSON.stringify(headings)}`,
          ).toEqual(['Other components']);
          // The heading seen is the one heard.
          expect([groupOf.sp, groupOf['api-public'], groupOf.mail, groupOf.api]).toEqual([
            'Other components',
            'Other components',
            'Infrastructure',
            'Core platform',
          ]);
          // Website, before any group, stays under the form's own legend: no heading is made up for it.
          expect(groupOf.web).toBe('Components (optional)');
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          expect(overflow, 'no sideways scrolling').toBeLessThanOrEqual(0);
        } finally {
          await context.close();
        }
      });
    }
  }

  it('axe finds no serious or critical violation on either page, light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const context = await axeContext(browser, { colorScheme, viewport: { width: 360, height: 900 } });
      try {
        const page = await context.newPage();
        for (const path of ['/subscribe', manage]) {
          await page.goto(`${h.url}${path}`);
          expect(await axeViolations(page), `${path} (${colorScheme})`).toEqual([]);
        }
      } finally {
        await context.close();
      }
    }
  });
});
