import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn } from '../helpers/console-session.ts';
import { closeWithin, launchBrowser } from '../helpers/browser.ts';

/**
 * The console's script keeps an edited text's update rhythm with the level chosen, in real Chromium: from a
 * defect hunt, a SEV-1 update whose first sentence was edited and then re-graded to SEV-3 still promised
 * "the next update within 30 minutes" (the server does the same without the script: console-regrade-rhythm).
 */
let h: HeraldProcess;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  h = await startHerald();
  expect((await h.admin('/components', { body: { id: 'web', name: 'Web' } })).status).toBe(201);
  const [name, ...value] = (await signIn(h, 'Dana')).cookie.split('=');
  browser = await launchBrowser();
  context = await browser.newContext();
  await context.addCookies([{ name: name!, value: value.join('='), url: h.url }]);
}, 60_000);

afterAll(async () => {
  if (context) await closeWithin(context)();
  await stopAll(browser, h);
});

async function openPage(path: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${h.url}${path}`);
  return page;
}

describe('the live form brings the rhythm sentence to the level chosen', () => {
  it('an update: the first sentence edited, then re-graded SEV-1 → SEV-3 and back; a rhythm typed by hand stays', async () => {
    const res = await h.admin('/incidents', {
      body: { name: 'Web down', severity: 'sev1', body: 'Web is down.', components: { web: 'major_outage' }, notify: false },
    });
    const { id } = (await res.json()) as { id: string };
    const page = await openPage(`/admin/incidents/${id}`);
    try {
      const body = () => page.inputValue('#update-body');
      await page.check('#update-status-identified');
      const first = (await body()).split('\n')[0]!;
      expect(first).toBe(
        'We have identified the issue affecting Web and are working on a fix. We will provide the next update within 30 minutes.',
      );
      const mine = 'We found a bad config push on Web and are rolling it back.';
      await page.fill('#update-body', (await body()).replace('We have identified the issue affecting Web and are working on a fix.', mine));
      await page.selectOption('#update-severity', 'sev3');
      // Before: "… rolling it back. We will provide the next update within 30 minutes."
      expect((await body()).split('\n')[0]).toBe(`${mine} We will provide the next update within 4 hours.`);
      expect(await page.inputValue('input[name="body_template"]')).toContain('We will provide the next update within 4 hours.');
      await page.selectOption('#update-severity', '');
      expect((await body()).split('\n')[0]).toBe(`${mine} We will provide the next update within 30 minutes.`);
      // The Comms Lead's own rhythm is theirs: a re-grade leaves it (the preview warns).
      const own = (await body()).replace('within 30 minutes', 'within 2 hours');
      await page.fill('#update-body', own);
      await page.selectOption('#update-severity', 'sev3');
      expect(await body()).toBe(own);
    } finally {
      await closeWithin(page)();
    }
  });

  it('a declare: the body edited, then its severity changed', async () => {
    const page = await openPage('/admin/incidents/new');
    try {
      const body = () => page.inputValue('#body');
      await page.check('input[name="severity"][value="sev1"]');
      expect(await body()).toContain('We will provide updates at least every 30 minutes.');
      await page.fill('#body', (await body()).replace(/^We are investigating reports of problems with [^.]+\./, 'Web pages fail to load.'));
      await page.check('input[name="severity"][value="sev3"]');
      expect((await body()).split('\n')[0]).toBe('Web pages fail to load. We will provide updates at least every 4 hours.');
    } finally {
      await closeWithin(page)();
    }
  });
});
