import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { HtmlValidate } from 'html-validate';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { axeContext, axeViolations, launchBrowser } from '../helpers/browser.ts';
import { until } from '../helpers/poll.ts';
import { addDays, localDate, startOfDay } from '../../src/domain/zoned-days.ts';

/**
 * The pages of the history issue in a real browser: /, /history, /maintenance
 * and incident pages (one with a postmortem, one a maintenance), each checked
 * with axe-core (light and dark), html-validate, and at 360 px wide.
 */
type Json = Record<string, any>;

let h: HeraldProcess;
let browser: Browser;
const paths: string[] = ['/', '/history', '/maintenance'];

beforeAll(async () => {
  h = await startHerald({ env: { SITE_TIMEZONE: 'America/New_York', MAINTENANCE_REMINDER_MINUTES: '0' } });
  const admin = async (path: string, body: unknown, method = 'POST') => {
    const res = await h.admin(path, { method, body });
    expect(res.status, path).toBeLessThan(300);
    return (await res.json()) as Json;
  };
  for (const [id, name] of [
    ['api', 'API'],
    ['db', 'Database'],
    ['web', 'Website'],
  ])
    await admin('/components', { id, name });
  // Noon (New York) three days ago, so the 90-minute outage stays within one local day.
  const noon = startOfDay(addDays(localDate(Date.now(), 'America/New_York'), -3), 'America/New_York') + 12 * 3_600_000;
  const inc = await admin('/incidents', {
    name: 'Elevated API errors',
    impact: 'major',
    body: 'We are investigating.',
    components: { api: 'partial_outage' },
    started_at: new Date(noon).toISOString(),
  });
  await admin(`/incidents/${inc.id}/updates`, {
    status: 'resolved',
    body: 'Resolved.',
    display_at: new Date(noon + 5_400_000).toISOString(),
  });
  await admin(
    `/incidents/${inc.id}/postmortem`,
    { body: '## What happened\n\nA failover left a pool pointing at the old primary.\n\n- Add a check', publish: true },
    'PUT',
  );
  const hour = 3_600_000;
  const running = await admin('/maintenances', {
    name: 'Queue migration',
    scheduled_for: new Date(Date.now() - 60_000).toISOString(),
    scheduled_until: new Date(Date.now() + hour).toISOString(),
    components: ['db'],
  });
  await admin('/maintenances', {
    name: 'Database upgrade',
    scheduled_for: new Date(Date.now() + 24 * hour).toISOString(),
    scheduled_until: new Date(Date.now() + 26 * hour).toISOString(),
    components: ['db', 'api'],
    body: 'Expect **brief** errors.',
  });
  paths.push(`/incidents/${inc.id}`, `/incidents/${running.id}`);
  // Wait for the timer to start the running window: every page below shows it in progress.
  let status = '';
  await until(
    async () => {
      status = ((await (await h.admin(`/maintenances/${running.id}`)).json()) as Json).status;
      return status === 'in_progress';
    },
    () => `the maintenance timer to start "Queue migration" (${running.id}): its status is still "${status}"`,
    10_000,
    100,
  );
  browser = await launchBrowser();
});

afterAll(() => stopAll(browser, h));

describe('history, maintenance and uptime pages in a browser', () => {
  // axe takes a second or more per page on a busy machine: a generous limit, not a speed check.
  it.each(['light', 'dark'] as const)(
    'axe-core finds no serious or critical violation (%s)',
    async (colorScheme) => {
      const context = await axeContext(browser, { colorScheme });
      const page = await context.newPage();
      for (const path of paths) {
        const res = await page.goto(`${h.url}${path}`);
        expect(res?.status(), path).toBe(200);
        expect(await axeViolations(page), `${path} (${colorScheme})`).toEqual([]);
      }
      await context.close();
    },
    120_000,
  );

  it('the HTML is valid', async () => {
    const validator = new HtmlValidate({ extends: ['html-validate:recommended'], rules: { 'no-trailing-whitespace': 'off' } });
    for (const path of paths) {
      const html = await (await fetch(`${h.url}${path}`)).text();
      const report = await validator.validateString(html);
      const messages = report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`));
      expect(messages, path).toEqual([]);
    }
  });

  it('reads on a 360 px wide screen without sideways scrolling', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    for (const path of paths) {
      await page.goto(`${h.url}${path}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
    await context.close();
  });

  it('each uptime cell has a text alternative, shown on hover, and the page shows the percentage and formula', async () => {
    const page = await browser.newPage();
    await page.goto(`${h.url}/`);
    const cells = page.locator('#component-api .uptime-bar > li');
    expect(await cells.count()).toBe(90);
    const outageDay = cells.nth(86);
    const label = (await outageDay.textContent())!;
    expect(label).toMatch(/^\d{1,2} [A-Z][a-z]{2,3}: partial outage for 1 h 30 min$/);
    expect(await outageDay.getAttribute('class')).toBe('u-partial_outage');
    const tip = outageDay.locator('span');
    expect((await tip.boundingBox())!.width).toBeLessThanOrEqual(1);
    await outageDay.hover();
    expect((await tip.boundingBox())!.width).toBeGreaterThan(50);
    expect(await page.locator('#component-api .uptime-pct').textContent()).toMatch(/^99\.\d\d % uptime$/);
    expect(await page.locator('#uptime-note').textContent()).toContain('0.3 × minutes of partial outage');
    expect(await page.locator('#component-db').textContent()).toContain('Under maintenance');
    await page.close();
  });
});
