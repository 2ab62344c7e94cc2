import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startHerald, removeDir, tempDataDir, stopAll } from '../helpers/server.ts';
import { startSmtp } from '../helpers/smtp.ts';
import { outboxSettled } from '../helpers/mail-flow.ts';
import { signIn } from '../helpers/console-session.ts';
import { launchBrowser, screenshot } from '../helpers/browser.ts';
import { seedSubscribers } from '../fixtures/subscribers.ts';

/** Plain http: the session cookie is then `herald_session`, which a browser takes for a loopback address. */
const SITE = 'http://status.example.test';
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(() => stopAll(...cleanup.splice(0).reverse()));
let browser: Browser | undefined;
afterAll(() => browser?.close());

describe('the deliveries page on a 360 px phone', () => {
  it('both tables fit: the Failed count, its "Retry all failed" and a failure\'s "Last tried" are on screen without scrolling sideways', async () => {
    const smtp = await startSmtp(() => ({ code: 554, text: '5.7.1 Message refused: the relay refuses every recipient of this test' }));
    cleanup.push(() => smtp.close());
    const dataDir = tempDataDir();
    cleanup.push(() => removeDir(dataDir));
    seedSubscribers(dataDir, [{ email: 'a-rather-long-mailbox-name.for-testing@subdomain.example.com' }, { email: 'b@example.com' }]);
    const h = await startHerald({ dataDir, env: { SMTP_URL: smtp.url, SITE_URL: SITE } });
    cleanup.push(() => h.stop());
    await h.admin('/incidents', {
      body: { name: 'Checkout failing for some customers', impact: 'major', status: 'investigating', body: 'Down.', components: {} },
    });
    await outboxSettled(h, 1);
    const session = await signIn(h);
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 360, height: 800 } });
    const [name, ...value] = session.cookie.split('=');
    await context.addCookies([{ name: name!, value: value.join('='), url: h.url }]);
    const page = await context.newPage();
    expect((await page.goto(`${h.url}/admin/deliveries`))?.status()).toBe(200);
    await screenshot(page, 'deliveries/narrow-360', { fullPage: true });

    const overflow = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      tables: [...document.querySelectorAll('table')].map((t) => t.parentElement!.scrollWidth - t.parentElement!.clientWidth),
    }));
    expect(overflow.page).toBeLessThanOrEqual(360);
    expect(overflow.tables).toEqual([0, 0]);
    // A failure's "Last tried" time (a <time> in the site's zone) is on screen too, labelled.
    const lastTried = page.locator('#failed-title ~ table time').first();
    expect(await lastTried.getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    expect(await page.locator('.stack-label', { hasText: 'Last tried' }).first().isVisible()).toBe(true);
    for (const el of [page.locator('.pill.st-failed').first(), page.getByRole('button', { name: /Retry all 2 failed/ }), lastTried]) {
      const box = (await el.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(360);
    }
    // Stacked, each count says what it is.
    expect(await page.locator('.stack-label', { hasText: 'Failed' }).first().isVisible()).toBe(true);
    // Wide, it is a table again, with its column headings.
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(await page.getByRole('columnheader', { name: 'Failed' }).isVisible()).toBe(true);
    expect(await page.getByRole('columnheader', { name: 'Last tried' }).isVisible()).toBe(true);
    await screenshot(page, 'deliveries/wide-1280');
    await context.close();
  });
});
