import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHerald, tempDataDir, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn } from '../helpers/console-session.ts';
import { closeWithin, launchBrowser, screenshot } from '../helpers/browser.ts';

/**
 * The settings' severity levels on a 360 px phone: a card per level (the .stack-table pattern), each field under
 * its column's name, the checkboxes in labels of 24 px at least (WCAG 2.5.8), nothing scrolling sideways; at
 * 1280 px the table with its header row. Without JavaScript: the layout is the stylesheet's, the save a form post.
 */
const LEVEL_COLUMNS: Record<string, string> = {
  id: 'Id',
  label: 'Label',
  description: 'Customers read',
  impact: 'Impact',
  update_every_minutes: 'Update every (min)',
  email_subscribers: 'Email',
  email_every_update: 'Every update',
  email_after_minutes: 'Email after (min)',
  postmortem_due_hours: 'Review due (h)',
  postmortem_overdue_hours: 'Overdue (h)',
};

let h: HeraldProcess;
let browser: Browser;
let context: BrowserContext;
beforeAll(async () => {
  h = await startHerald({ dataDir: tempDataDir() });
  const session = await signIn(h);
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 360, height: 800 }, javaScriptEnabled: false });
  const [name, ...value] = session.cookie.split('=');
  await context.addCookies([{ name: name!, value: value.join('='), url: h.url }]);
});
afterAll(async () => {
  if (context) await closeWithin(context)();
  // The Herald stopped removes its DATA_DIR.
  await stopAll(browser, h);
});

type Settings = { severities: Array<{ id: string; update_every_minutes: number | null }> };
const settings = async () => (await (await h.admin('/settings')).json()) as Settings;

/** How far the page and the levels' wrapper scroll sideways (0: they fit). */
const overflow = (page: Page) =>
  page.evaluate(() => {
    const wrap = document.querySelector('table.levels-table')!.parentElement!;
    return { page: document.documentElement.scrollWidth, wrap: wrap.scrollWidth - wrap.clientWidth };
  });

describe('the settings page on a 360 px phone', () => {
  it("shows each level as a card of labelled fields, its checkboxes' targets 24 px at least, nothing scrolling sideways", async () => {
    const page = await context.newPage();
    expect((await page.goto(`${h.url}/admin/settings`))?.status()).toBe(200);
    await screenshot(page, 'settings/narrow-360', { fullPage: true });
    const o = await overflow(page);
    expect(o.page).toBeLessThanOrEqual(360);
    expect(o.wrap).toBeLessThanOrEqual(0);

    const levels = await page.locator('table.levels-table tbody tr:not(.row-error)').count();
    expect(levels).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < levels; i++) {
      for (const [field, column] of Object.entries(LEVEL_COLUMNS)) {
        const control = page.locator(`#level-${i}-${field}`);
        const box = (await control.boundingBox())!;
        expect(box, `level ${i + 1} ${field}`).not.toBeNull();
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(360);
        // Its column's name, on screen beside or above it: a label for it, or the label around the checkbox.
        const label = page.locator(`label[for="level-${i}-${field}"], label:has(> #level-${i}-${field})`);
        await expect(label.count()).resolves.toBe(1);
        expect(await label.isVisible(), `level ${i + 1} ${field}'s label`).toBe(true);
        expect((await label.textContent())?.trim()).toBe(column);
        const labelBox = (await label.boundingBox())!;
        expect(labelBox.x).toBeGreaterThanOrEqual(0);
        expect(labelBox.x + labelBox.width).toBeLessThanOrEqual(360);
        if ((await control.getAttribute('type')) === 'checkbox') {
          // The target is the checkbox or its label, whichever is larger: 24 × 24 px at least.
          const target = labelBox.width * labelBox.height >= box.width * box.height ? labelBox : box;
          expect(target.width, `level ${i + 1} ${field}'s target`).toBeGreaterThanOrEqual(24);
          expect(target.height, `level ${i + 1} ${field}'s target`).toBeGreaterThanOrEqual(24);
        }
      }
    }
    await page.close();
  });

  it("saves a level's changed cadence from the phone, and shows a row's error under its own card", async () => {
    const page = await context.newPage();
    await page.goto(`${h.url}/admin/settings`);
    const before = await settings();
    expect(before.severities[1]!.update_every_minutes).not.toBe(45);
    // A refusal first: the row's error line is shown with its card, between it and the next level's.
    await page.fill('#level-1-update_every_minutes', 'soon');
    await page.click('button:has-text("Save settings")');
    const error = page.locator('#level-1-error');
    expect(await error.isVisible()).toBe(true);
    expect(await error.textContent()).toMatch(/^Level 2: /);
    await screenshot(page, 'settings/narrow-360-refused', { fullPage: true });
    const errorBox = (await error.boundingBox())!;
    expect(errorBox.x).toBeGreaterThanOrEqual(0);
    expect(errorBox.x + errorBox.width).toBeLessThanOrEqual(360);
    const lastOfRow = (await page.locator('#level-1-postmortem_overdue_hours').boundingBox())!;
    const nextRow = (await page.locator('#level-2-id').boundingBox())!;
    expect(errorBox.y).toBeGreaterThanOrEqual(lastOfRow.y + lastOfRow.height);
    expect(errorBox.y + errorBox.height).toBeLessThanOrEqual(nextRow.y);
    expect((await overflow(page)).page).toBeLessThanOrEqual(360);
    expect((await settings()).severities[1]!.update_every_minutes).toBe(before.severities[1]!.update_every_minutes);

    await page.fill('#level-1-update_every_minutes', '45');
    await page.click('button:has-text("Save settings")');
    await expect(page.locator('.notice.ok').textContent()).resolves.toContain('Settings saved');
    const after = await settings();
    expect(after.severities[1]!.update_every_minutes).toBe(45);
    // Nothing else of the levels changed.
    expect(after.severities.map((l) => ({ ...l, update_every_minutes: null }))).toEqual(
      before.severities.map((l) => ({ ...l, update_every_minutes: null })),
    );
    await page.close();
  });

  it('is the table with its header row at 1280 px', async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${h.url}/admin/settings`);
    expect(await page.locator('table.levels-table thead tr').isVisible()).toBe(true);
    for (const column of Object.values(LEVEL_COLUMNS)) {
      expect(await page.getByRole('columnheader', { name: column, exact: true }).isVisible(), column).toBe(true);
    }
    // The column's name is the header's, not repeated in each cell.
    expect(await page.locator('table.levels-table .stack-label').first().isVisible()).toBe(false);
    await screenshot(page, 'settings/wide-1280');
    await page.close();
  });
});

describe("the console's checkbox labels on a 360 px phone", () => {
  it('each is a target 24 px tall at least: the channel form’s components, as the levels’ checkboxes', async () => {
    for (const [id, name] of [
      ['api', 'API'],
      ['web', 'Website'],
    ]) {
      expect((await h.admin('/components', { body: { id, name } })).status).toBe(201);
    }
    const page = await context.newPage();
    try {
      await page.goto(`${h.url}/admin/channels`);
      const labels = await page.$$eval('label.check', (ls) =>
        ls.map((l) => ({ text: l.textContent!.trim(), height: l.getBoundingClientRect().height })),
      );
      expect(labels.map((l) => l.text)).toEqual(expect.arrayContaining(['API', 'Website']));
      // Before: 22.5 px, one line of text.
      for (const l of labels) expect(l.height, l.text).toBeGreaterThanOrEqual(24);
    } finally {
      await page.close();
    }
  });
});
